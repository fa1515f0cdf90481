"""Quality scores from the command line.

    manage.py quality score --text "..." [--rating 4] [--lang zh] [--json] [--no-learned]
    manage.py quality score --file FILE.jsonl [--no-learned]   one JSON result per line, in order
    manage.py quality rescore [--batch 1000] [--kind review]     every item, with a progress display
    manage.py quality bench [--n 5000] [--requests 500] [--json]
"""
import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError


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
        rescore.add_argument("--batch", type=int, default=1000)
        rescore.add_argument("--kind", default=None, help="Only this content kind (default: all)")

        bench = actions.add_parser("bench", help="Throughput per core, coach p95, rescore estimate.")
        bench.add_argument("--n", type=int, default=5000, help="Texts to score per measurement")
        bench.add_argument("--requests", type=int, default=500, help="Coach requests")
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
                self.stdout.write(_dumps(result.as_dict()))
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
                        lines.append(_dumps({"error": row}))
                        continue
                    r = score_text(row["text"], rating=row.get("rating"), lang=row.get("lang"), learned=p)
                    lines.append(_dumps({"score": r.score, "band": r.band, "components": r.components}))
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

    def handle_rescore(self, *, batch, kind, **_):
        from moderation import registry
        from moderation.quality.services import quality_score_item

        kinds = [registry.get(kind)] if kind else registry.kinds()
        grand = 0
        for adapter in kinds:
            ids = adapter.scoreable_ids()
            total = ids.count() if hasattr(ids, "count") and not isinstance(ids, list) else len(ids)
            done = scored = 0
            started = time.perf_counter()
            last = 0
            while True:
                chunk = list(ids.filter(pk__gt=last)[:batch]) if hasattr(ids, "filter") else list(ids[done:done + batch])
                if not chunk:
                    break
                for object_id in chunk:
                    scored += quality_score_item(content_type=adapter.key, object_id=object_id) is not None
                done += len(chunk)
                last = chunk[-1]
                rate = done / max(time.perf_counter() - started, 1e-9)
                pct = 100 * done / total if total else 100
                self.stdout.write(f"\r{adapter.key}: {done}/{total} ({pct:.0f}%)  {rate:.0f} items/s", ending="")
                self.stdout.flush()
            self.stdout.write(f"\r{adapter.key}: {done}/{total} (100%)  scored {scored}" + " " * 20)
            grand += scored
        self.stdout.write(self.style.SUCCESS(f"Rescored {grand} items."))

    # --- bench -------------------------------------------------------------------------------

    def handle_bench(self, *, n, requests, json: bool, **_):
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
        report.update(self._bench_rescore())
        if json:
            self.stdout.write(_dumps(report))
            return
        self.stdout.write(f"Scoring throughput per core ({n} texts, time.process_time):")
        self.stdout.write(f"  rules only:        {report['rules_items_per_cpu_second']:>9.0f} items/s   (goal >= 500)")
        self.stdout.write(f"  with learned:      {report['learned_items_per_cpu_second']:>9.0f} items/s   (goal >= 200; "
                          f"{report['learned_model']})")
        self.stdout.write(f"Coach endpoint, {report['coach_requests']} requests in-process: "
                          f"p50 {report['coach_p50_ms']:.2f} ms, p95 {report['coach_p95_ms']:.2f} ms  (goal < 50 ms)")
        if report.get("rescore_items_per_second"):
            self.stdout.write(
                f"Rescore (read + score, {report['rescore_sample']} stored items): "
                f"{report['rescore_items_per_second']:.0f} items/s per worker; 1M items with two workers "
                f"≈ {report['rescore_1m_two_workers_minutes']:.0f} min (+ writes)"
            )
        else:
            self.stdout.write("Rescore estimate: no scored content in this database (run `quality rescore` first).")

    def _bench_coach(self, requests, sample):
        from rest_framework.test import APIRequestFactory, force_authenticate

        from community.models import Product, User
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

    def _bench_rescore(self, limit=200):
        from moderation.models import QualityScore
        from moderation.quality.services import quality_compute

        rows = list(QualityScore.objects.order_by("-id").values_list("content_type", "object_id")[:limit])
        if not rows:
            return {}
        started = time.perf_counter()
        for content_type, object_id in rows:
            quality_compute(content_type=content_type, object_id=object_id)
        rate = len(rows) / (time.perf_counter() - started)
        return {
            "rescore_sample": len(rows),
            "rescore_items_per_second": round(rate, 1),
            "rescore_1m_two_workers_minutes": round(1_000_000 / (2 * rate) / 60, 1),
        }


def _dumps(obj):
    return json.dumps(obj, ensure_ascii=False, default=str)
