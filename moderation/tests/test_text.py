"""Normalisation: obfuscations collapse to one form, and spans map back exactly."""
import os
import random

import pytest

from moderation.text import compact, normalize

PHONE = "13800138000"


@pytest.mark.parametrize(
    "written",
    [
        "一三八零零一三八零零零",
        "①③⑧⓪⓪①③⑧⓪⓪⓪",
        "１３８００１３８０００",
        "138 0013 8000",
        "138-0013-8000",
        "138.0013.8000",
        "1 3 8 0 0 1 3 8 0 0 0",
        "13\u200b8001\u200d38000",  # zero-width space and joiner inside
        "138\ufeff0013\u20608000",  # BOM and word joiner
        "1️⃣3️⃣8️⃣0️⃣0️⃣1️⃣3️⃣8️⃣0️⃣0️⃣0️⃣",  # keycap emoji digits
        "❶❸❽⓿⓿❶❸❽⓿⓿⓿",  # negative circled digits (no NFKC mapping)
        "壹叁捌零零壹叁捌零零零",
        "一3八0零1三8〇0零",  # mixed Chinese and ASCII digits
        "138 - 0013 _ 8000",
    ],
)
def test_obfuscated_phone_numbers_normalise_to_digits(written):
    norm = normalize(f"电话{written}谢谢")
    assert PHONE in norm.text
    start = norm.text.index(PHONE)
    # The span covers exactly what the author wrote (the number, nothing around it).
    o_start, o_end = norm.span(start, start + len(PHONE))
    assert norm.original[o_start:o_end] == written
    assert o_start == 2


def test_chinese_digits_only_in_long_runs():
    assert normalize("一个").text == "一个"
    assert normalize("两三天就到了").text == "两三天就到了"
    assert normalize("第一次买，一二三").text == "第一次买,一二三"
    assert normalize("一二三四").text == "1234"


def test_short_number_runs_keep_their_separators():
    # Prices, ratings and sizes are not phone numbers: keep 39.9 and 4.5 readable.
    assert normalize("价格39.9元，评分4.5").text == "价格39.9元,评分4.5"
    assert "160cm 48kg" in normalize("160cm 48kg 穿S码").text


@pytest.mark.parametrize(
    "written, expected",
    [
        ("加V: abc_12345", "加wechat: abc_12345"),
        ("加v abc", "加wechat abc"),
        ("薇信 abc123", "wechat abc123"),
        ("威信abc", "wechatabc"),
        ("徽信", "wechat"),
        ("微x", "wechat"),
        ("VX", "wechat"),
        ("V信", "wechat"),
        ("wx:abc", "wechat:abc"),
        ("WeiXin", "wechat"),
        ("微信", "wechat"),
        ("微信號", "wechat号"),  # traditional
        ("加薇", "加wechat"),
        ("扣扣", "qq"),
        ("企鹅号", "qq"),
        ("ＱＱ", "qq"),
    ],
)
def test_contact_tokens_are_canonical(written, expected):
    assert normalize(written).text == expected


def test_token_substitution_leaves_ordinary_words_alone():
    assert normalize("蔷薇花香，薇娅推荐").text == "蔷薇花香,薇娅推荐"
    assert normalize("wxyz vxlan").text == "wxyz vxlan"


def test_token_span_maps_to_the_whole_original_token():
    norm = normalize("请加薇信 abc123")
    i = norm.text.index("wechat")
    assert norm.original_text(i, i + len("wechat")) == "薇信"
    assert norm.original_text(i + 2, i + 3) == "薇信"  # any part of the token: the whole token


def test_traditional_to_simplified_and_case():
    assert normalize("這個產品質量很好，聯繫我").text == "这个产品质量很好,联系我"
    assert normalize("ＨＥＬＬＯ Wörld İ").text == "hello world i"


def test_bidi_and_format_characters_are_removed():
    text = "\u202eabc\u202c \u2066x\u2069 soft\u00adhyphen"
    norm = normalize(text)
    assert norm.text == "abc x softhyphen"
    i = norm.text.index("softhyphen")
    assert norm.original_text(i, i + len("softhyphen")) == "soft\u00adhyphen"


def test_mixed_script_lookalikes():
    assert normalize("сlick hеre").text == "click here"  # Cyrillic с and е


def test_emoji_and_mixed_scripts_keep_spans():
    text = "😀👍🏽 好用！Great 👨‍👩‍👧 ok"
    norm = normalize(text)
    i = norm.text.index("好用")
    assert norm.original_text(i, i + 2) == "好用"
    j = norm.text.index("great")
    assert norm.original_text(j, j + 5) == "Great"


def test_clean_text_uses_identity_map():
    text = "质量很好，物流很快 Great value"
    norm = normalize(text)
    assert norm._starts is None
    assert norm.span(0, 2) == (0, 2)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x01\x02",
        "\ud800\udfff lone surrogates \udc00",
        os.urandom(4000).decode("utf-8", errors="replace"),
        os.urandom(4000).decode("latin-1"),
        "\u202e" * 50 + "右到左",
        "a\u0301" * 100,  # combining accents
        "Z̴̡̛͓̈́a̵̡͝l̶͎̓g̷o̸" * 20,
    ],
)
def test_never_raises_and_spans_stay_in_bounds(text):
    norm = normalize(text)
    assert isinstance(norm.text, str)
    norm.text.encode("utf-8")  # no surrogates left
    for s in range(0, len(norm.text) + 1, max(1, len(norm.text) // 10)):
        o_start, o_end = norm.span(s, min(len(norm.text), s + 3))
        assert 0 <= o_start <= o_end <= len(text)


def test_non_str_input():
    assert normalize(None).text == ""
    assert normalize(b"\xff\xfeABC").text.endswith("abc")
    assert normalize(12345).text == "12345"


def test_spans_are_monotonic_on_random_mixed_text():
    rng = random.Random(3)
    alphabet = list("加V微信薇一三八零①③⑧１３８ -.\u200b\u202e😀abcXYZ這個") + ["\ud800"]
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        norm = normalize(text)
        last = 0
        for i in range(len(norm.text)):
            s, e = norm.span(i, i + 1)
            assert last <= s < e <= len(text)
            last = s


def test_large_text_is_fast_enough():
    import time

    text = ("这是一段很长的评论 with English words 和数字 138 0013 8000 ①③⑧ 加V " * 2000)[:100_000]
    started = time.process_time()
    norm = normalize(text)
    assert time.process_time() - started < 2.0
    assert norm.text.count(PHONE) >= 1000


def test_compact_keeps_only_letters_digits_and_cjk():
    assert compact("好 用！ Great, value_1") == "好用Greatvalue1"
