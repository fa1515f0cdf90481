"""``manage.py moderation_latency [--n 200] [--concurrency 1] [--rate 10]``

End-to-end screening latency with a real Celery worker: from a review's submission
(``review_post`` committed, the screening task on the broker) to its decision
(``Case.screened_at``, written by the worker), on PostgreSQL + Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate_latency \\
    REDIS_URL=redis://127.0.0.1:6379/6 python manage.py moderation_latency

The database must be a dedicated one (its name contains "latency" or "bench"): it is
created and migrated if needed and FLUSHED at every run, so runs start alike (then
the default word list is loaded). The command starts one worker subprocess
(``--concurrency`` processes) on a queue of its own, warms it up with a few reviews
(the first screening in a fresh process imports the pipeline and scikit-learn:
reported separately as the cold start), then submits ``--n`` reviews of 200
mixed zh/en characters (one in five with contact details or spam, as in
``moderation bench``) at ``--rate`` per second from fresh authors, and prints
p50/p95/p99 and the share the AI decided on its own.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection
from django.utils import timezone

from community.models import Brand, Category, Product, User
from community.services import review_post
from config.celery import app
from moderation.classifier import retrain_if_needed
from moderation.detectors.lexicon import default_words
from moderation.management.commands.moderation import bench_texts
from moderation.models import Case
from moderation.services import wordlist_load

GOAL_P95 = 2.0  # seconds, one worker
READY_TIMEOUT = 60
DEDICATED = re.compile(r"latency|bench")


class Command(BaseCommand):
    help = "Submission-to-decision latency of screening through a real Celery worker (PostgreSQL + Redis)."

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=200, help="reviews to measure")
        parser.add_argument("--concurrency", type=int, default=1, help="worker processes (1: -P solo)")
        parser.add_argument("--rate", type=float, default=10.0, help="submissions per second (steady)")
        parser.add_argument("--warmup", type=int, default=5, help="reviews screened before measuring")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the last decision")
        parser.add_argument("--classifier", action="store_true",
                            help="train the shipped-sample classifier first, so screening runs it")

    def handle(self, *args, n, concurrency, rate, warmup, seed, timeout, classifier, **options):
        if n < 1 or concurrency < 1 or rate <= 0:
            raise CommandError("--n, --concurrency and --rate must be positive")
        self._prepare_database()
        model_dir = tempfile.mkdtemp(prefix="latency-models-")
        settings.COCREATE_MODEL_DIR = Path(model_dir)  # never touch the real model directory
        if classifier:
            self._train_classifier()
        queue = f"latency-{uuid.uuid4().hex[:10]}"
        authors, products = self._fixtures(n + warmup)
        worker, log_path = self._start_worker(queue, concurrency, model_dir)
        try:
            self._use_queue(queue)
            texts = bench_texts(n + warmup, seed=seed)
            cold = self._run(texts[:warmup], authors[:warmup], products, rate=rate, timeout=timeout,
                             worker=worker, log_path=log_path)
            measured = self._run(texts[warmup:], authors[warmup:], products, rate=rate, timeout=timeout,
                                 worker=worker, log_path=log_path)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=15)
        self._report(measured, cold, n=n, rate=rate, concurrency=concurrency, log_path=log_path,
                     classifier=classifier)

    # --- set-up ----------------------------------------------------------------------------

    def _prepare_database(self):
        if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
            raise CommandError(
                "needs PostgreSQL and Redis: DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate_latency "
                "REDIS_URL=redis://127.0.0.1:6379/6 python manage.py moderation_latency")
        name = connection.settings_dict["NAME"]
        if not DEDICATED.search(name):
            raise CommandError(f"refusing to run on database {name!r}: this command flushes its database, "
                               "so its name must contain 'latency' or 'bench'")
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            if "does not exist" not in str(exc):
                raise CommandError(f"cannot connect to {name}: {exc}") from exc
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
            self.stdout.write(f"created database {name}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("flush", interactive=False, verbosity=0)

        wordlist_load(entries=default_words())

    def _train_classifier(self):
        started = time.perf_counter()
        result = retrain_if_needed(use_sample=True)
        if result is None:
            raise CommandError("could not train the sample classifier")
        self.stdout.write(f"classifier v{result.version} trained in {time.perf_counter() - started:.1f}s "
                          f"(held-out precision {result.metrics.get('precision')})")

    def _fixtures(self, count):
        """Fresh authors (one review each, so the burst detector stays quiet) and a few products."""
        run = uuid.uuid4().hex[:8]
        brand = Brand.objects.create(name="Latency", slug=f"latency-{run}")
        category = Category.objects.create(name_zh="测试", name_en="Test", slug=f"latency-{run}")
        Product.objects.bulk_create([
            Product(brand=brand, category=category, name_zh=f"测试商品{i}", slug=f"latency-{run}-{i}",
                    description_zh="一款用于测量审核延迟的商品")
            for i in range(20)
        ])
        users = []
        for i in range(count):
            user = User(email=f"latency-{run}-{i}@example.com", username=f"latency-{run}-{i}")
            user.set_unusable_password()
            users.append(user)
        User.objects.bulk_create(users, batch_size=1000)
        return (list(User.objects.filter(email__startswith=f"latency-{run}-").order_by("id")),
                list(Product.objects.filter(brand=brand).order_by("id")))

    def _start_worker(self, queue, concurrency, model_dir):
        log_path = Path(tempfile.mkdtemp(prefix="latency-worker-")) / "worker.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.base"),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "CELERY_QUEUE_PREFIX": f"{queue}.",  # screening / batch / email of its own (config/queues.py)
            "COCREATE_MODEL_DIR": model_dir,
            "PYTHONUNBUFFERED": "1",
        }
        pool = ["-P", "solo"] if concurrency == 1 else ["-P", "prefork", "-c", str(concurrency)]
        queues = ",".join([queue, *(f"{queue}.{kind}" for kind in ("screening", "batch", "email"))])
        cmd = [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info", *pool, "-Q", queues,
               "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + READY_TIMEOUT
        while " ready." not in log_path.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise CommandError(f"the worker did not start; its log: {log_path}")
            time.sleep(0.2)
        self.stdout.write(f"worker ready ({' '.join(pool)}), queue {queue}, log {log_path}")
        return proc, log_path

    def _use_queue(self, queue):
        app.conf.task_always_eager = False
        app.conf.broker_url = os.environ["REDIS_URL"]
        app.conf.task_default_queue = queue
        app.conf.queue_prefix = f"{queue}."

    # --- the run ----------------------------------------------------------------------------

    def _run(self, texts, authors, products, *, rate, timeout, worker, log_path):
        """Submit at a steady rate; return {review_id: (submitted_at, post_seconds)} joined with the cases."""
        submitted = {}
        start = time.monotonic()
        for i, (text, author) in enumerate(zip(texts, authors, strict=True)):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t0 = time.perf_counter()
            review, _ = review_post(author=author, product=products[i % len(products)], rating=1 + i % 5,
                                    text=text, language="zh")
            submitted[review.pk] = (timezone.now(), time.perf_counter() - t0)  # committed, task sent
        submit_seconds = time.monotonic() - start
        deadline = time.monotonic() + timeout
        while True:
            cases = {c.object_id: c for c in Case.objects.filter(content_type="review", object_id__in=list(submitted))
                     .only("object_id", "screened_at", "ai_decision", "state")}
            done = sum(1 for c in cases.values() if c.screened_at is not None)
            if done == len(submitted):
                break
            if worker.poll() is not None:
                raise CommandError(f"the worker died; its log: {log_path}")
            if time.monotonic() > deadline:
                raise CommandError(f"{len(submitted) - done} of {len(submitted)} not screened after {timeout}s; "
                                   f"worker log: {log_path}")
            time.sleep(0.2)
        rows = []
        for review_id, (at, post_seconds) in submitted.items():
            case = cases[review_id]
            rows.append({"latency": (case.screened_at - at).total_seconds(), "post": post_seconds,
                         "decision": case.ai_decision})
        return {"rows": rows, "submit_seconds": submit_seconds}

    # --- the report --------------------------------------------------------------------------

    def _report(self, measured, cold, *, n, rate, concurrency, log_path, classifier):
        w = self.stdout.write
        rows = measured["rows"]
        lat = sorted(r["latency"] for r in rows)
        cuts = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else lat * 99
        p50, p95, p99 = cuts[49], cuts[94], cuts[98]
        decisions = {}
        for r in rows:
            decisions[r["decision"]] = decisions.get(r["decision"], 0) + 1
        auto = decisions.get("publish", 0) + decisions.get("reject", 0)
        posts = sorted(r["post"] for r in rows)
        cold_lat = [r["latency"] for r in cold["rows"]]
        w(f"{n} reviews of 200 mixed zh/en characters at {rate:g}/s "
          f"(achieved {n / measured['submit_seconds']:.1f}/s), {concurrency} worker process"
          f"{'es' if concurrency > 1 else ''}, PostgreSQL + Redis, classifier: "
          f"{'sample model' if classifier else 'no active model'}")
        w(f"submission -> decision (Case.screened_at): p50 {p50:.3f}s  p95 {p95:.3f}s  p99 {p99:.3f}s  "
          f"max {lat[-1]:.3f}s  mean {statistics.fmean(lat):.3f}s")
        w(f"auto-decided by the AI: {auto}/{n} = {auto / n:.0%}  ({', '.join(f'{k} {v}' for k, v in sorted(decisions.items()))})")
        w(f"review_post itself: median {statistics.median(posts) * 1000:.1f} ms")
        if cold_lat:
            w(f"cold start (warm-up, first item after the worker started): {cold_lat[0]:.3f}s; "
              f"warm-up items: {', '.join(f'{x:.2f}' for x in cold_lat)}s")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        w(f"machine: {os.cpu_count()} CPUs, load average {load} (1/5/15 min) at the end of the run")
        verdict = "met" if p95 <= GOAL_P95 else "NOT met"
        w(f"goal p95 <= {GOAL_P95:g}s (with one worker process; this run: {concurrency}): {verdict}")
        w(f"worker log: {log_path}")
