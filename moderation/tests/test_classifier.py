"""The learned moderation classifier: training on the shipped sample, versioned
artifacts, the detector, decisions as training data and the management command."""
import io
import json
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from moderation import classifier
from moderation.classifier import (
    ClassifierDetector,
    examples_from_decisions,
    retrain_if_needed,
)
from moderation.detectors.base import ScreenInput
from moderation.learning import (
    NoActiveModel,
    TrainingError,
    artifact_activate,
    cache_clear,
    load_active,
    predict_proba,
    sample_examples,
    train,
)
from moderation.learning.datasets import SAMPLES
from moderation.models import Case, ClassifierArtifact
from tests import factories

SPAM = "加微信 abc123 低价代购 好评返现"
NEGATIVE_REVIEW = "用了两周就坏了，做工很差，不推荐"
METRIC_KEYS = {"accuracy", "precision", "recall", "f1", "roc_auc", "threshold"}


@pytest.fixture(autouse=True)
def model_dir(settings, tmp_path):
    settings.COCREATE_MODEL_DIR = tmp_path / "models"
    cache_clear()
    yield settings.COCREATE_MODEL_DIR
    cache_clear()


@pytest.fixture
def trained(db):
    return train(sample_examples())


def _write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _json_lines(rows):
    return [json.dumps(r, ensure_ascii=False) for r in rows]


# Texts that are not in the shipped sample, for evaluation through the command.
UNSEEN = [
    {"text": "加我微信 shop_9988 拿内部价，比官方便宜一半，量大包邮", "label": "reject"},
    {"text": "兼职打字员，日赚三百，无需经验，加QQ 1234567890 咨询", "label": "reject"},
    {"text": "Click here for free coupons!!! www.super-deals-now.com", "label": "reject"},
    {"text": "楼上的你是不是傻，看不懂就闭嘴", "label": "reject"},
    {"text": "沙发沙发，路过打卡", "label": "reject"},
    {"text": "用了两周就坏了，做工很差，不推荐", "label": "approve"},
    {"text": "面料很舒服，颜色和图片一样，洗了没有掉色，好评", "label": "approve"},
    {"text": "The blender is powerful but very loud, and the lid cracked after a month.", "label": "approve"},
    {"text": "快递很快，包装完好，味道偏咸了一点，总体满意", "label": "approve"},
    {"text": "Comfortable shoes, true to size, but the laces are too short.", "label": "approve"},
]


# --- training --------------------------------------------------------------------------


def test_training_on_shipped_sample_meets_accuracy_on_held_out_data(db, model_dir):
    examples = sample_examples()
    assert len(examples) >= 300
    assert {e["label"] for e in examples} == {"reject", "approve"}

    result = train(examples)

    m = result.metrics
    assert m["accuracy"] >= 0.85, m
    assert m["roc_auc"] >= 0.9, m
    assert m["n_test"] == pytest.approx(0.2 * result.trained_on, abs=1)
    assert m["n_train"] + m["n_test"] == result.trained_on
    assert 0 < result.threshold < 1
    assert [p["threshold"] for p in m["curve"]] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert "0.9" in m["at_precision"]
    artifact = ClassifierArtifact.objects.get(kind="moderation", version=1)
    assert artifact.is_active and artifact.trained_on == result.trained_on
    assert artifact.metrics["accuracy"] == m["accuracy"] and artifact.threshold == result.threshold
    assert str(model_dir) in artifact.path


def test_exact_duplicates_are_dropped_before_the_split(db):
    examples = sample_examples() + [{"text": SPAM, "label": "reject"}] * 3
    result = train(examples)
    assert result.trained_on == len(sample_examples()) + 1
    assert result.dropped == {"duplicate": 2}


def test_training_with_too_few_examples_of_a_label_is_refused(db):
    examples = [{"text": f"很好用的产品 {i}", "label": "approve"} for i in range(20)]
    examples += [{"text": "加微信", "label": "reject"}]
    with pytest.raises(TrainingError, match="at least 5"):
        train(examples)
    assert not ClassifierArtifact.objects.exists()


def test_every_training_is_a_new_version_and_only_the_latest_is_active(db, model_dir):
    first = train(sample_examples())
    second = train(sample_examples())

    rows = list(ClassifierArtifact.objects.filter(kind="moderation").order_by("version"))
    assert [(a.version, a.is_active) for a in rows] == [(1, False), (2, True)]
    assert (first.version, second.version) == (1, 2)
    assert all((model_dir / "moderation").joinpath(a.path.rsplit("/", 1)[-1]).exists() for a in rows)
    assert load_active().version == 2

    artifact_activate(kind="moderation", version=1)  # rollback
    assert load_active().version == 1
    assert list(ClassifierArtifact.objects.filter(is_active=True).values_list("version", flat=True)) == [1]


def test_versions_are_counted_per_kind(db):
    quality = [
        {"text": t, "label": "low"} for t in ["好", "不错", "还行", "好评", "可以", "ok", "good", "nice"]
    ] + [
        {"text": t, "label": "high"}
        for t in [
            "面料柔软透气，165cm 52kg 穿M码合适，洗了两次不起球，袖口做工细致。",
            "续航实测一天半，屏幕在阳光下也看得清，唯一缺点是充电口有点松。",
            "咖啡豆香气很足，中度烘焙，手冲有明显的坚果味，酸度不高，适合新手。",
            "The stroller folds with one hand, fits in a small trunk, and the brakes feel solid.",
            "Sound is balanced, mids are clear, the case is bulky but battery lasts about 8 hours.",
            "扫地机器人建图准确，能识别地毯自动加大吸力，就是边角清理得不够干净。",
            "床垫偏硬，对腰不好的人友好，第一周有轻微气味，开窗通风三天就散了。",
            "防晒质地像乳液，不搓泥，混油皮下午T区会出油，补涂一次就行。",
        ]
    ]
    train(sample_examples())
    result = train(quality, kind="quality")
    assert result.version == 1
    assert set(ClassifierArtifact.objects.filter(is_active=True).values_list("kind", "version")) == {
        ("moderation", 1),
        ("quality", 1),
    }
    assert load_active("quality").model.labels == ("low", "high")


# --- loading and the cache ---------------------------------------------------------------


def test_load_active_checks_the_database_at_most_every_interval(db, settings, trained):
    assert load_active().version == 1
    # Another process activates a different version: unseen until the interval passes.
    ClassifierArtifact.objects.filter(pk=trained.artifact_id).update(is_active=False)
    assert load_active().version == 1
    settings.COCREATE_MODEL_CHECK_SECONDS = 0
    assert load_active() is None


def test_predict_proba_needs_an_active_model(db):
    with pytest.raises(NoActiveModel):
        predict_proba(["任何文字"])


def test_predict_proba_ranks_spam_above_a_negative_review(trained):
    spam, negative = predict_proba([SPAM, {"text": NEGATIVE_REVIEW, "lang": "zh"}])
    assert 0 <= negative < spam <= 1
    assert classifier.predict_proba([SPAM]) == [spam]


# --- the detector ----------------------------------------------------------------------


def test_detector_without_a_model_scores_zero(db):
    result = ClassifierDetector().run(ScreenInput(text=SPAM, language="zh"))
    assert (result.name, result.score, result.labels, result.action) == ("classifier", 0.0, [], "")
    assert result.data == {"version": None}


def test_detector_scores_obvious_spam_above_a_genuine_negative_review(trained):
    detector = ClassifierDetector()
    spam = detector.run(ScreenInput(text=SPAM, language="zh"))
    negative = detector.run(ScreenInput(text=NEGATIVE_REVIEW, language="zh", metadata={"rating": 1}))

    assert spam.score > negative.score
    assert spam.labels == ["classifier"] and negative.labels == []
    assert spam.action == "" and negative.action == ""
    assert spam.data == {
        "version": 1,
        "precision": trained.metrics["precision"],
        "threshold": trained.threshold,
    }
    json.dumps(spam.as_dict())


JUNK = [
    "",
    "   \n\t ",
    "好" * 100_000,
    "x" * 100_000,
    bytes(range(256)).decode("latin-1") * 40,
    b"\xff\xfe\x00\x81junk".decode("utf-8", "surrogateescape"),
    "\ud800 lone surrogate \udfff",
    "\x00" * 500,
    "🙂🔥" * 300 + "\u200b\u202e",
    "1" * 5000,
]


@pytest.mark.parametrize("text", JUNK, ids=lambda t: f"{len(t)}-chars")
def test_detector_never_raises_on_odd_text(trained, text):
    result = ClassifierDetector().run(ScreenInput(text=text))
    assert 0.0 <= result.score <= 1.0
    assert result.data["version"] == 1
    json.dumps(result.as_dict())


@pytest.mark.parametrize(
    "inp",
    [
        ScreenInput(text=None),
        ScreenInput(text=b"\xe5\x8a\xa0\xe5\xbe\xae\xe4\xbf\xa1 bytes"),
        ScreenInput(text="ok", metadata={"rating": "five", "detector_scores": ["not", "a", "dict"]}),
        ScreenInput(text="ok", metadata={"rating": float("nan"), "detector_scores": {"contact": "high", 3: 1}}),
        ScreenInput(text="ok", language=None, metadata=None),
    ],
)
def test_detector_never_raises_on_odd_input(trained, inp):
    result = ClassifierDetector().run(inp)
    assert 0.0 <= result.score <= 1.0


def test_detector_with_a_missing_artifact_file_behaves_as_without_a_model(trained, tmp_path):
    ClassifierArtifact.objects.filter(pk=trained.artifact_id).update(path=str(tmp_path / "gone.joblib"))
    cache_clear()
    result = ClassifierDetector().run(ScreenInput(text=SPAM))
    assert (result.score, result.data) == (0.0, {"version": None})


def test_a_100kb_text_costs_about_as_much_as_a_review(trained):
    detector = ClassifierDetector()
    detector.run(ScreenInput(text="warm up"))
    started = time.process_time()
    detector.run(ScreenInput(text="好评返现加微信" * 15_000))
    assert time.process_time() - started < 0.25


# --- training data from decisions ------------------------------------------------------


def _case(author, object_id, *, state, decided_by=None, decided_at=None, known_answer="", detectors=()):
    # Built directly: the decision services are not this module's subject.
    return Case.objects.create(
        content_type="review",
        object_id=object_id,
        author=author,
        language="zh",
        state=state,
        decided_by=decided_by,
        decided_at=decided_at or timezone.now(),
        known_answer=known_answer,
        reject_reason="spam" if state == Case.State.REJECTED else "",
        detectors=list(detectors),
    )


def test_examples_from_decisions_uses_human_decisions_and_known_answers(db):
    author, moderator = factories.UserFactory(), factories.UserFactory()
    texts = {1: "加微信领券", 2: "很好用", 3: "AI 自动通过的文字", 4: "申诉后改判的好评", 5: "还在排队"}
    _case(author, 1, state=Case.State.REJECTED, decided_by=moderator,
          detectors=[{"name": "contact", "score": 0.9}, {"name": "classifier", "score": 0.8}])
    _case(author, 2, state=Case.State.APPROVED, decided_by=moderator)
    _case(author, 3, state=Case.State.APPROVED)  # the AI decided: not a label
    _case(author, 4, state=Case.State.REJECTED, decided_by=moderator, known_answer="approve")
    _case(author, 5, state=Case.State.QUEUED)

    examples = examples_from_decisions(text_for=lambda case: texts[case.object_id])

    by_text = {e["text"]: e for e in examples}
    assert set(by_text) == {texts[1], texts[2], texts[4]}
    assert by_text[texts[1]]["label"] == "reject" and by_text[texts[1]]["reason"] == "spam"
    assert by_text[texts[1]]["detectors"] == {"contact": 0.9}  # never its own earlier score
    assert by_text[texts[2]]["label"] == "approve"
    assert by_text[texts[4]]["label"] == "approve"


def test_examples_from_decisions_skips_content_without_text(db):
    author, moderator = factories.UserFactory(), factories.UserFactory()
    _case(author, 1, state=Case.State.APPROVED, decided_by=moderator)
    _case(author, 2, state=Case.State.APPROVED, decided_by=moderator)

    def text_for(case):
        if case.object_id == 1:
            raise LookupError("deleted")
        return None

    assert examples_from_decisions(text_for=text_for) == []


def test_retrain_if_needed_warm_starts_then_waits_for_enough_new_decisions(db):
    author, moderator = factories.UserFactory(), factories.UserFactory()
    texts = {}

    def text_for(case):
        return texts[case.object_id]

    first = retrain_if_needed(min_new=3, text_for=text_for)  # no model yet: the shipped sample
    assert first.version == 1 and first.trained_on == len(sample_examples())

    later = timezone.now() + timedelta(seconds=1)
    for i, text in enumerate(["第一条新审核的评论，质量不错", "第二条：加V领取福利 vx123"], start=1):
        texts[i] = text
        _case(author, i, state=Case.State.APPROVED if i == 1 else Case.State.REJECTED,
              decided_by=moderator, decided_at=later)
    assert retrain_if_needed(min_new=3, text_for=text_for) is None

    texts[3] = "第三条：做工一般，但是价格便宜，可以接受"
    _case(author, 3, state=Case.State.APPROVED, decided_by=moderator, decided_at=later)
    second = retrain_if_needed(min_new=3, text_for=text_for)
    assert second.version == 2 and second.trained_on == len(sample_examples()) + 3
    assert load_active().version == 2


def test_retrain_without_the_sample_and_without_decisions_trains_nothing(db, settings):
    settings.COCREATE_CLASSIFIER_USE_SAMPLE = False
    assert retrain_if_needed(min_new=1, text_for=lambda case: "x") is None
    assert not ClassifierArtifact.objects.exists()


# --- the management command ------------------------------------------------------------


def test_command_trains_then_evaluates_as_one_json_object(db, tmp_path):
    out = io.StringIO()
    call_command("moderation_model", "train", "--labels", str(SAMPLES["moderation"]), "--json", stdout=out)
    trained = json.loads(out.getvalue())
    assert (trained["version"], trained["trained_on"]) == (1, len(sample_examples()))
    assert trained["metrics"]["accuracy"] >= 0.85

    labels = _write_lines(tmp_path / "eval.jsonl", _json_lines(UNSEEN))
    out = io.StringIO()
    call_command("moderation_model", "evaluate", "--labels", str(labels), "--json", stdout=out)

    metrics = json.loads(out.getvalue())
    assert METRIC_KEYS <= set(metrics)
    assert metrics["n"] == len(UNSEEN) and metrics["version"] == 1
    assert metrics["accuracy"] >= 0.7, metrics


def test_command_evaluate_prints_a_readable_summary(db, tmp_path, trained):
    labels = _write_lines(tmp_path / "eval.jsonl", _json_lines(UNSEEN))
    out = io.StringIO()
    call_command("moderation_model", "evaluate", "--labels", str(labels), stdout=out)
    text = out.getvalue()
    for word in ("accuracy", "precision", "recall", "F1", "ROC-AUC", "threshold", "precision ≥ 0.9"):
        assert word in text


def test_command_evaluate_without_a_model_exits_2(db, tmp_path):
    labels = _write_lines(tmp_path / "eval.jsonl", _json_lines(UNSEEN))
    with pytest.raises(CommandError, match="no active moderation model") as excinfo:
        call_command("moderation_model", "evaluate", "--labels", str(labels), "--json")
    assert excinfo.value.returncode == 2


@pytest.mark.parametrize(
    "bad_line, message",
    [
        ("{not json", "invalid JSON"),
        ('{"label": "reject"}', 'missing or empty "text"'),
        ('{"text": "  ", "label": "reject"}', 'missing or empty "text"'),
        ('{"text": "好评", "label": "spam"}', "unknown label 'spam'"),
        ('["text", "reject"]', "expected a JSON object"),
    ],
)
@pytest.mark.parametrize("action", ["train", "evaluate"])
def test_command_reports_the_line_of_a_bad_label_file(db, tmp_path, trained, action, bad_line, message):
    good = _json_lines(UNSEEN[:2])
    labels = _write_lines(tmp_path / "bad.jsonl", [good[0], "", good[1], bad_line])
    with pytest.raises(CommandError) as excinfo:
        call_command("moderation_model", action, "--labels", str(labels))
    assert f"bad.jsonl:4: {message}" in str(excinfo.value)
    assert ClassifierArtifact.objects.count() == 1  # nothing trained


def test_command_reports_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("moderation_model", "train", "--labels", str(tmp_path / "nope.jsonl"))


def test_command_status_lists_versions_with_metrics(db):
    out = io.StringIO()
    call_command("moderation_model", "status", stdout=out)
    assert "No trained models" in out.getvalue()

    out = io.StringIO()
    call_command("moderation_model", "train", "--sample", stdout=out)
    assert f"Trained moderation v1 on {len(sample_examples())} examples" in out.getvalue()
    call_command("moderation_model", "train", "--sample", stdout=io.StringIO())
    out = io.StringIO()
    call_command("moderation_model", "status", "--json", stdout=out)
    versions = json.loads(out.getvalue())["versions"]
    assert [(v["version"], v["active"]) for v in versions] == [(2, True), (1, False)]
    assert versions[0]["accuracy"] >= 0.85

    call_command("moderation_model", "activate", "--version", "1", stdout=io.StringIO())
    out = io.StringIO()
    call_command("moderation_model", "status", stdout=out)
    line_v1 = next(line for line in out.getvalue().splitlines() if line.startswith("moderation     1"))
    assert " * " in line_v1


def test_the_moderation_model_ignores_the_star_rating(db):
    """A review must never be filtered for being negative: even when the training labels
    correlate with low stars, the moderation model does not see the rating."""
    from moderation.classifier import train
    from moderation.detectors.base import ScreenInput

    words = ["保温", "盖子", "颜色", "容量", "手感", "重量", "包装", "物流", "价格", "做工"]
    examples = [
        {"text": f"{words[i % 10]}{words[(i // 10) % 10]}{words[(i * 7) % 10]} 第{i}次买 sample{i}",
         "label": "reject" if i % 2 else "approve", "rating": 1 if i % 2 else 5}
        for i in range(80)
    ]
    train(examples)
    detector = ClassifierDetector()
    text = "保温盖子颜色 第3次买"
    low = detector.run(ScreenInput(text=text, metadata={"rating": 1})).score
    high = detector.run(ScreenInput(text=text, metadata={"rating": 5})).score
    assert low == high
