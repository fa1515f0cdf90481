"""The screening pipeline's policy, its robustness on hostile input, and the
``moderation`` management command."""
import json
import os

import pytest
from django.core.management import call_command

from moderation import (
    pipeline,
    receivers,  # noqa: F401
)
from moderation.detectors.base import BLOCK, HOLD, Detector, DetectorResult, ScreenInput
from moderation.detectors.contact import ContactDetector
from moderation.detectors.lexicon import WordListDetector
from moderation.detectors.personal import PersonalDataDetector
from moderation.detectors.util import storable
from moderation.models import Case, TextFingerprint, Threshold, WordEntry

CLEAN = "面膜很服帖，精华液很多，敷完第二天上妆不卡粉，已经回购第三盒了。Great value, would buy again."


def screen(text, **kwargs):
    thresholds = kwargs.pop("thresholds", None) or pipeline.Thresholds()
    return pipeline.screen(ScreenInput(text=text, content_type="review", **kwargs), thresholds=thresholds)


class Raises(Detector):
    name = "broken"

    def run(self, inp):
        raise RuntimeError("boom")


class Fixed(Detector):
    """A detector that returns what it is told (for policy tests)."""

    def __init__(self, name, score, action="", labels=None, data=None):
        self.name, self.score, self.action = name, score, action
        self.labels = labels if labels is not None else ([name] if score else [])
        self.data = data or {}

    def run(self, inp):
        return DetectorResult(name=self.name, labels=self.labels, score=self.score, action=self.action,
                              data=dict(self.data))


# --- policy -------------------------------------------------------------------------------------


def test_clean_review_publishes(db):
    outcome = screen(CLEAN)
    assert outcome.decision == "publish"
    assert outcome.risk < 0.3 and outcome.reasons == []
    assert [d["name"] for d in outcome.detectors][:4] == ["contact", "personal_data", "wordlist", "absolute_claim"]


def test_pipeline_includes_the_classifier_and_works_without_a_model(db):
    names = [d.name for d in pipeline.DETECTORS]
    assert names[-1] == "classifier"
    outcome = screen(CLEAN)
    classifier = next(d for d in outcome.detectors if d["name"] == "classifier")
    assert classifier["score"] == 0 and classifier["labels"] == []
    assert outcome.classifier_score is None and outcome.decision == "publish"


def test_phone_number_is_held_for_a_human(db):
    text = "质量不错，有需要打我电话 138 0013 8000"
    outcome = screen(text)
    assert outcome.decision == "queue"
    assert outcome.reasons[:2] == ["contact", "personal_data"]
    phone = next(d for d in outcome.detectors if d["name"] == "personal_data")["evidence"][0]
    assert text[phone["start"]:phone["end"]] == "138 0013 8000" and phone["sensitive"] is True


def test_block_word_rejects(db):
    WordEntry.objects.create(term="傻逼", category="abuse", action=BLOCK)
    outcome = screen("卖家是个傻逼")
    assert outcome.decision == "reject"
    assert outcome.reasons[0] == "wordlist"


def test_block_word_in_traditional_script_rejects(db):
    WordEntry.objects.create(term="垃圾骗子", category="abuse", action=BLOCK)
    assert screen("這家店是垃圾騙子").decision == "reject"


def test_detector_exception_queues_with_screening_failed(db):
    outcome = pipeline.screen(ScreenInput(text=CLEAN), thresholds={"publish_below": 0.3},
                              detectors=[ContactDetector(), Raises()])
    assert outcome.decision == "queue"
    assert outcome.reasons == ["screening_failed"]
    broken = outcome.detectors[1]
    assert broken["labels"] == ["error"] and "boom" in broken["data"]["error"]


def test_failure_in_the_default_pipeline_never_publishes(db, monkeypatch):
    monkeypatch.setattr(pipeline, "DETECTORS", [*pipeline.DETECTORS, Raises()])
    assert screen(CLEAN).decision == "queue"


def test_detector_returning_garbage_counts_as_failure(db):
    class Garbage(Detector):
        name = "garbage"

        def run(self, inp):
            return {"score": 1}

    outcome = pipeline.screen(ScreenInput(text=CLEAN), thresholds={}, detectors=[Garbage()])
    assert outcome.decision == "queue" and outcome.reasons == ["screening_failed"]


def test_block_still_rejects_when_another_detector_failed(db):
    outcome = pipeline.screen(ScreenInput(text="x"), thresholds={},
                              detectors=[Raises(), Fixed("wordlist", 1.0, BLOCK)])
    assert outcome.decision == "reject"
    assert outcome.reasons == ["screening_failed", "wordlist"]


def test_personal_data_is_never_auto_rejected(db):
    WordEntry.objects.create(term="刷单", category="spam", action=HOLD)
    text = "刷单联系 加V: abc_12345 身份证 11010519491231002X"
    outcome = screen(text)
    assert outcome.risk >= 0.9
    assert outcome.decision == "queue"
    assert "personal_data" in outcome.reasons


def test_hold_with_high_risk_rejects_unless_personal_data(db):
    WordEntry.objects.create(term="刷单", category="spam", action=HOLD)
    outcome = screen("刷单兼职，加V: abc_12345")
    assert outcome.risk >= 0.9
    assert outcome.decision == "reject"
    assert set(outcome.reasons) >= {"contact", "wordlist"}


def test_hold_alone_never_publishes_even_with_lenient_thresholds(db):
    outcome = screen("详情见 example.com", thresholds=pipeline.Thresholds(publish_below=0.99, reject_at=1.0))
    assert outcome.decision == "queue"


def test_flags_only_publish_below_threshold(db):
    outcome = screen("全网最低价，效果第一，回购很多次了")
    assert outcome.decision == "publish"
    assert outcome.reasons == ["absolute_claim"]
    assert outcome.risk == pytest.approx(0.1)


def test_risk_is_noisy_or_and_middle_band_queues(db):
    outcome = pipeline.screen(ScreenInput(text="x"), thresholds={},
                              detectors=[Fixed("a", 0.2, "flag"), Fixed("b", 0.25, "flag")])
    assert outcome.risk == pytest.approx(1 - 0.8 * 0.75)
    assert outcome.decision == "queue"
    assert outcome.reasons == ["b", "a"]
    many = pipeline.screen(ScreenInput(text="x"), thresholds={},
                           detectors=[Fixed(n, 0.6, "flag") for n in "abc"])
    assert many.risk == pytest.approx(1 - 0.4**3) and many.decision == "reject"


def test_untrusted_classifier_cannot_reject_by_itself(db):
    untrusted = Fixed("classifier", 0.99, labels=["classifier"],
                      data={"version": 3, "precision": 0.80, "threshold": 0.6})
    outcome = pipeline.screen(ScreenInput(text=CLEAN), thresholds={}, detectors=[ContactDetector(), untrusted])
    assert outcome.classifier_score == pytest.approx(0.99) and not outcome.classifier_trusted
    assert outcome.risk == pytest.approx(0.99)  # still ranks the item high in the queue
    assert outcome.decision == "queue" and outcome.reasons == ["classifier"]
    # ... nor push a medium-risk item over the line.
    outcome = pipeline.screen(ScreenInput(text="x"), thresholds={},
                              detectors=[Fixed("contact", 0.6, HOLD), untrusted])
    assert outcome.decision == "queue"


def test_trusted_classifier_may_reject(db):
    trusted = Fixed("classifier", 0.8, labels=["classifier"],
                    data={"version": 4, "precision": 0.97, "threshold": 0.7})
    outcome = pipeline.screen(ScreenInput(text=CLEAN), thresholds={}, detectors=[trusted])
    assert outcome.classifier_trusted and outcome.decision == "reject"
    assert outcome.reasons == ["classifier"]
    stricter = pipeline.screen(ScreenInput(text=CLEAN), thresholds={"classifier_min_precision": 0.99},
                               detectors=[trusted])
    assert stricter.decision == "queue"


def test_classifier_sees_earlier_detector_scores(db):
    seen = {}

    class Spy(Detector):
        name = "classifier"

        def run(self, inp):
            seen.update(inp.metadata["detector_scores"])
            return DetectorResult(name=self.name, data={"version": None})

    pipeline.screen(ScreenInput(text="加V: abc_12345"), thresholds={}, detectors=[ContactDetector(), Spy()])
    assert seen == {"contact": pytest.approx(0.87)}  # wechat id + the 加V invitation


def test_thresholds_for_reads_the_table(db):
    assert pipeline.thresholds_for("review") == pipeline.Thresholds(0.3, 0.9, 0.95)
    Threshold.objects.create(content_type="review", publish_below=0.05, reject_at=0.5, classifier_min_precision=0.9)
    t = pipeline.thresholds_for("review")
    assert (t.publish_below, t.reject_at, t.classifier_min_precision) == (0.05, 0.5, 0.9)
    # screen() without thresholds uses the table: a flag (0.1) no longer publishes.
    outcome = pipeline.screen(ScreenInput(text="全网最低价", content_type="review"))
    assert outcome.decision == "queue"


def test_outcome_is_json_serialisable(db):
    outcome = screen("加V: abc_12345，电话 138 0013 8000")
    data = json.loads(json.dumps(outcome.as_dict(), ensure_ascii=False))
    assert set(data) == {"decision", "risk", "reasons", "detectors", "classifier_score"}
    assert json.dumps(outcome.detectors)


# --- hostile input -------------------------------------------------------------------------------------

HOSTILE = [
    "",
    "   ",
    "😀👍🏽🔥💯" * 50,
    "好用 good 好用 ดีมาก 좋아요 très bien хорошо جيد",
    "\u202e000 8310 008 31 lanigiro\u202c 电话",
    "\u202dRLO\u202e 加V\u2067 abc_12345\u2069",
    os.urandom(2000).decode("utf-8", errors="replace"),
    os.urandom(2000).decode("latin-1"),
    "\ud800\udbff lone \udc00 surrogates 138\ud8000013 8000",
    "\x00\x01\x1b[31m red \x7f",
    ("这是一段很长的评论，质量很好。" * 7000)[:100_000],
    ("加V abc12345 电话 138 0013 8000 " * 4000)[:100_000],
    "Z̴̡̛͓̈́a̵̡͝l̶͎̓g̷o̸ 加V: abc_12345",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_never_crashes_and_evidence_points_at_the_original(db, text):
    outcome = screen(text, author_id=None)
    assert outcome.decision in {"publish", "queue", "reject"}
    assert "screening_failed" not in outcome.reasons
    for d in outcome.detectors:
        for ev in d["evidence"]:
            if "text" in ev:
                assert storable(text[ev["start"]:ev["end"]]) == ev["text"]
    # Storable as it is: UTF-8, no NUL (PostgreSQL jsonb refuses both).
    dumped = json.dumps(outcome.as_dict(), ensure_ascii=False)
    dumped.encode("utf-8")
    assert "\\u0000" not in json.dumps(outcome.as_dict())


def test_outcome_of_hostile_text_can_be_stored(shopper):
    text = "\x00 电话 138\ud8000013 8000 \udfff 加V: abc\x00_12345 \u202e" + os.urandom(500).decode("latin-1")
    outcome = screen(text)
    case = Case.objects.create(content_type="review", object_id=1, author=shopper, risk=outcome.risk,
                               detectors=outcome.detectors, queue_reasons=outcome.reasons)
    case.refresh_from_db()
    assert case.detectors == json.loads(json.dumps(outcome.detectors))


def test_rtl_override_hides_nothing(db):
    text = "好评\u202e 加V: abc_12345 \u202c谢谢"
    outcome = screen(text)
    contact = next(d for d in outcome.detectors if d["name"] == "contact")
    assert "wechat" in contact["labels"]
    assert outcome.decision == "queue"


# --- remember_all -------------------------------------------------------------------------------------


def test_remember_all_then_copy_by_another_author(shopper, other_shopper):
    text = "这款扫地机器人路线规划挺聪明的，不会乱撞，家里两只猫的毛都能吸干净，噪音也比上一台小很多。"
    assert pipeline.remember_all(ScreenInput(text=text, content_type="review", object_id=1,
                                             author_id=shopper.pk)) == []
    assert TextFingerprint.objects.count() == 1
    outcome = screen(text, object_id=2, author_id=other_shopper.pk)
    assert "duplicate" in outcome.reasons and outcome.decision == "queue"
    mine = screen(text, object_id=3, author_id=shopper.pk)
    assert "duplicate" not in mine.reasons


def test_remember_all_survives_a_failing_detector(shopper):
    class BadMemory(Detector):
        name = "bad_memory"

        def remember(self, inp):
            raise RuntimeError("disk full")

    from moderation.detectors.duplicate import DuplicateDetector

    failures = pipeline.remember_all(
        ScreenInput(text=CLEAN * 2, content_type="review", object_id=1, author_id=shopper.pk),
        detectors=[BadMemory(), DuplicateDetector()],
    )
    assert failures == ["bad_memory"]
    assert TextFingerprint.objects.count() == 1


def test_remember_all_together_is_one_savepoint_and_one_outcome(shopper):
    """A screening batch remembers each item's fingerprints in one savepoint: a failing detector
    loses the item's other fingerprints too, and the caller's transaction goes on."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from moderation.detectors.duplicate import DuplicateDetector
    from moderation.detectors.images import ImageDetector

    class BadMemory(Detector):
        name = "bad_memory"

        def remember(self, inp):
            raise RuntimeError("disk full")

    def inp(object_id):
        return ScreenInput(text=CLEAN * 2, content_type="review", object_id=object_id, author_id=shopper.pk)

    with CaptureQueriesContext(connection) as ctx:
        assert pipeline.remember_all(inp(1), detectors=[DuplicateDetector(), ImageDetector()], together=True) == []
    assert sum(q["sql"].startswith("SAVEPOINT") for q in ctx.captured_queries) == 1
    assert pipeline.remember_all(inp(2), detectors=[DuplicateDetector(), BadMemory()], together=True) == [
        "duplicate", "bad_memory"]
    assert list(TextFingerprint.objects.values_list("object_id", flat=True)) == [1]


# --- the management command ----------------------------------------------------------------------------


def test_command_screen_json(db, capsys):
    before = (Case.objects.count(), TextFingerprint.objects.count(), WordEntry.objects.count())
    call_command("moderation", "screen", "--text", "加V: abc_12345", "--lang", "zh", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["decision"] == "queue"
    assert set(data) >= {"decision", "risk", "reasons", "detectors"}
    assert "contact" in data["reasons"]
    assert (Case.objects.count(), TextFingerprint.objects.count(), WordEntry.objects.count()) == before


def test_command_screen_human_output(db, capsys):
    call_command("moderation", "screen", "--text", "电话 138 0013 8000")
    out = capsys.readouterr().out
    assert "contact" in out and "'138 0013 8000'" in out and "decision: queue" in out


def test_command_screen_file_one_line_per_item_in_order(db, tmp_path, capsys):
    path = tmp_path / "items.jsonl"
    lines = [{"text": CLEAN}, {"text": "加V: abc_12345", "lang": "zh"}, "not json", {"text": "電話 一三八零零一三八零零零"}]
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n",
                    encoding="utf-8")
    call_command("moderation", "screen", "--file", str(path))  # --file always prints JSON lines
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o.get("decision", "error" if "error" in o else None) for o in out] == ["publish", "queue", "error", "queue"]
    assert "personal_data" in out[3]["reasons"]


def test_command_bench(db, capsys):
    call_command("moderation", "bench", "--n", "30")
    out = capsys.readouterr().out
    assert "items/s per core" in out and "screening failed" not in out


def test_wordlist_detector_result_in_pipeline_uses_original_spans(db):
    WordEntry.objects.create(term="去某宝买更便宜", category="competitor", action=HOLD)
    text = "不如去某寶買\u200b更便宜"
    outcome = pipeline.screen(ScreenInput(text=text), thresholds={},
                              detectors=[WordListDetector(), PersonalDataDetector()])
    ev = outcome.detectors[0]["evidence"][0]
    assert text[ev["start"]:ev["end"]] == "去某寶買\u200b更便宜"
    assert outcome.decision == "queue" and outcome.reasons == ["wordlist"]
