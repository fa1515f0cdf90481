"""Property-based tests (hypothesis) for the screening text normaliser, the screening
pipeline and the quality scorer: any Unicode input - control characters, NUL, lone
surrogates, bidi overrides, zero-width characters, ANSI escapes, full-width digits,
CJK, 100,000 characters - gets an answer and never raises.

Only what the code promises is asserted (docs/moderation.md, docs/quality.md and the
docstrings): ``normalize`` never raises, drops format characters, combining marks and
lone surrogates, turns control characters into spaces and maps every normalised
character back into the original; ``screen`` decides publish / queue / reject without
a detector failing and its outcome can be stored as jsonb; ``score_text`` gives 0-100
and the band for that score. Idempotence is not asserted: neither normaliser promises
it, and ``prepare`` is not (it truncates to 6000 characters *before* NFKC, which can
expand a character to up to 18).

Budget: example counts are bounded so the module runs in well under a minute on two
cores. ``database=None`` keeps hypothesis from writing an example database into the
working tree; a failure still prints the input and a ``@reproduce_failure`` blob.
"""
import json
import time
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from moderation import pipeline
from moderation.detectors.base import ACTION_RANK, ScreenInput
from moderation.detectors.contact import ContactDetector
from moderation.detectors.util import storable
from moderation.quality.bands import BANDS, band_for_score
from moderation.quality.scorer import MAX, MAX_HINTS, prepare, score_text
from moderation.text import Normalized, normalize

DECISIONS = {pipeline.PUBLISH, pipeline.QUEUE, pipeline.REJECT}

# pytest-django's ``db`` and the suite's autouse fixtures (``_media_root``,
# ``_clear_cache``) are function-scoped: set up once per test, shared by all its
# examples. That is fine here: nothing under test writes.
BASE = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
}
FAST = settings(max_examples=1000, **BASE)  # pure functions: ~1 ms per example
SLOW = settings(max_examples=400, **BASE)  # the pipeline: eight detectors, a few queries, ~3 ms

# --- strategies ----------------------------------------------------------------------------------

CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]  # NUL included
BIDI = [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)] + ["\u200e", "\u200f"]
ZERO_WIDTH = [chr(c) for c in range(0x200B, 0x2010)] + [chr(c) for c in range(0x2060, 0x2065)] + ["\ufeff", "\u00ad"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
FULL_WIDTH = [chr(c) for c in range(0xFF10, 0xFF1A)] + list("ＶＱＡＺｖｑ＠．：")
DIGIT_FORMS = list("①③⑧❶❸❽⑴⒈㈠٣०১")
CJK = list("加微信薇威徽扣企鹅号私聊一二三四五六七八九零〇两幺壹贰這個聯繫電話號質量最好第一国家级蔷紫娅")
LOOKALIKES = list("сеаорхαοιν")  # Cyrillic / Greek letters that look Latin
MARKS = ["\u0301", "\u0308", "\u20e3", "\ufe0f", "\u0489"]  # accents, keycap, variation selector, Me
OTHER = list("😀👍🏽🔥 \t\n\u00a0\u3000.,:;-_/@#%+()[]") + ["\u2028", "\u2029"]
HOSTILE_CHARS = CONTROLS + BIDI + ZERO_WIDTH + SURROGATES + FULL_WIDTH + DIGIT_FORMS + CJK + LOOKALIKES + MARKS + OTHER

# Pieces that reach the detectors' interesting paths: tokens, digit runs, links, ids.
FRAGMENTS = [
    "\x1b[31m", "\x1b[0m", "加V", "加v:", "v信", "微x", "wx", "vx", "weixin", "qq", "扣扣", "企鹅号",
    "wechat: abc_123", "qq 12345678", "138 0013 8000", "13800138000", "+86 13800138000", "400-800-1234",
    "一三八零零一三八零零零", "１３８００１３８０００", "①③⑧", "6222 0212 3456 7890", "11010519491231002X",
    "http://", "https://t.cn/", "www.", ".com", "点com", " dot ", "a@b.cn", "(at)", "@", "私聊", "dm me",
    "最好", "第一", "100%", "No.1", "好评好评", "用了两周", "for two weeks", "3cm", "39.9", "4.5/5",
    "\u202e", "\u202c", "\u200b", "\ufeff", "\x00", "\ud800",
]

hostile_text = st.lists(
    st.one_of(
        st.sampled_from(HOSTILE_CHARS),
        st.sampled_from(FRAGMENTS),
        st.characters(codec=None),  # any code point, lone surrogates included
        st.characters(codec="ascii"),
    ),
    max_size=80,
).map("".join)

any_text = st.one_of(
    st.text(),  # hypothesis's default: UTF-8-encodable characters
    st.text(st.characters(codec=None)),  # every code point, surrogates too
    st.text(st.sampled_from(HOSTILE_CHARS)),
    hostile_text,
)

LONG_MIXED = ("加V\u202e①３８\x00\ud800 138 0013 8000 微信 wx\u200b\x1b[31mабв 這個 " * 3000)[:100_000]
EXAMPLES = [
    LONG_MIXED,  # 100,000 characters
    "".join(ZERO_WIDTH) * 20,  # only zero-width / invisible format characters
    "\u202e" * 200,  # only RTL overrides
    "\ud800",  # a lone surrogate
    "\ud800中文\udfff",  # lone surrogates next to Han (used to crash the scorer's t2s)
    "\x00" * 50,
    "",
]


def with_examples(texts, **others):
    """``@example(text=text, **others)`` for each text."""
    def decorate(fn):
        for text in reversed(texts):
            fn = example(text=text, **others)(fn)
        return fn
    return decorate


# --- the screening normaliser: moderation.text.normalize ---------------------------------------------

GONE = {"Cc", "Cf", "Cs", "Mn", "Me"}  # controls become spaces; the rest are dropped


def check_normalized(norm, original):
    assert isinstance(norm, Normalized)
    assert isinstance(norm.text, str)
    assert norm.original is original or not isinstance(original, str)
    norm.text.encode("utf-8")  # no lone surrogates left
    assert not [c for c in norm.text if unicodedata.category(c) in GONE]
    last = 0
    for i in range(len(norm.text)):
        start, end = norm.span(i, i + 1)
        assert last <= start < end <= len(norm.original), (i, start, end)
        last = start


@FAST
@with_examples(EXAMPLES)
@given(text=any_text)
def test_normalize_never_raises_and_maps_back_into_the_original(text):
    check_normalized(normalize(text), text)


@FAST
@given(data=st.binary(max_size=300))
def test_normalize_accepts_bytes(data):
    norm = normalize(data)
    check_normalized(norm, data)
    assert norm.original == data.decode("utf-8", errors="replace")


# --- the quality scorer: moderation.quality.scorer ---------------------------------------------------


@FAST
@with_examples(EXAMPLES + ["1" * 100_000, "一" * 100_000])
@given(text=any_text)
def test_prepare_returns_a_str(text):
    assert isinstance(prepare(text), str)


@FAST
@with_examples(EXAMPLES + ["1" * 100_000, "一" * 100_000], rating=5, kind="review", photos=0, similar=0,
               learned=None)
@example(text="ok", rating=5, kind="review", photos=0, similar=0, learned=float("nan"))  # used to raise
@given(
    text=any_text,
    rating=st.none() | st.integers(min_value=-1, max_value=7),
    kind=st.sampled_from(["review", "entry", "comment"]),
    photos=st.integers(min_value=0, max_value=5),
    similar=st.integers(min_value=0, max_value=4),
    learned=st.none() | st.floats(allow_nan=True, allow_infinity=True),
)
def test_score_is_0_to_100_with_its_band(text, rating, kind, photos, similar, learned):
    result = score_text(text, rating=rating, kind=kind, photos=photos, similar_count=similar, learned=learned)
    assert isinstance(result.score, int) and 0 <= result.score <= 100
    assert result.band in BANDS and result.band == band_for_score(result.score)
    for name, most in MAX.items():
        assert 0 <= result.components[name] <= most, (name, result.components[name])
    assert len(result.hints) <= MAX_HINTS
    json.dumps(result.as_dict(), ensure_ascii=False).encode("utf-8")  # storable as it is


# --- the screening pipeline: moderation.pipeline.screen ------------------------------------------------


def check_outcome(outcome, text):
    assert outcome.decision in DECISIONS
    assert pipeline.SCREENING_FAILED not in outcome.reasons, [
        d["data"].get("error") for d in outcome.detectors if "error" in d["labels"]
    ]
    assert 0.0 <= outcome.risk <= 1.0
    for d in outcome.detectors:
        assert 0.0 <= d["score"] <= 1.0 and d["action"] in ACTION_RANK
        for ev in d["evidence"]:
            if "start" in ev:
                assert 0 <= ev["start"] <= ev["end"] <= len(text)
            if "text" in ev:
                assert ev["text"] == storable(text[ev["start"]:ev["end"]])
    # Stored on the Case as jsonb: UTF-8 without NUL.
    dumped = json.dumps(outcome.as_dict(), ensure_ascii=False)
    dumped.encode("utf-8")
    assert "\\u0000" not in json.dumps(outcome.as_dict())


@SLOW
@with_examples(EXAMPLES + ["a" * 100_000, "1" * 100_000, "a." * 50_000])
@given(text=any_text)
def test_screen_always_decides(db, text):
    outcome = pipeline.screen(ScreenInput(text=text, content_type="review"), thresholds=pipeline.Thresholds())
    check_outcome(outcome, text)


@SLOW
@given(text=hostile_text, references=st.lists(any_text, max_size=2), author=st.none() | st.just(1),
       thresholds=st.fixed_dictionaries({"publish_below": st.floats(0, 1), "reject_at": st.floats(0, 1)}))
def test_screen_with_references_and_thresholds(db, text, references, author, thresholds):
    inp = ScreenInput(text=text, content_type="review", object_id=1, author_id=author, reference_texts=references,
                      scope="product:1", metadata={"rating": 5})
    check_outcome(pipeline.screen(inp, thresholds=thresholds), text)


# --- regressions: work that grew with the square of the length ---------------------------------------


@pytest.mark.parametrize("text", ["a" * 100_000, "a." * 50_000, "1" * 100_000, "x-" * 50_000])
def test_contact_detector_is_linear_on_long_runs(text):
    started = time.process_time()
    ContactDetector().run(ScreenInput(text=text))
    assert time.process_time() - started < 2.0  # was minutes: EMAIL_RE rescanned the run from every letter


@pytest.mark.parametrize("text", ["1" * 6000, "一" * 6000, "0" * 3000 + "天" + "8" * 3000])
def test_scorer_is_linear_on_long_digit_runs(text):
    started = time.process_time()
    score_text(text)
    assert time.process_time() - started < 1.0  # was ~7 s: numbers were re-read from every digit
