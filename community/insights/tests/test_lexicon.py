"""Aspect extraction on crafted Chinese and English text: exact aspects and polarities."""
import math

import pytest

from community.insights import lexicon
from community.insights.selectors import negative_share_rise_p

TAGS = [
    lexicon.Tag(1, "quality", "质量好", "Good quality", False),
    lexicon.Tag(2, "flimsy", "做工一般", "Flimsy", True),
    lexicon.Tag(3, "looks", "外观好看", "Looks good", False),
]


def aspects(text, rating, **kw):
    return {m.aspect: m.polarity for m in lexicon.extract(text, rating, **kw)}


def test_chinese_clauses_polarity_and_negation():
    got = aspects("质量很好，就是物流太慢。包装没有破损，味道不太好。", 4)
    assert got == {"quality": 1, "delivery": -1, "packaging": 1, "taste": -1}


def test_english_clauses_polarity_and_negation():
    got = aspects("The battery dies fast. Not worth the price, but the packaging was nice.", 2)
    # battery: "dies" -1 and "fast" +1 cancel, the 2-star rating decides; "Not worth" is negative
    assert got == {"battery": -1, "value": -1, "packaging": 1}
    assert aspects("Great fit, shipping was slow. Doesn't taste good.", 4) == {"fit": 1, "delivery": -1, "taste": -1}


def test_rating_decides_without_sentiment_words():
    assert aspects("说说包装和物流。", 5) == {"packaging": 1, "delivery": 1}
    assert aspects("About the packaging.", 1) == {"packaging": -1}
    assert aspects("About the packaging.", 3) == {"packaging": 0}


def test_tags_ticked_and_tag_labels_in_text():
    # "外观好看" is no shipped aspect: it is its own aspect with its labels
    got = lexicon.extract("外观好看，做工一般。", 3, tags=TAGS, ticked={1})
    by = {m.aspect: m for m in got}
    assert set(by) == {"quality", "tag:looks"}
    # quality: the text says 做工一般 (-1) and the ticked "质量好" says +1: they cancel, 3 stars -> neutral
    assert by["quality"].polarity == 0
    assert by["tag:looks"].polarity == 1 and by["tag:looks"].label_en == "Looks good"
    assert by["tag:looks"].quote == "外观好看，做工一般。"
    # a ticked tag alone is a mention with no quote
    only = lexicon.extract("", 5, tags=TAGS, ticked={2})
    assert [(m.aspect, m.polarity, m.quote) for m in only] == [("quality", -1, "")]


def test_counts_over_a_crafted_batch():
    texts = [
        ("电池续航很差，充电也慢。", 2),
        ("续航不错，包装严实。", 5),
        ("Battery life is great and charging is quick.", 5),
        ("The battery died after a week.", 1),
        ("物流很快。", 4),
    ]
    counts = {}
    for text, rating in texts:
        for m in lexicon.extract(text, rating):
            c = counts.setdefault(m.aspect, [0, 0, 0])
            c[0] += 1
            c[1] += m.polarity > 0
            c[2] += m.polarity < 0
    assert counts == {"battery": [4, 2, 2], "packaging": [1, 1, 0], "delivery": [1, 1, 0]}


def test_quote_is_the_sentence_naming_the_aspect():
    got = {m.aspect: m.quote for m in lexicon.extract("Love it. The box arrived crushed! Tastes great.", 3)}
    assert got["packaging"] == "The box arrived crushed!"
    assert got["taste"] == "Tastes great."


def test_ideas_are_suggestion_sentences():
    assert lexicon.ideas("很好喝。希望出大瓶装！下次还买") == ["希望出大瓶装！"]
    assert lexicon.ideas("Nice. I wish it came in blue. Would be nice to have a refill.") == [
        "I wish it came in blue.", "Would be nice to have a refill."]


def test_two_proportion_z_test():
    z, p = negative_share_rise_p(30, 60, 10, 60)
    # pooled 40/120; se = sqrt(1/3 * 2/3 * (2/60)); z = (0.5 - 1/6) / se
    se = math.sqrt((1 / 3) * (2 / 3) * (2 / 60))
    assert z == pytest.approx((0.5 - 1 / 6) / se)
    assert p == pytest.approx(0.5 * math.erfc(z / math.sqrt(2)))
    assert p < 0.001
    assert negative_share_rise_p(3, 10, 3, 10)[1] == pytest.approx(0.5)
    assert negative_share_rise_p(1, 5, 0, 0) == (None, None)
