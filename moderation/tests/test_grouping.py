"""moderation.grouping.text_groups: near-duplicate grouping for brand insights' idea themes."""
import random

from community import hooks
from moderation.grouping import text_groups

TEXTS = {
    "e1": "我想要一款桂花乌龙味的气泡水，清爽不甜，夏天喝正好。",
    "e2": "我想要一款桂花乌龙味的气泡水，清爽不甜，夏天喝正好！！",
    "r3.0": "想要桂花乌龙味的气泡水，清爽不甜，夏天喝正好",
    "e4": "出一个大容量的家庭装吧，一次买一箱更划算省事。",
    "e5": "Please add a refill pouch so we can reuse the bottle.",
    "e6": "短",
    "e7": "短",
}


def test_groups_near_duplicates_and_identical_short_texts():
    roots = text_groups(TEXTS, threshold=0.5)
    assert roots["e1"] == roots["e2"] == roots["r3.0"] == "e1"
    assert roots["e6"] == roots["e7"] == "e6"
    assert len({roots[k] for k in ("e1", "e4", "e5", "e6")}) == 4


def test_answer_does_not_depend_on_input_order():
    keys = list(TEXTS)
    expected = text_groups(TEXTS, threshold=0.5)
    for seed in range(5):
        random.Random(seed).shuffle(keys)
        assert text_groups({k: TEXTS[k] for k in keys}, threshold=0.5) == expected


def test_moderation_fills_the_community_hook():
    assert hooks.text_groups.provided
    assert hooks.text_groups(TEXTS, threshold=0.5) == text_groups(TEXTS, threshold=0.5)
    # the default (community alone) groups identical texts only
    default = hooks._identical_groups(TEXTS)
    assert default["e6"] == default["e7"] and default["e1"] != default["e2"]
