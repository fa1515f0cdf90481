"""Each detector on real tricky input: obfuscations, traditional script, allow-lists,
evidence spans that point at what the author wrote, and indexes that persist."""
import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from moderation import receivers  # noqa: F401  (WordEntry receivers, also wired in apps.ready)
from moderation.detectors.base import BLOCK, FLAG, HOLD, ImageInput, ScreenInput
from moderation.detectors.claims import AbsoluteClaimDetector
from moderation.detectors.contact import ContactDetector
from moderation.detectors.duplicate import BANDS, DuplicateDetector
from moderation.detectors.images import (
    ImageDetector,
    chunks,
    hamming,
    to_signed,
    to_unsigned,
)
from moderation.detectors.lexicon import WordListDetector, lexicon_invalidate
from moderation.detectors.personal import (
    PersonalDataDetector,
    bank_card_valid,
    id_number_valid,
    luhn_valid,
    mask,
    mask_text,
)
from moderation.detectors.velocity import VelocityDetector
from moderation.models import (
    Case,
    ImageFingerprint,
    LshBucket,
    TextFingerprint,
    WordEntry,
)


def run(detector, text, **kwargs):
    return detector.run(ScreenInput(text=text, **kwargs))


def spans(result, text):
    """(label, original substring) per evidence item, checking the offsets are consistent."""
    out = []
    for ev in result.evidence:
        assert text[ev.start:ev.end] == ev.text
        out.append((ev.label, ev.text))
    return out


# --- contact ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, label, evidence",
    [
        ("好用！加V: abc_12345 私聊", "wechat", "V: abc_12345"),
        ("需要的加薇信 abc123", "wechat", "薇信 abc123"),
        ("WeChat: zhangsan", "wechat", "WeChat: zhangsan"),
        ("微信号是abc123", "wechat", "微信号是abc123"),
        ("vx：shop_888", "wechat", "vx：shop_888"),
        ("电话一三八零零一三八零零零", "phone", "一三八零零一三八零零零"),
        ("电话①③⑧⓪⓪①③⑧⓪⓪⓪", "phone", "①③⑧⓪⓪①③⑧⓪⓪⓪"),
        ("电话１３８００１３８０００", "phone", "１３８００１３８０００"),
        ("打 138 0013 8000 找我", "phone", "138 0013 8000"),
        ("电话13\u200b8001\u200c38000!", "phone", "13\u200b8001\u200c38000"),
        ("+86 138-0013-8000", "phone", "+86 138-0013-8000"),
        ("座机 010-12345678", "phone", "010-12345678"),
        ("QQ 123 456 789", "qq", "QQ 123 456 789"),
        ("扣扣：12345678", "qq", "扣扣：12345678"),
        ("看 https://t.cn/A6abc 吧", "url", "https://t.cn/A6abc"),
        ("去 t.cn/abc 领券", "url", "t.cn/abc"),
        ("看 https://t.cn/abc, 很好", "url", "https://t.cn/abc"),
        ("官网 shop.example.cn 更便宜", "url", "shop.example.cn"),
        ("ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ", "url", "ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ"),
        ("搜 xyz点com", "url", "xyz点com"),
        ("邮箱 abc.def@163.com 联系", "email", "abc.def@163.com"),
        ("DM me for a deal", "offplatform", "DM me"),
        ("有需要的私聊", "offplatform", "私聊"),
        ("淘宝搜店名", "offplatform", "淘宝搜"),
        ("add me on telegram", "offplatform", "telegram"),
    ],
)
def test_contact_details_found_with_original_spans(text, label, evidence):
    result = run(ContactDetector(), text)
    assert label in result.labels
    assert (label, evidence) in spans(result, text)


@pytest.mark.parametrize(
    "text",
    [
        "用微信支付很方便，物流很快",
        "WeChat pay works, payment was easy",
        "客服联系我了，态度很好",
        "价格39.9元，评分4.5/5，尺码38",
        "Dr.Jart面霜 No.1 node.js nice.jpg",
        "蔷薇花香味很好闻，薇娅推荐的",
        "买了3件，两三天就到了",
        "",
    ],
)
def test_ordinary_reviews_have_no_contact_details(text):
    result = run(ContactDetector(), text)
    assert result.labels == [] and result.score == 0


def test_contact_scores_and_actions():
    strong = run(ContactDetector(), "加V: abc_12345")
    assert strong.score >= 0.8 and strong.action == HOLD
    link = run(ContactDetector(), "详情见 example.com")
    assert link.labels == ["url"] and link.score == pytest.approx(0.6) and link.action == HOLD
    invitation = run(ContactDetector(), "感兴趣的私聊")
    assert invitation.labels == ["offplatform"] and invitation.score == pytest.approx(0.35)
    assert invitation.action == FLAG


# --- personal data ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, valid",
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("440308199003071235", True),
        ("110105194912310021", False),  # wrong check code
        ("11010520000230001X", False),  # 30 February
        ("11010520300101001X", False),  # born in the future (valid checksum)
        ("01010519491231002X", False),  # no region starts with 0
        ("1101051949123100", False),
    ],
)
def test_id_number_checksum_and_date(value, valid):
    assert id_number_valid(value) is valid


@pytest.mark.parametrize(
    "value, luhn, card",
    [
        ("4111111111111111", True, True),
        ("4111111111111112", False, False),
        ("6222021234567890128", True, True),  # UnionPay, 19 digits
        ("6234567890123451", True, True),
        ("7234567890123459", True, False),  # Luhn-valid but no card prefix
        ("411111111111111", False, False),
    ],
)
def test_luhn_and_card_prefixes(value, luhn, card):
    assert luhn_valid(value) is luhn
    assert bank_card_valid(value) is card


def test_personal_data_found_held_and_sensitive():
    text = "我的身份证 11010519491231002X，卡号 6222 0212 3456 7890 128，电话 138-0013-8000"
    result = run(PersonalDataDetector(), text)
    assert set(result.labels) == {"id_number", "bank_card", "phone"}
    assert result.action == HOLD
    assert all(ev.sensitive for ev in result.evidence)
    assert spans(result, text) == [
        ("id_number", "11010519491231002X"),
        ("bank_card", "6222 0212 3456 7890 128"),
        ("phone", "138-0013-8000"),
    ]


def test_personal_data_ignores_invalid_numbers_and_size_lists():
    text = "订单号 110105194912310021，尺码 36 37 38 39 40 41 42 41，卡 4111111111111112"
    assert run(PersonalDataDetector(), text).labels == []


def test_full_width_id_number():
    text = "身份证：１１０１０５１９４９１２３１００２Ｘ"
    result = run(PersonalDataDetector(), text)
    assert spans(result, text) == [("id_number", "１１０１０５１９４９１２３１００２Ｘ")]


def test_mask():
    assert mask("13800138000") == "*******8000"
    assert mask("138 0013 8000") == "*** **** 8000"
    assert mask("11010519491231002X") == "**************002X"
    assert mask("一三八零零一三八零零零") == "*******八零零零"
    assert mask("") == ""
    text = "电话 138 0013 8000 谢谢"
    result = run(PersonalDataDetector(), text)
    evidence = [ev.as_dict() for ev in result.evidence]
    assert mask_text(text, evidence) == "电话 *** **** 8000 谢谢"


# --- word lists ---------------------------------------------------------------------------


@pytest.fixture
def words(db):
    def make(term, action=WordEntry.Action.FLAG, category=WordEntry.Category.SPAM, **kwargs):
        return WordEntry.objects.create(term=term, action=action, category=category, **kwargs)

    return make


def test_simplified_term_matches_traditional_text(words):
    words("刷单", action=HOLD)
    text = "專業刷單，好評返現"
    result = run(WordListDetector(), text)
    assert result.labels == ["spam"] and result.action == HOLD
    assert spans(result, text) == [("spam", "刷單")]


def test_traditional_term_matches_simplified_text(words):
    words("好評返現", action=HOLD)
    text = "好评返现五元"
    assert spans(run(WordListDetector(), text), text) == [("spam", "好评返现")]


def test_obfuscated_text_matches_plain_term(words):
    words("加V", action=FLAG)
    words("刷单", action=HOLD)
    text = "加ｖ 刷\u200b单"
    assert spans(run(WordListDetector(), text), text) == [("spam", "加ｖ"), ("spam", "刷\u200b单")]


def test_chinese_allow_list_scunthorpe(words):
    words("操", action=BLOCK, category=WordEntry.Category.ABUSE)
    words("操作", action=WordEntry.Action.ALLOW, category=WordEntry.Category.ABUSE)
    clean = run(WordListDetector(), "这个操作很简单，体验不错")
    assert clean.labels == [] and clean.score == 0
    dirty = run(WordListDetector(), "操作简单，但是操！")
    assert dirty.action == BLOCK and dirty.score == 1.0
    assert [ev.text for ev in dirty.evidence] == ["操"]
    assert dirty.evidence[0].start == 7


def test_english_word_boundaries_and_allow_list(words):
    words("cunt", action=HOLD, category=WordEntry.Category.ABUSE)
    words("scunthorpe", action=WordEntry.Action.ALLOW, category=WordEntry.Category.ABUSE)
    words("bloody", action=FLAG, category=WordEntry.Category.ABUSE)
    words("bloody mary", action=WordEntry.Action.ALLOW, category=WordEntry.Category.ABUSE)
    words("ass", action=FLAG, category=WordEntry.Category.ABUSE)
    assert run(WordListDetector(), "Shipped to Scunthorpe, classy assessment").labels == []
    assert run(WordListDetector(), "tastes like a Bloody Mary").labels == []
    result = run(WordListDetector(), "bloody awful, you CUNT")
    assert result.action == HOLD
    assert [ev.text for ev in result.evidence] == ["bloody", "CUNT"]
    # CJK neighbours are not word characters: English terms still match next to Chinese.
    assert run(WordListDetector(), "真是bloody难用").labels == ["abuse"]


def test_scores_by_action(words):
    words("flagged", action=FLAG)
    words("held", action=HOLD)
    words("blocked", action=BLOCK)
    assert run(WordListDetector(), "flagged").score == pytest.approx(0.3)
    assert run(WordListDetector(), "held").score == pytest.approx(0.7)
    assert run(WordListDetector(), "blocked and flagged").score == 1.0
    assert run(WordListDetector(), "nothing").score == 0


def test_word_list_changes_apply_without_restart(words):
    detector = WordListDetector()
    assert detector.run(ScreenInput(text="兼职日结")).labels == []
    entry = words("兼职日结", action=HOLD)
    assert detector.run(ScreenInput(text="兼职日结")).action == HOLD
    entry.is_active = False
    entry.save()
    assert detector.run(ScreenInput(text="兼职日结")).labels == []
    entry.is_active = True
    entry.save()
    entry.delete()
    assert detector.run(ScreenInput(text="兼职日结")).labels == []


def test_bulk_changes_need_an_explicit_invalidate(words):
    detector = WordListDetector()
    words("代刷", action=FLAG)
    assert detector.run(ScreenInput(text="代刷")).action == FLAG
    WordEntry.objects.filter(term="代刷").update(action=BLOCK)  # no signals
    lexicon_invalidate()
    assert detector.run(ScreenInput(text="代刷")).action == BLOCK


def test_load_words_is_idempotent_and_keeps_operator_edits(db, capsys):
    call_command("moderation", "load_words")
    count = WordEntry.objects.count()
    assert count >= 20
    WordEntry.objects.filter(term="刷单").update(action=BLOCK)
    call_command("moderation", "load_words")
    assert WordEntry.objects.count() == count
    assert WordEntry.objects.get(term="刷单").action == BLOCK
    assert "0 created" in capsys.readouterr().out
    # The default list behaves: spam held, the Chinese allow-list works.
    assert run(WordListDetector(), "好评返现，私信").action == HOLD
    assert run(WordListDetector(), "操作简单").labels == []


# --- absolute claims ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, found",
    [
        ("全网最低价，效果第一", ["全网最低", "第一"]),
        ("国家级品质，史上最强", ["国家级", "史上", "最强"]),
        ("100% cotton, best ever, No.1 choice, #1 seller", ["100%", "best ever", "No.1", "#1"]),
        ("百分百满意，最好用", ["百分百", "最好用"]),
        ("第一次买，第一天就到了，最近很忙", []),
    ],
)
def test_absolute_claims_flag_only(text, found):
    result = run(AbsoluteClaimDetector(), text)
    assert [ev.text for ev in result.evidence] == found
    for ev in result.evidence:
        assert text[ev.start:ev.end] == ev.text
    if found:
        assert result.action == FLAG and result.score == pytest.approx(0.1)


# --- near duplicates ----------------------------------------------------------------------------

REVIEW = "这款面霜质地很清爽，用了两周皮肤明显变得细腻，晚上涂完第二天早上脸还是润润的，推荐给干皮的姐妹们。"


def test_near_duplicate_by_another_author_found_after_remember(shopper, other_shopper):
    DuplicateDetector().remember(ScreenInput(text=REVIEW, content_type="review", object_id=1, author_id=shopper.pk))
    # An edited copy (a few characters changed), by another author, through a NEW detector
    # instance: the index is in the database, not in memory.
    copy = REVIEW.replace("两周", "三周").replace("姐妹们", "朋友们")
    result = DuplicateDetector().run(
        ScreenInput(text=copy, content_type="review", object_id=2, author_id=other_shopper.pk)
    )
    assert result.labels == ["near_duplicate"]
    assert result.score == pytest.approx(0.5)
    assert result.data["similar"][0]["content_type"] == "review"
    assert result.data["similar"][0]["object_id"] == 1
    assert result.data["similar"][0]["similarity"] >= 0.6


def test_same_author_and_same_item_do_not_count(shopper):
    detector = DuplicateDetector()
    detector.remember(ScreenInput(text=REVIEW, content_type="review", object_id=1, author_id=shopper.pk))
    mine = detector.run(ScreenInput(text=REVIEW, content_type="review", object_id=2, author_id=shopper.pk))
    assert mine.labels == []
    itself = detector.run(ScreenInput(text=REVIEW, content_type="review", object_id=1, author_id=None))
    assert itself.labels == []


def test_an_author_less_fingerprint_is_a_description_for_every_author(shopper):
    # Reference texts (product descriptions) are stored with no author: an author's own-items
    # exclusion must keep them (NULL is not "another author"), and a copy of one is flagged.
    DuplicateDetector().remember(ScreenInput(text=REVIEW, content_type="product", object_id=7, author_id=None))
    result = DuplicateDetector().run(ScreenInput(text=REVIEW, content_type="review", object_id=3,
                                                 author_id=shopper.pk))
    assert result.labels == ["copies_description"]
    assert result.data["description"] == pytest.approx(1.0)


def test_remember_is_idempotent_and_replaces_on_edit(shopper, other_shopper):
    detector = DuplicateDetector()
    inp = ScreenInput(text=REVIEW, content_type="review", object_id=1, author_id=shopper.pk)
    detector.remember(inp)
    detector.remember(inp)
    assert TextFingerprint.objects.count() == 1
    assert LshBucket.objects.count() == BANDS
    edited = "完全不同的内容：这个保温杯早上装的热水到下午还是烫的，杯盖密封很好，放在包里也不会漏水。"
    detector.remember(ScreenInput(text=edited, content_type="review", object_id=1, author_id=shopper.pk))
    assert TextFingerprint.objects.count() == 1 and LshBucket.objects.count() == BANDS
    other = ScreenInput(text=REVIEW, content_type="review", object_id=2, author_id=other_shopper.pk)
    assert detector.run(other).labels == []
    # Edited down to a few characters: too short to judge, the fingerprint goes.
    detector.remember(ScreenInput(text="很好", content_type="review", object_id=1, author_id=shopper.pk))
    assert TextFingerprint.objects.count() == 0 and LshBucket.objects.count() == 0


def test_short_texts_are_skipped(shopper, other_shopper):
    detector = DuplicateDetector()
    detector.remember(ScreenInput(text="很好很好，满意", content_type="review", object_id=1, author_id=shopper.pk))
    result = detector.run(ScreenInput(text="很好很好，满意", content_type="review", object_id=2, author_id=other_shopper.pk))
    assert result.labels == [] and result.data == {"skipped": "too_short"}


def test_review_ring_scores_higher_and_is_held(db):
    from tests.factories import UserFactory

    detector = DuplicateDetector()
    for i in range(4):
        detector.remember(ScreenInput(text=REVIEW, content_type="review", object_id=10 + i,
                                      author_id=UserFactory().pk, scope="product:1"))
    result = detector.run(ScreenInput(text=REVIEW, content_type="review", object_id=99,
                                      author_id=UserFactory().pk, scope="product:1"))
    assert result.data["matches"] == 4
    assert result.score == pytest.approx(0.8)
    assert result.action == HOLD
    assert len(result.data["similar"]) == 4


def test_copies_the_product_description(shopper):
    description = "本品采用天然植物精华，质地轻薄易吸收，长效保湿二十四小时，适合所有肤质，敏感肌也可以放心使用。" * 2
    copied = "质地轻薄易吸收，长效保湿二十四小时，适合所有肤质"
    result = run(DuplicateDetector(), copied, author_id=shopper.pk, reference_texts=[description])
    assert result.labels == ["copies_description"] and result.score == pytest.approx(0.5)
    own_words = run(DuplicateDetector(), REVIEW, author_id=shopper.pk, reference_texts=[description])
    assert own_words.labels == []


# --- images ----------------------------------------------------------------------------------------


def photo(seed, size=(320, 240), fmt="JPEG", quality=90):
    rng = random.Random(seed)
    img = Image.new("RGB", (16, 12))
    img.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(16 * 12)])
    img = img.resize(size, Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return buf.getvalue()


def test_hash_chunks_and_signed_storage():
    for value in (0, 1, (1 << 63) + 5, (1 << 64) - 1, 0x0123456789ABCDEF):
        signed = to_signed(value)
        assert -(1 << 63) <= signed < (1 << 63)
        assert to_unsigned(signed) == value
        assert chunks(signed) == chunks(value)
        assert all(0 <= c <= 0xFFFF for c in chunks(value))
    assert hamming(0b1011, 0b0010) == 2
    assert chunks(0x0123456789ABCDEF) == [0x0123, 0x4567, 0x89AB, 0xCDEF]


def test_duplicate_image_across_authors(shopper, other_shopper):
    detector = ImageDetector()
    original = photo(1)
    detector.remember(ScreenInput(text="", content_type="review", object_id=1, author_id=shopper.pk,
                                  images=[ImageInput(key="reviews/a.jpg", data=original)]))
    fp = ImageFingerprint.objects.get()
    assert fp.author_id == shopper.pk and -(1 << 63) <= fp.phash < (1 << 63)
    # The same photo re-encoded at another quality and as PNG, by someone else.
    reposted = [ImageInput(key="reviews/b.jpg", data=photo(1, quality=60)),
                ImageInput(key="reviews/c.png", data=photo(1, fmt="PNG")),
                ImageInput(key="reviews/d.jpg", data=photo(2))]
    result = ImageDetector().run(ScreenInput(text="", content_type="review", object_id=2,
                                             author_id=other_shopper.pk, images=reposted))
    assert result.labels == ["duplicate_image"]
    assert [ev.image for ev in result.evidence] == ["reviews/b.jpg", "reviews/c.png"]
    assert result.data["similar"][0]["object_id"] == 1
    same_author = ImageDetector().run(ScreenInput(text="", content_type="review", object_id=3,
                                                  author_id=shopper.pk, images=reposted))
    assert same_author.labels == []


def test_tiny_blank_and_unreadable_images(shopper, other_shopper):
    from tests.factories import image_bytes

    blank = image_bytes("PNG", size=(400, 400))
    ImageDetector().remember(ScreenInput(text="", content_type="review", object_id=1, author_id=shopper.pk,
                                         images=[ImageInput(key="a.png", data=blank)]))
    assert ImageFingerprint.objects.count() == 0  # a plain colour says nothing about copying
    result = ImageDetector().run(ScreenInput(
        text="", content_type="review", object_id=2, author_id=other_shopper.pk,
        images=[ImageInput(key="b.png", data=blank), ImageInput(key="tiny.jpg", data=photo(3, size=(120, 300))),
                ImageInput(key="junk.jpg", data=b"\xff\xd8not a jpeg")],
    ))
    assert set(result.labels) == {"tiny_image", "unreadable_image"}
    assert {(ev.label, ev.image) for ev in result.evidence} == {("tiny_image", "tiny.jpg"),
                                                                ("unreadable_image", "junk.jpg")}
    assert result.action == FLAG


def test_image_remember_replaces_on_edit(shopper):
    detector = ImageDetector()
    inp = ScreenInput(text="", content_type="review", object_id=1, author_id=shopper.pk,
                      images=[ImageInput(key="a.jpg", data=photo(1)), ImageInput(key="b.jpg", data=photo(2))])
    detector.remember(inp)
    detector.remember(inp)
    assert ImageFingerprint.objects.count() == 2
    inp.images = inp.images[1:]
    detector.remember(inp)
    assert list(ImageFingerprint.objects.values_list("image_key", flat=True)) == ["b.jpg"]


# --- velocity ----------------------------------------------------------------------------------------


def cases(author, count, minutes_ago, start=0):
    now = timezone.now()
    Case.objects.bulk_create(
        Case(content_type="review", object_id=start + i, author=author,
             created_at=now - datetime.timedelta(minutes=minutes_ago))
        for i in range(count)
    )


def test_burst_in_ten_minutes(shopper):
    cases(shopper, 4, minutes_ago=2)
    cases(shopper, 10, minutes_ago=120, start=100)  # long ago: not counted
    assert run(VelocityDetector(), "x", author_id=shopper.pk).labels == []
    cases(shopper, 1, minutes_ago=1, start=200)
    cases(shopper, 3, minutes_ago=30, start=300)  # in the hour, not in the ten minutes
    result = run(VelocityDetector(), "x", author_id=shopper.pk)
    assert result.labels == ["burst"] and result.action == FLAG
    assert result.data == {"last_10min": 5, "last_hour": 8}


def test_burst_in_an_hour_is_held(shopper):
    cases(shopper, 20, minutes_ago=30)
    result = run(VelocityDetector(), "x", author_id=shopper.pk)
    assert result.labels == ["burst"] and result.action == HOLD


def test_velocity_thresholds_from_settings(shopper, settings):
    settings.MODERATION_BURST_10MIN = 2
    cases(shopper, 2, minutes_ago=1)
    assert run(VelocityDetector(), "x", author_id=shopper.pk).labels == ["burst"]
    assert run(VelocityDetector(), "x", author_id=None).labels == []


# --- no detector writes in run() -----------------------------------------------------------------------


def test_run_never_writes(shopper, other_shopper, words):
    words("刷单", action=HOLD)
    DuplicateDetector().remember(ScreenInput(text=REVIEW, content_type="review", object_id=1, author_id=shopper.pk))
    inp = ScreenInput(text=REVIEW + " 加V: abc_12345 刷单", content_type="review", object_id=2,
                      author_id=other_shopper.pk, images=[ImageInput(key="x.jpg", data=photo(5))])
    detectors = [ContactDetector(), PersonalDataDetector(), WordListDetector(), AbsoluteClaimDetector(),
                 DuplicateDetector(), ImageDetector(), VelocityDetector()]
    with CaptureQueriesContext(connection) as ctx:
        for detector in detectors:
            detector.run(inp)
    statements = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    assert statements and set(statements) <= {"SELECT"}
