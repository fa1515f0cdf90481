"""Quality scores from the command line.

    manage.py quality score --text "..." [--rating 4] [--lang zh] [--json] [--no-learned]
    manage.py quality score --file FILE.jsonl [--no-learned]   one JSON result per line, in order
    manage.py quality rescore [--batch 500] [--kind review] [--celery]
                                    every item in batches, with a progress display; --celery
                                    fans the batches out to the Celery workers
    manage.py quality bench [--n 5000] [--requests 500] [--json]
"""
import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from community.models import Product, Review, User
from core import jsonio


class Command(BaseCommand):
    help = "Score texts, rescore all content, or benchmark the quality scorer and the writing coach."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{score,rescore,bench}")

        score = actions.add_parser("score", help="Score a text, or every line of a JSONL file.")
        source = score.add_mutually_exclusive_group(required=True)
        source.add_argument("--text")
        source.add_argument("--file", metavar="FILE.jsonl", help='lines {"text", "rating"?, "lang"?}; "-" = stdin')
        score.add_argument("--rating", type=int, choices=range(1, 6), metavar="1-5")
        score.add_argument("--lang", choices=["zh", "en"])
        score.add_argument("--json", action="store_true", help="Print one JSON object")
        score.add_argument("--no-learned", action="store_true", help="Leave out the learned component")

        rescore = actions.add_parser("rescore", help="Recompute and store every item's score.")
        rescore.add_argument("--batch", type=int, default=500, help="Items per batch (default 500)")
        rescore.add_argument("--kind", default=None, help="Only this content kind (default: all)")
        rescore.add_argument("--celery", action="store_true",
                             help="Queue the batches for the Celery workers and follow their progress")
        rescore.add_argument("--stall-timeout", type=int, default=300,
                             help="With --celery: give up after this many seconds without progress")

        bench = actions.add_parser("bench", help="Throughput per core, coach p95, rescore estimate.")
        bench.add_argument("--n", type=int, default=5000, help="Texts to score per measurement")
        bench.add_argument("--requests", type=int, default=500, help="Coach requests")
        bench.add_argument("--rescore-items", type=int, default=20000,
                           help="Reviews each rescore measurement goes through (0: skip it). Their scores are "
                                "dropped and rewritten: run it on a benchmark database")
        bench.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        return getattr(self, f"handle_{options['action']}")(**options)

    # --- score -------------------------------------------------------------------------------

    def _learned(self, disabled):
        if disabled:
            return None
        from moderation.learning import load_active

        try:
            return load_active("quality")
        except Exception:
            return None

    def handle_score(self, *, text, file, rating, lang, json: bool, no_learned, **_):
        from moderation.quality.scorer import score_text

        loaded = self._learned(no_learned)
        if text is not None:
            learned = loaded.predict_one({"text": text, "rating": rating, "lang": lang or ""}) if loaded else None
            result = score_text(text, rating=rating, lang=lang, learned=learned)
            if json:
                self.stdout.write(jsonio.dumps(result.as_dict()))
                return
            self.stdout.write(f"score {result.score}/100   band {result.band}")
            for name in ("information", "originality", "media", "consistency", "community", "learned"):
                value = result.components[name]
                if value is not None:
                    self.stdout.write(f"  {name:<12} {value}")
            self.stdout.write(f"  {result.explanation_en}")
            self.stdout.write(f"  {result.explanation_zh}")
            for hint in result.hints:
                self.stdout.write(f"  hint [{hint['code']}] {hint['message']}")
            return
        self._score_file(file, loaded)

    def _score_file(self, path, loaded, chunk=2000):
        from moderation.quality.scorer import score_text

        try:
            fh = sys.stdin if path == "-" else open(path, encoding="utf-8-sig")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"{path}: cannot read ({exc.strerror or exc})") from None
        out = self.stdout
        with fh:
            rows = []

            def flush():
                learned = [None] * len(rows)
                if loaded is not None:
                    todo = [i for i, r in enumerate(rows) if isinstance(r, dict)]
                    if todo:
                        probs = loaded.predict_proba([rows[i] for i in todo])
                        for i, p in zip(todo, probs):
                            learned[i] = p
                lines = []
                for row, p in zip(rows, learned):
                    if not isinstance(row, dict):
                        lines.append(jsonio.dumps({"error": row}))
                        continue
                    r = score_text(row["text"], rating=row.get("rating"), lang=row.get("lang"), learned=p)
                    lines.append(jsonio.dumps({"score": r.score, "band": r.band, "components": r.components}))
                out.write("\n".join(lines))
                rows.clear()

            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    rows.append(f"line {number}: empty")
                else:
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as exc:
                        row = f"line {number}: invalid JSON ({exc.msg})"
                    else:
                        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                            row = f'line {number}: expected an object with "text"'
                        else:
                            rating = row.get("rating")
                            row = {"text": row["text"], "lang": row.get("lang") if row.get("lang") in ("zh", "en") else None,
                                   "rating": rating if isinstance(rating, int) and 1 <= rating <= 5 else None}
                    rows.append(row)
                if len(rows) >= chunk:
                    flush()
            if rows:
                flush()

    # --- rescore -----------------------------------------------------------------------------

    def handle_rescore(self, *, batch, kind, celery, stall_timeout, **_):
        from moderation import registry

        if batch < 1:
            raise CommandError("--batch must be at least 1")
        if kind and kind not in {k.key for k in registry.kinds()}:
            raise CommandError(f"unknown kind {kind!r}; known: {', '.join(k.key for k in registry.kinds())}")
        adapters = [registry.get(kind)] if kind else registry.kinds()
        run = self._rescore_queue if celery else self._rescore_here
        started = time.perf_counter()
        total = sum(run(adapter, batch, stall_timeout) for adapter in adapters)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"Rescored {total} items in {elapsed:.1f} s ({total / max(elapsed, 1e-9):.0f} items/s)."))

    @staticmethod
    def _id_batches(adapter, batch):
        ids = adapter.scoreable_ids()
        last = 0
        while True:
            chunk = list(ids.filter(pk__gt=last)[:batch]) if hasattr(ids, "filter") else [
                i for i in ids if i > last][:batch]
            if not chunk:
                return
            yield chunk
            last = chunk[-1]

    def _progress(self, key, done, total, started, extra=""):
        rate = done / max(time.perf_counter() - started, 1e-9)
        pct = 100 * done / total if total else 100
        left = (total - done) / rate if rate and done < total else 0
        self.stdout.write(f"\r{key}: {done}/{total} ({pct:.0f}%)  {rate:.0f} items/s  ~{left:.0f} s left{extra}   ",
                          ending="")
        self.stdout.flush()

    def _rescore_here(self, adapter, batch, _stall):
        from moderation.quality.services import quality_rescore_batch

        total = adapter.scoreable_ids().count() if hasattr(adapter.scoreable_ids(), "count") else 0
        done = scored = 0
        started = time.perf_counter()
        for chunk in self._id_batches(adapter, batch):
            stored, _forgotten = quality_rescore_batch(content_type=adapter.key, object_ids=chunk)
            scored += stored
            done += len(chunk)
            self._progress(adapter.key, done, max(total, done), started)
        self.stdout.write(f"\r{adapter.key}: {done}/{done} (100%)  scored {scored}" + " " * 30)
        return done

    def _rescore_queue(self, adapter, batch, stall_timeout):
        import uuid

        from django.core.cache import cache

        from moderation import tasks

        run = uuid.uuid4().hex
        key = f"moderation:quality:rescore-run:{run}"
        cache.set(key, 0, 7 * 24 * 3600)
        queued = 0
        started = time.perf_counter()
        for chunk in self._id_batches(adapter, batch):
            tasks.quality_rescore_batch.delay(adapter.key, chunk, run)
            queued += len(chunk)
        self.stdout.write(f"{adapter.key}: {queued} items queued in batches of {batch}")
        done, last_change, last_done = 0, time.perf_counter(), -1
        while True:
            done = int(cache.get(key) or 0)
            if done != last_done:
                last_done, last_change = done, time.perf_counter()
                self._progress(adapter.key, done, queued, started)
            if done >= queued:
                break
            if time.perf_counter() - last_change > stall_timeout:
                cache.delete(key)
                raise CommandError(
                    f"no progress for {stall_timeout} s at {done}/{queued}: are Celery workers running "
                    f"(`make worker`)? Batches already done are stored; rerun to finish.")
            time.sleep(0.5)
        cache.delete(key)
        self.stdout.write(f"\r{adapter.key}: {done}/{queued} (100%)" + " " * 40)
        return done

    # --- bench -------------------------------------------------------------------------------

    def handle_bench(self, *, n, requests, rescore_items, json: bool, **_):
        from moderation.learning.model import TextModel
        from moderation.quality.datasets import SAMPLE, labels_read
        from moderation.quality.scorer import score_text

        sample = labels_read(SAMPLE)
        corpus = [sample[i % len(sample)] for i in range(n)]
        report = {"items": n}

        started = time.process_time()
        for e in corpus:
            score_text(e["text"], rating=e.get("rating"))
        cpu = time.process_time() - started
        report["rules_items_per_cpu_second"] = round(n / cpu, 1)

        loaded = self._learned(False)
        model = loaded.model if loaded is not None else None
        if model is None:  # no active model: fit one on the sample in memory (nothing stored)
            model = TextModel(labels=("low", "high")).fit(sample, [1 if e["label"] == "low" else 0 for e in sample])
        model.predict_proba(["warm-up 预热"])
        started = time.process_time()
        for e in corpus:
            p = float(model.predict_proba([e])[0])
            score_text(e["text"], rating=e.get("rating"), learned=p)
        cpu = time.process_time() - started
        report["learned_items_per_cpu_second"] = round(n / cpu, 1)
        report["learned_model"] = f"active v{loaded.version}" if loaded is not None else "in-memory (sample)"

        report.update(self._bench_coach(requests, sample))
        if rescore_items:
            report.update(self._bench_rescore(rescore_items))
        if json:
            self.stdout.write(jsonio.dumps(report))
            return
        self.stdout.write(f"Scoring throughput per core ({n} texts, time.process_time):")
        self.stdout.write(f"  rules only:        {report['rules_items_per_cpu_second']:>9.0f} items/s   (goal >= 500)")
        self.stdout.write(f"  with learned:      {report['learned_items_per_cpu_second']:>9.0f} items/s   (goal >= 200; "
                          f"{report['learned_model']})")
        self.stdout.write(f"Coach endpoint, {report['coach_requests']} requests in-process: "
                          f"p50 {report['coach_p50_ms']:.2f} ms, p95 {report['coach_p95_ms']:.2f} ms  (goal < 50 ms)")
        if report.get("rescore_two_workers_items_per_second"):
            self.stdout.write(
                f"Rescore (read + score + write, batches of {report['rescore_batch']}, "
                f"{report['rescore_sample']} stored items, {report['database']}):")
            self.stdout.write(f"  one worker:        {report['rescore_one_worker_items_per_second']:>9.0f} items/s")
            self.stdout.write(f"  two workers:       {report['rescore_two_workers_items_per_second']:>9.0f} items/s   "
                              f"-> 1M items ≈ {report['rescore_1m_two_workers_minutes']:.1f} min")
        elif rescore_items:
            self.stdout.write("Rescore: no scoreable content in this database (seed some: `manage.py seed`).")

    def _bench_coach(self, requests, sample):
        from rest_framework.test import APIRequestFactory, force_authenticate

        from moderation.api.quality import QualityCoachApi

        view = QualityCoachApi.as_view(throttle_classes=[])
        factory = APIRequestFactory()
        user = User(pk=0, email="bench@example.com")
        product = Product.objects.filter(is_active=True).values_list("slug", flat=True).first()
        times = []
        for i in range(requests):
            e = sample[i % len(sample)]
            body = {"text": e["text"], "rating": e.get("rating") or 4, "photos": i % 3}
            if product:
                body["product"] = product
            request = factory.post("/api/quality/coach/", body, format="json")
            force_authenticate(request, user=user)
            started = time.perf_counter()
            response = view(request)
            response.render()
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise CommandError(f"coach answered {response.status_code}: {response.data}")
        times.sort()
        return {
            "coach_requests": requests,
            "coach_p50_ms": round(times[len(times) // 2], 3),
            "coach_p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 3),
        }

    def _bench_rescore(self, items, batch=500):
        """``quality_rescore_batch`` over the first ``items`` scoreable reviews, in this
        process and then in two processes at once (each its own connection, disjoint
        halves): what ``quality rescore --celery`` does with two workers, minus the broker."""
        import multiprocessing

        from django.db import connection, connections

        from moderation import registry

        ids = list(registry.get("review").scoreable_ids()[:items])
        if not ids:
            return {}
        chunks = [ids[i:i + batch] for i in range(0, len(ids), batch)]
        _rescore_chunks(chunks[:1])  # warm-up: model load, first queries
        _forget_scores(ids)  # every pass starts from unscored items, so every pass writes them all
        started = time.perf_counter()
        _rescore_chunks(chunks)
        one = len(ids) / (time.perf_counter() - started)

        _forget_scores(ids)
        connections.close_all()  # the children open their own
        ctx = multiprocessing.get_context("fork")
        halves = [chunks[0::2], chunks[1::2]]
        started = time.perf_counter()
        with ctx.Pool(2) as pool:
            pool.map(_rescore_chunks, halves)
        two = len(ids) / (time.perf_counter() - started)
        return {
            "database": connection.vendor,
            "rescore_batch": batch,
            "rescore_sample": len(ids),
            "rescore_one_worker_items_per_second": round(one, 1),
            "rescore_two_workers_items_per_second": round(two, 1),
            "rescore_1m_two_workers_minutes": round(1_000_000 / two / 60, 1),
        }


def _forget_scores(ids):
    """Benchmark set-up: drop the scores of these reviews (a pass then writes every one)."""
    from moderation.models import QualityScore

    for i in range(0, len(ids), 5000):
        QualityScore.objects.filter(content_type="review", object_id__in=ids[i:i + 5000]).delete()
        Review.objects.filter(pk__in=ids[i:i + 5000]).update(quality_score=None)


def _rescore_chunks(chunks):
    from django.db import connections

    from moderation.quality.services import quality_rescore_batch

    for chunk in chunks:
        quality_rescore_batch(content_type="review", object_ids=chunk)
    connections.close_all()
    return len(chunks)
