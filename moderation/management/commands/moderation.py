"""``manage.py moderation <screen|load_words|bench>``.

    moderation screen --text "加V: abc_12345" [--lang zh] [--json]
    moderation screen --file items.jsonl          # {"text": ..., "lang"?: ...} per line -> JSON lines
    moderation load_words [--file words.json]     # the built-in word list, idempotent
    moderation bench [--n 2000]                   # screening throughput, items/s per core

``screen`` runs the pipeline dry: it reads word lists, fingerprints and thresholds
but saves nothing.
"""
import json
import random
import sys
import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Screening tools: dry-run the pipeline, load the default word list, benchmark."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        screen = sub.add_parser("screen", help="Screen text without saving anything.")
        src = screen.add_mutually_exclusive_group(required=True)
        src.add_argument("--text")
        src.add_argument("--file", help='JSON lines: {"text": ..., "lang"?: ...}; "-" for stdin. '
                         "Prints one JSON result per line, in order.")
        screen.add_argument("--lang", default="")
        screen.add_argument("--content-type", default="review")
        screen.add_argument("--json", action="store_true", help="one JSON object per item")
        words = sub.add_parser("load_words", help="Load the built-in word list (existing entries are kept).")
        words.add_argument("--file", help="a JSON list of {term, category, action, note?}")
        bench = sub.add_parser("bench", help="Screening throughput on 200-character mixed zh/en texts.")
        bench.add_argument("--n", type=int, default=2000)
        bench.add_argument("--seed", type=int, default=7)
        bench.add_argument("--no-classifier", action="store_true")

    def handle(self, *args, action, **options):
        from django.db import DatabaseError

        try:
            getattr(self, f"handle_{action}")(**options)
        except DatabaseError as exc:
            raise CommandError(f"database error (is it migrated? manage.py migrate): {exc}") from exc

    # --- screen ---------------------------------------------------------------------

    def handle_screen(self, *, text=None, file=None, lang="", content_type="review", **options):
        as_json = options.get("json", False)
        from moderation.detectors.base import ScreenInput
        from moderation.pipeline import screen, thresholds_for

        thresholds = thresholds_for(content_type)
        for item in self._items(text, file, lang):
            if "error" in item:
                self._emit({"error": item["error"]}, as_json=True)
                continue
            inp = ScreenInput(text=item["text"], language=item["lang"], content_type=content_type)
            outcome = screen(inp, thresholds=thresholds)
            if as_json or file is not None:
                self._emit(outcome.as_dict(), as_json=True)
            else:
                self._print_outcome(item["text"], outcome)

    def _items(self, text, file, lang):
        if text is not None:
            yield {"text": text, "lang": lang}
            return
        try:
            fh = sys.stdin if file == "-" else open(file, encoding="utf-8", errors="replace")
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        with fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                        raise ValueError('expected {"text": ...}')
                except ValueError as exc:
                    yield {"error": f"line {number}: {exc}"}
                    continue
                yield {"text": obj["text"], "lang": str(obj.get("lang") or lang)}

    def _emit(self, obj, *, as_json):
        self.stdout.write(json.dumps(obj, ensure_ascii=False) if as_json else str(obj))

    def _print_outcome(self, text, outcome):
        w = self.stdout.write
        for d in outcome.detectors:
            if not d["labels"] and not d["score"]:
                w(f"  {d['name']:<15} -")
                continue
            w(f"  {d['name']:<15} {','.join(d['labels'])}  score={d['score']:.2f}  action={d['action'] or '-'}")
            for ev in d["evidence"]:
                where = f"[{ev['start']}:{ev['end']}]" if "start" in ev else ev.get("image", "")
                w(f"      {ev['label']:<18} {where:<12} {ev.get('text', '')!r}")
            if d.get("data"):
                w(f"      data: {json.dumps(d['data'], ensure_ascii=False)[:300]}")
        cls = "" if outcome.classifier_score is None else f"  classifier={outcome.classifier_score:.3f}"
        w(f"decision: {outcome.decision}  risk={outcome.risk:.3f}  reasons: {', '.join(outcome.reasons) or '-'}{cls}")

    # --- load_words -------------------------------------------------------------------

    def handle_load_words(self, *, file=None, **_):
        from moderation.detectors.lexicon import default_words
        from moderation.services import wordlist_load

        try:
            entries = default_words(file)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the word list: {exc}") from exc
        created, existing = wordlist_load(entries=entries)
        self.stdout.write(f"word list: {created} created, {existing} already present")

    # --- bench ------------------------------------------------------------------------

    def handle_bench(self, *, n=2000, seed=7, no_classifier=False, **_):
        from moderation import pipeline
        from moderation.detectors.base import ScreenInput

        detectors = [d for d in pipeline.DETECTORS if not (no_classifier and d.name == pipeline.CLASSIFIER)]
        texts = bench_texts(max(n, 1), seed=seed)
        thresholds = pipeline.thresholds_for("review")
        # Warm up: word list automaton, classifier model, OpenCC, caches.
        for text in texts[:20]:
            pipeline.screen(ScreenInput(text=text, content_type="review", author_id=1), thresholds=thresholds,
                            detectors=detectors)
        per_detector, decisions, errors = {}, {}, 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i, text in enumerate(texts):
            outcome = pipeline.screen(
                ScreenInput(text=text, content_type="review", author_id=1 + i % 50, language="zh"),
                thresholds=thresholds, detectors=detectors,
            )
            decisions[outcome.decision] = decisions.get(outcome.decision, 0) + 1
            errors += "screening_failed" in outcome.reasons
            for name, seconds in outcome.timings.items():
                per_detector[name] = per_detector.get(name, 0.0) + seconds
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        classifier = next((d for d in detectors if d.name == pipeline.CLASSIFIER), None)
        active = None
        if classifier is not None:
            probe = pipeline.screen(ScreenInput(text=texts[0]), thresholds=thresholds, detectors=[classifier])
            active = probe.classifier_score is not None
        w = self.stdout.write
        w(f"{len(texts)} items of ~200 chars (mixed zh/en), {len(detectors)} detectors, "
          f"classifier: {'active model' if active else 'no active model' if classifier else 'excluded'}")
        w(f"throughput: {len(texts) / cpu:.0f} items/s per core (process CPU {cpu:.2f}s), "
          f"{len(texts) / wall:.0f} items/s wall")
        w("per detector (ms/item, wall): " + ", ".join(
            f"{name} {seconds * 1000 / len(texts):.3f}" for name, seconds in per_detector.items()))
        failed = f"  (screening failed on {errors}: is the database migrated?)" if errors else ""
        w(f"decisions: {decisions}{failed}")


_ZH = ("这款面霜质地很清爽，用了两周皮肤明显变得细腻 物流很快，包装完好，客服态度也很好 颜色和图片一致，做工不错，性价比很高 "
       "尺码偏小，建议买大一码 宝宝很喜欢，已经回购第三次了 电池续航一般，充电速度还可以 味道有点甜，冷藏后更好喝 "
       "收到货有点破损，联系客服很快补发了 面料柔软不起球 安装简单，十分钟搞定 160cm 48kg 穿S码刚好 "
       "耳机音质超出预期，低音很足 保温杯早上装的热水到下午还是烫的 效果第一，最好用的一款").split()
_EN = ("Great value for money. Shipping was fast and the box arrived intact. The texture is light and absorbs "
       "quickly. Would buy again! Battery life could be better. Smells amazing, my skin feels soft. "
       "Fits true to size. Best ever").split(". ")
# One item in five carries one of these.
_SPAM = ("加V: abc_12345|私聊有优惠|好评返现五元|全网最低价|手机号138 0013 8000|薇信 wxid_888|刷单兼职日结|"
         "去某宝买更便宜|DM me for a discount|click here for free money|一三八零零一三八零零零").split("|")


def bench_texts(n, *, seed=7, length=200):
    """``n`` deterministic ~200-character review-like texts mixing Chinese and English,
    some with contact details, spam phrases or claims."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        parts, size = [], 0
        if i % 5 == 0:
            parts.append(rng.choice(_SPAM))
        while size < length:
            piece = rng.choice(_ZH) if rng.random() < 0.7 else rng.choice(_EN)
            parts.append(piece)
            size += len(piece) + 1
        rng.shuffle(parts)
        out.append(("，".join(parts))[:length])
    return out
