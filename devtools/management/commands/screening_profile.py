"""``manage.py screening_profile [--n 300] [--classifier] [--pyinstrument]``

Where one item's screening time goes, on the real worker path: reviews are submitted
with ``review_post`` (their screening tasks go to a queue nobody reads, then are
dropped), then the task function ``moderation.case_screen`` runs in this process on
each case, exactly as a worker runs it (the after-commit work included: fingerprints,
domain signals and their receivers, publishing follow-up tasks to Redis). Prints per
item: wall and CPU milliseconds, queries, and the time spent in each phase (exclusive:
a phase's time excludes the phases it calls), plus the detectors' own timings.

Needs PostgreSQL + Redis and a dedicated database (its name contains "latency" or
"bench"), which it FLUSHES, as ``moderation_latency`` does::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate_latency \\
    REDIS_URL=redis://127.0.0.1:6379/6 python manage.py screening_profile --classifier
"""
import functools
import importlib
import os
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from devtools.management.commands.moderation_latency import Command as LatencyCommand
from moderation.management.commands.moderation import bench_texts

# (module, attribute, phase label): wrapped for the run, restored after it.
PHASES = [
    ("moderation.services", "case_screen", "task total (case_screen)"),
    ("moderation.services", "case_screen_batch", "task total (case_screen)"),
    ("moderation.adapters.reviews", "ReviewAdapter.screen_input", "read the review (screen_input)"),
    ("moderation.adapters.reviews", "ReviewAdapter.screen_inputs", "read the review(s) (screen_inputs)"),
    ("moderation.adapters.reviews", "ReviewAdapter.screen_inputs_many", "read the review(s) (screen_inputs)"),
    ("moderation.pipeline", "thresholds_for", "read thresholds"),
    ("moderation.pipeline", "screen", "detectors (pipeline.screen)"),
    ("moderation.quality.services", "quality_screen", "quality scoring"),
    ("moderation.quality.services", "quality_store_many", "quality store"),
    ("moderation.services", "_decide", "decide + audit event"),
    ("moderation.adapters.reviews", "review_moderate", "publish the review (review_moderate)"),
    ("moderation.services", "_author_reach", "queue: author reach"),
    ("moderation.services", "_notify_held_for_review", "notifications"),
    ("moderation.services", "_notify_author", "notifications"),
    ("moderation.quality.services", "_notify_held", "notifications"),
    ("moderation.pipeline", "remember_all", "fingerprints (remember_all)"),
    ("django.dispatch.dispatcher", "Signal.send", "signals incl. model save (receivers)"),
    ("celery.app.task", "Task.apply_async", "publish follow-up tasks"),
]


class _QueryCounter:
    def __init__(self):
        self.n = 0
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        self.statements.append(sql)
        return execute(sql, params, many, context)


class Timers:
    def __init__(self):
        self.stack = []
        self.exclusive = defaultdict(float)
        self.calls = defaultdict(int)

    def wrap(self, label, fn):
        timers = self

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            timers.stack.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                children = timers.stack.pop()
                timers.exclusive[label] += elapsed - children
                timers.calls[label] += 1
                if timers.stack:
                    timers.stack[-1] += elapsed

        return wrapper


def _resolve(module_name, attr):
    module = importlib.import_module(module_name)
    owner, name = module, attr
    if "." in attr:
        cls, name = attr.split(".")
        owner = getattr(module, cls)
    return owner, name


class Command(BaseCommand):
    help = "Profile screening one item at a time through the worker's task function (PostgreSQL + Redis)."

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=300)
        parser.add_argument("--warmup", type=int, default=20)
        parser.add_argument("--classifier", action="store_true", help="train and use the sample classifier")
        parser.add_argument("--pyinstrument", action="store_true", help="also print a pyinstrument call tree")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--cprofile", type=int, default=0, metavar="N",
                            help="also print the N functions with the most cumulative CPU time (cProfile)")
        parser.add_argument("--sql", action="store_true", help="print the statements of the task with the most (a whole batch when batching)")
        parser.add_argument("--batch", type=int, default=1,
                            help="micro-batch size (services.SCREEN_BATCH) for the run: 1 screens one item per "
                                 "task; K lets a task screen up to K waiting items (all are waiting here), the "
                                 "tasks of items already screened then return after one query")

    def handle(self, *args, n, warmup, classifier, pyinstrument, seed, sql, cprofile, batch=1, **options):
        from moderation import services as moderation_services

        batch_before = moderation_services.SCREEN_BATCH
        moderation_services.SCREEN_BATCH = max(1, batch)
        try:
            self._handle(n=n, warmup=warmup, classifier=classifier, pyinstrument=pyinstrument, seed=seed, sql=sql,
                         cprofile=cprofile, batch=max(1, batch))
        finally:
            moderation_services.SCREEN_BATCH = batch_before

    def _handle(self, *, n, warmup, classifier, pyinstrument, seed, sql, cprofile, batch):
        latency = LatencyCommand(stdout=self.stdout, stderr=self.stderr)
        latency._prepare_database()
        settings.COCREATE_MODEL_DIR = Path(tempfile.mkdtemp(prefix="profile-models-"))
        if classifier:
            latency._train_classifier()
        from config.celery import app

        queue = f"profile-{uuid.uuid4().hex[:10]}"  # nobody reads it; deleted at the end
        latency._use_queue(queue)
        authors, products = latency._fixtures(n + warmup)
        from community.services import review_post
        from moderation import tasks
        from moderation.models import Case

        texts = bench_texts(n + warmup, seed=seed)
        cases = []
        for i, (text, author) in enumerate(zip(texts, authors, strict=True)):
            review, _ = review_post(author=author, product=products[i % len(products)], rating=1 + i % 5,
                                    text=text, language="zh")
            case = Case.objects.only("id", "revision").get(content_type="review", object_id=review.pk)
            cases.append((case.pk, case.revision))
        # The warm-up screens its own cases only (a batch would take measured ones with them).
        from moderation import services as moderation_services

        moderation_services.SCREEN_BATCH, size = 1, moderation_services.SCREEN_BATCH
        for case_id, revision in cases[:warmup]:
            tasks.case_screen(case_id, revision)
        moderation_services.SCREEN_BATCH = size

        timers = Timers()
        saved = []
        for module_name, attr, label in PHASES:
            owner, name = _resolve(module_name, attr)
            original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
            saved.append((owner, name, original))
            setattr(owner, name, timers.wrap(label, original))
        profiler = None
        if pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        cpu_profile = None
        if cprofile:
            import cProfile

            cpu_profile = cProfile.Profile(time.process_time)
            cpu_profile.enable()
        walls, cpus, queries = [], [], []
        biggest = _QueryCounter()
        try:
            for case_id, revision in cases[warmup:]:
                counter = _QueryCounter()
                with connection.execute_wrapper(counter):
                    w0, c0 = time.perf_counter(), time.process_time()
                    tasks.case_screen(case_id, revision)
                    walls.append(time.perf_counter() - w0)
                    cpus.append(time.process_time() - c0)
                queries.append(counter.n)
                if counter.n > biggest.n:
                    biggest = counter
        finally:
            if profiler is not None:
                profiler.stop()
            if cpu_profile is not None:
                cpu_profile.disable()
            for owner, name, original in reversed(saved):
                setattr(owner, name, original)
            with app.connection_for_write() as conn:
                conn.default_channel.queue_delete(queue)

        decisions = defaultdict(int)
        for c in Case.objects.filter(pk__in=[c for c, _ in cases[warmup:]]).values_list("ai_decision", flat=True):
            decisions[c] += 1
        w = self.stdout.write
        w(f"{n} reviews screened through moderation.case_screen tasks "
          f"({'one by one' if batch == 1 else f'micro-batches of up to {batch}, every item waiting'}), classifier: "
          f"{'sample model' if classifier else 'none'}; decisions: {dict(decisions)}")
        w(f"per item: wall {sum(walls) / n * 1000:.1f} ms, CPU (this process) {sum(cpus) / n * 1000:.1f} ms, "
          f"queries {sum(queries) / n:.1f}; per task ({len(walls)} tasks, no-ops included): wall p50 "
          f"{statistics.median(walls) * 1000:.1f} ms, max {max(walls) * 1000:.1f} ms, queries min {min(queries)} "
          f"max {max(queries)}")
        total = sum(walls)
        w("phase (exclusive wall time)              ms/item  share  calls/item")
        for label, seconds in sorted(timers.exclusive.items(), key=lambda kv: -kv[1]):
            w(f"  {label:<38} {seconds / n * 1000:7.2f}  {seconds / total:5.0%}  {timers.calls[label] / n:6.2f}")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        w(f"machine: {os.cpu_count()} CPUs, load average {load} (1/5/15 min)")
        if sql:
            for number, statement in enumerate(biggest.statements, 1):
                w(f"{number:3d} {statement[:220]}")
        if cpu_profile is not None:
            import io
            import pstats

            out = io.StringIO()
            pstats.Stats(cpu_profile, stream=out).sort_stats("cumulative").print_stats(cprofile)
            w(out.getvalue())
        if profiler is not None:
            w(profiler.output_text(unicode=True, color=False, show_all=False))
