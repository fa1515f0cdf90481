"""The quality score: pure, no database, no I/O.

``score_text(text, **signals)`` -> ``QualityResult`` with a 0-100 score, its band,
the components it was built from, a short explanation in both languages and hints
for the author. Everything the score needs beyond the text (category aspects,
chosen tags, photo counts, near-duplicate matches, votes, reports, the learned
model's probability) is passed in by the caller (``moderation.quality.services``
reads it through the registry adapter), so the same function serves screening,
rescoring, the writing coach and ``manage.py quality score --file``.

``kind`` says what is scored: "review" (the default) or "entry" (a challenge entry:
an idea, design or story). Entries earn the duration-of-use points by saying what
they would change and why, never get the stars-vs-text checks, and get hints in
their own words (own codes, so stored hint codes render the right message).

Components and their maximum points (they add up to 100):

=============== === ==========================================================
information      45 CJK-aware length (Han characters + Latin words), specifics
                    (numbers with units), duration of use, pros and cons,
                    mentions of the category's aspects
originality      20 minus near-duplicates, copying the product description,
                    template phrases (好评好评, "great product"), repeated
                    characters and emoji runs; scaled down for texts under 12
                    units (a few words cannot show originality)
media            15 photos, scaled by the share that is original (image hashes)
consistency      10 stars vs chosen tags vs text sentiment (lexicon, zh + en)
community        10 Wilson lower bound of helpful votes, minus upheld reports
=============== === ==========================================================

With a learned probability ``p_low`` the final score is
``(1 - LEARNED_WEIGHT) * rules + LEARNED_WEIGHT * 100 * (1 - p_low)``.
"""
import math
import re
import unicodedata
from dataclasses import dataclass, field

import opencc
from django.utils.translation import get_language, gettext_lazy

from core.stats import wilson_lower_bound
from moderation.quality import lexicon as lx
from moderation.quality.bands import band_for_score

VERSION = 2  # 2: entry kind (hints, no stars), originality scaled for very short texts
LEARNED_WEIGHT = 0.2
ORIGINALITY_FULL_UNITS = 12.0
MAX = {"information": 45, "originality": 20, "media": 15, "consistency": 10, "community": 10}
MAX_HINTS = 4
LATIN_WORD_WEIGHT = 1.7  # an English word carries about as much as 1.7 Han characters
LENGTH_FULL = 150  # length units for the full length points

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
_EMOJI_RUN = re.compile(r"(?:[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]\s*){3,}")
_CHAR_RUN = re.compile(r"(.)\1{3,}")
_REPEATED_CHUNK = re.compile(r"(.{2,6})\1{2,}")
_NON_WORD = re.compile(r"[\W_]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_cc = opencc.OpenCC("t2s")


def _alternation(words):
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _en_words(words):
    return re.compile(r"(?<![a-z])(?:" + _alternation(words) + r")(?![a-z])")


_POS_ZH = re.compile(_alternation(lx.POSITIVE_ZH))
_NEG_ZH = re.compile(_alternation(lx.NEGATIVE_ZH))
_NEGATOR_ZH = re.compile("(?:" + _alternation(lx.NEGATORS_ZH) + r")$")
_POS_EN = _en_words(lx.POSITIVE_EN)
_NEG_EN = _en_words(lx.NEGATIVE_EN)
_NEGATOR_EN = re.compile(r"(?:\b(?:not|no|never|hardly|barely)\b|n't)\s*(?:\w+\s+){0,2}$")
_CONTRAST = re.compile(_alternation(lx.CONTRAST_ZH) + "|" + _en_words(lx.CONTRAST_EN).pattern)
_TEMPLATE = re.compile(_alternation(lx.TEMPLATES_ZH) + "|" + _en_words(lx.TEMPLATES_EN).pattern)

# A number starts where its run of digits (or of 一二三...) starts: without the lookbehinds a
# failed match was retried from every later digit, and 6000 digits took ~7 s. No unit starts
# with a digit or numeral, so any match ends after the whole run: none is lost.
_NUM = r"(?:(?<!\d)\d+(?:\.\d+)?|(?<![一二两三四五六七八九十百千半几])[一二两三四五六七八九十百千半几]+)"
_UNIT_RE = re.compile(
    _NUM + r"\s*(?:" + _alternation(lx.UNITS_ZH) + r")|(?<!\d)\d+(?:\.\d+)?\s*(?:" + _alternation(lx.UNITS_EN)
    + r")(?![a-z])"
)
_PLAIN_NUMBER = re.compile(r"\d")
# "\s*(?:个)?\s*" would split one run of spaces two ways (quadratic in its length);
# "\s*(?:个\s*)?" matches the same texts.
_DURATION = re.compile(
    # 用了两周 / 穿了三个月 / 坚持用了 10 天 / 两个星期下来 / 一个月后
    r"(?:用|穿|戴|吃|喝|试|敷|涂|擦|开|骑|玩|洗)了?\s*(?:(?:快|差不多|将近|大概|约)\s*)?" + _NUM
    + r"\s*(?:个\s*)?(?:天|周|星期|礼拜|月|年|次|遍|季)"
    + r"|" + _NUM + r"\s*(?:个\s*)?(?:天|周|星期|礼拜|月|年)(?:了|下来|后|之后|以后|多)"
    # used it for two weeks / after 3 months / for a month now / over a year
    + r"|(?<![a-z])(?:for|after|over|within|in)\s+(?:about\s+|almost\s+|nearly\s+|over\s+)?"
    r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|several|couple of|a couple of|\d+)\s+"
    r"(?:day|week|month|year|wash|use)e?s?(?![a-z])"
)
_CHANGE = re.compile(_alternation(lx.CHANGE_ZH) + "|" + _en_words(lx.CHANGE_EN).pattern)
_REASON = re.compile(_alternation(lx.REASON_ZH) + "|" + _en_words(lx.REASON_EN).pattern)

REVIEW, ENTRY = "review", "entry"  # any other kind (e.g. "comment") is scored like a review


def _clamp(value, low, high):
    return low if value < low else high if value > high else value



def prepare(text) -> str:
    """NFKC (full-width -> ASCII), lower case, Traditional -> Simplified."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    # Lone surrogates (JSON "\ud800" decodes to one) carry no text, and OpenCC encodes to
    # UTF-8, so "\ud800中" raised UnicodeEncodeError: drop them, as moderation.text does.
    text = unicodedata.normalize("NFKC", _SURROGATE.sub("", text[:6000])).lower()
    return _cc.convert(text) if _HAN.search(text) else text


def length_units(text: str):
    """(han characters, latin words, length units) of prepared text."""
    han = len(_HAN.findall(text))
    words = len(_LATIN_WORD.findall(_HAN.sub(" ", text)))
    return han, words, han + LATIN_WORD_WEIGHT * words


def sentiment(text: str):
    """(positive hits, negative hits) with simple negation (不好用, not bad)."""
    pos = neg = 0
    for m in _NEG_ZH.finditer(text):
        neg += 1
    for m in _POS_ZH.finditer(text):
        if _NEGATOR_ZH.search(text, max(0, m.start() - 2), m.start()):
            neg += 1
        else:
            pos += 1
    if re.search(r"[a-z]", text):
        for m in _NEG_EN.finditer(text):
            if _NEGATOR_EN.search(text[max(0, m.start() - 25):m.start()]):
                pos += 1
            else:
                neg += 1
        for m in _POS_EN.finditer(text):
            if _NEGATOR_EN.search(text[max(0, m.start() - 25):m.start()]):
                neg += 1
            else:
                pos += 1
    return pos, neg


def _aspect_stems(aspect):
    """Words to look for in the text for one aspect tag ({label_zh, label_en} or a str)."""
    if isinstance(aspect, str):
        labels = (aspect, "")
    elif isinstance(aspect, dict):
        labels = (aspect.get("label_zh") or "", aspect.get("label_en") or "")
    else:
        labels = (getattr(aspect, "label_zh", "") or "", getattr(aspect, "label_en", "") or "")
    stems = set()
    zh = prepare(labels[0])
    if zh:
        # 质量好 -> 质量, 性价比高 -> 性价比, 外观好看 -> 外观, 做工一般 -> 做工
        stem = re.sub(r"(好看|一般|不错|好|高|低|快|慢|差|大|小|强|弱|足|多|少)$", "", zh)
        stems.add(stem if len(stem) >= 2 else zh)
    for word in re.findall(r"[a-z]+", prepare(labels[1])):
        if word not in {"good", "great", "high", "low", "fast", "slow", "bad", "poor", "nice", "looks", "very",
                        "and", "the", "of", "is", "a"}:
            stems.add(word)
        elif word == "looks":
            stems.add("look")
    return stems


def _is_negative(tag):
    return bool(tag.get("negative") if isinstance(tag, dict) else getattr(tag, "negative", False))


@dataclass
class QualityResult:
    score: int
    band: str
    components: dict
    explanation_zh: str
    explanation_en: str
    hints: list = field(default_factory=list)  # [{"code", "message"}]
    facts: dict = field(default_factory=dict)  # what was found: lengths, flags (also stored in components)

    def as_dict(self):
        return {
            "score": self.score,
            "band": self.band,
            "components": self.components,
            "explanation_zh": self.explanation_zh,
            "explanation_en": self.explanation_en,
            "hints": self.hints,
        }


HINTS = {
    "too_short": gettext_lazy("Add a few sentences: what did you use it for, and how did it go?"),
    "template": gettext_lazy("Write in your own words: phrases like 好评好评 or “great product” do not help other shoppers."),
    "similar": gettext_lazy("This looks like another review. Tell your own experience."),
    "copies_description": gettext_lazy("This repeats the product description. Say what you found yourself."),
    "contradiction": gettext_lazy("Your stars, tags and words disagree. Check your rating, or explain what happened."),
    "add_duration": gettext_lazy("Say how long you have used it."),
    "add_specifics": gettext_lazy("Add specifics: sizes, numbers, how often you use it."),
    "add_aspects": gettext_lazy("Say something about: %(aspects)s."),
    "add_pros_cons": gettext_lazy("Mention one thing you liked and one thing that could be better."),
    "add_photo": gettext_lazy("Add a photo of the product in use."),
    "photos_not_original": gettext_lazy("Some photos also appear elsewhere. Use photos you took yourself."),
    "repetition": gettext_lazy("Avoid repeated characters and emoji runs."),
    # Challenge entries: the same measures, in words that fit an idea or a design.
    "entry_too_short": gettext_lazy("Add a few sentences: what is your idea, and who is it for?"),
    "entry_similar": gettext_lazy("This looks like another entry. Share your own idea."),
    "copies_brief": gettext_lazy("This repeats the challenge brief. Add your own idea."),
    "add_reason": gettext_lazy("Say what you would change and why."),
    "entry_specifics": gettext_lazy("Add specifics: sizes, amounts, flavours, colours or prices."),
    "entry_compare": gettext_lazy("Compare with what exists today: what is missing, and what would be better?"),
    "add_image": gettext_lazy("Add an image: a sketch, a mock-up or a photo."),
    "images_not_original": gettext_lazy("Some images also appear elsewhere. Use images you made yourself."),
}
# The review hint each entry hint stands in for.
ENTRY_HINT_CODES = {
    "too_short": "entry_too_short",
    "similar": "entry_similar",
    "copies_description": "copies_brief",
    "add_specifics": "entry_specifics",
    "add_pros_cons": "entry_compare",
    "add_photo": "add_image",
    "photos_not_original": "images_not_original",
}


def hint_message(code, **params):
    message = HINTS.get(code)
    if message is None:
        return code
    return str(message) % params if params else str(message)


def score_text(
    text,
    *,
    rating=None,
    lang=None,
    aspects=(),
    tags=(),
    photos=0,
    original_photos=None,
    similar_count=0,
    copies_description=False,
    helpful=0,
    not_helpful=0,
    upheld_reports=0,
    learned=None,
    kind="review",
) -> QualityResult:
    """Score one content item. ``aspects``: the category's aspect tags ({label_zh,
    label_en, negative} dicts, objects with those attributes, or plain labels);
    ``tags``: the ones the author chose. ``original_photos`` defaults to ``photos``
    (no image hashes known). ``learned``: the quality model's probability of "low".
    ``kind``: "review" or "entry" (see the module docstring)."""
    entry = kind == ENTRY
    t = prepare(text)
    han, words, units = length_units(t)
    compacted = _NON_WORD.sub("", t)
    tags = list(tags or ())
    aspects = list(aspects or ())
    photos = max(0, int(photos or 0))
    original = photos if original_photos is None else _clamp(int(original_photos), 0, photos)
    facts = {"han": han, "words": words, "units": round(units, 1), "photos": photos, "original_photos": original,
             "similar": int(similar_count or 0)}
    hints = []  # (gain, code, params)

    # Template phrases carry no information: length counts only what is left without them.
    residual = _EMOJI.sub("", _NON_WORD.sub("", _TEMPLATE.sub("", t))) if compacted else ""
    info_units = units * (len(residual) / len(compacted)) if compacted else 0.0

    # --- information value ------------------------------------------------------------
    length_pts = 22 * min(1.0, math.log1p(info_units) / math.log1p(LENGTH_FULL))
    with_units = len(_UNIT_RE.findall(t))
    specifics = min(8, 4 * with_units) or (2 if _PLAIN_NUMBER.search(t) else 0)
    has_duration = bool(_DURATION.search(t))
    pos, neg = sentiment(t)
    has_contrast = bool(_CONTRAST.search(t))
    pros_cons = 5 if has_contrast and (pos or neg) else 2 if has_contrast or (pos and neg) else 0
    mentioned = []
    for aspect in aspects:
        stems = _aspect_stems(aspect)
        if any(s and s in t for s in stems):
            mentioned.append(aspect)
    aspect_pts = min(6, 3 * len(mentioned) + len(tags))
    use_pts = 6 if has_duration else 0
    if entry:
        # An idea says what to change and why; a story may say how long it was used instead.
        has_change, has_reason = bool(_CHANGE.search(t)), bool(_REASON.search(t))
        use_pts = 6 if (has_change and has_reason) or has_duration else 3 if has_change or has_reason else 0
        facts["reason"] = use_pts >= 6
    information = _clamp(length_pts + specifics + use_pts + pros_cons + aspect_pts, 0, MAX["information"])
    facts.update(aspects_mentioned=len(mentioned), duration=has_duration, specifics=with_units,
                 pros_cons=bool(pros_cons >= 5))
    if units < 15 and compacted:
        hints.append((12, "too_short", {}))
    elif not compacted and not photos:
        hints.append((12, "too_short", {}))
    if entry:
        if not facts["reason"]:
            hints.append((6, "add_reason", {}))
    elif not has_duration:
        hints.append((6, "add_duration", {}))
    if not with_units:
        hints.append((4, "add_specifics", {}))
    if aspects and not mentioned:
        field_name = "label_en" if (get_language() or "").lower().startswith("en") else "label_zh"
        names = [a.get(field_name) if isinstance(a, dict) else getattr(a, "label", str(a)) for a in aspects[:3]]
        hints.append((5, "add_aspects", {"aspects": " / ".join(str(n) for n in names if n)}))
    if pros_cons < 5 and units >= 15:
        hints.append((3, "add_pros_cons", {}))

    # --- originality --------------------------------------------------------------------
    originality = float(MAX["originality"])
    template = False
    if compacted:
        if len(residual) <= 2 or len(residual) < 0.2 * len(compacted):
            template = True
            originality -= 14
            hints.append((14, "template", {}))
        elif len(residual) < 0.5 * len(compacted):
            originality -= 5
    repetition = bool(_CHAR_RUN.search(t) or _EMOJI_RUN.search(t) or _REPEATED_CHUNK.search(compacted))
    if not repetition and 10 <= len(compacted) <= 40 and len(set(compacted)) < 0.3 * len(compacted):
        repetition = True
    if repetition:
        originality -= 5
        hints.append((5, "repetition", {}))
    similar = int(similar_count or 0)
    if similar:
        originality -= min(14, 6 + 2.5 * (similar - 1))
        hints.append((13, "similar", {}))
    if copies_description:
        originality -= 10
        hints.append((10, "copies_description", {}))
    originality = _clamp(originality, 0, MAX["originality"])
    if compacted:
        # A few words cannot show originality: the points come with substance (full from
        # ORIGINALITY_FULL_UNITS units), so "nice idea" is not "ok" on originality alone.
        originality *= min(1.0, units / ORIGINALITY_FULL_UNITS)
    facts.update(template=template, repetition=repetition, copies_description=bool(copies_description))

    # --- media ------------------------------------------------------------------------------
    base = (0, 8, 11, 13)[min(photos, 3)]
    media = base * (0.2 + 0.8 * (original / photos)) + (2 if original >= 2 else 0) if photos else 0.0
    media = _clamp(media, 0, MAX["media"])
    if not photos:
        hints.append((8, "add_photo", {}))
    elif original < photos:
        hints.append((6, "photos_not_original", {}))

    # --- consistency ------------------------------------------------------------------------
    contradictions = []
    neg_tags = [tag for tag in tags if _is_negative(tag)]
    pos_tags = [tag for tag in tags if not _is_negative(tag)]
    try:
        stars = int(rating) if rating is not None and not entry else None  # entries have no stars
    except (TypeError, ValueError):
        stars = None
    if stars is not None:
        if stars >= 4 and neg > pos:
            contradictions.append("high_rating_negative_text")
        if stars >= 4 and neg_tags:
            contradictions.append("high_rating_negative_tag")
        if stars <= 2 and pos >= 2 and pos > 2 * neg:
            contradictions.append("low_rating_positive_text")
        if stars <= 2 and pos_tags and not neg_tags and not neg:
            contradictions.append("low_rating_positive_tags")
    consistency = _clamp((MAX["consistency"] if stars is not None else 8) - 6 * len(contradictions),
                         0, MAX["consistency"])
    if contradictions:
        hints.append((9, "contradiction", {}))
    facts.update(sentiment={"positive": pos, "negative": neg}, contradictions=contradictions)

    # --- community ----------------------------------------------------------------------------
    helpful, not_helpful = max(0, int(helpful or 0)), max(0, int(not_helpful or 0))
    total = helpful + not_helpful
    helpful_lb = wilson_lower_bound(helpful, total)
    unhelpful_lb = wilson_lower_bound(not_helpful, total)
    community = 5 + 5 * helpful_lb - 4 * unhelpful_lb - 5 * max(0, int(upheld_reports or 0))
    community = _clamp(community, 0, MAX["community"])
    facts.update(helpful=helpful, not_helpful=not_helpful, helpful_lower_bound=round(helpful_lb, 3),
                 upheld_reports=int(upheld_reports or 0))

    rules = information + originality + media + consistency + community
    learned_p = None
    if learned is not None:
        try:
            learned_p = _clamp(float(learned), 0.0, 1.0)
        except (TypeError, ValueError):
            learned_p = None
        if learned_p is not None and math.isnan(learned_p):
            learned_p = None  # NaN passes _clamp and made int(round(score)) raise ValueError
    final = rules if learned_p is None else (1 - LEARNED_WEIGHT) * rules + LEARNED_WEIGHT * 100 * (1 - learned_p)
    score = int(round(_clamp(final, 0, 100)))

    components = {
        "information": round(information, 1),
        "originality": round(originality, 1),
        "media": round(media, 1),
        "consistency": round(consistency, 1),
        "community": round(community, 1),
        "rules": round(rules, 1),
        "learned": None if learned_p is None else round(learned_p, 4),
        "facts": facts,
    }
    hints.sort(key=lambda h: -h[0])
    if entry:
        hints = [(gain, ENTRY_HINT_CODES.get(code, code), params) for gain, code, params in hints]
    hint_list = [{"code": code, "message": hint_message(code, **params)} for _gain, code, params in hints[:MAX_HINTS]]
    components["hint_codes"] = [h["code"] for h in hint_list]
    components["hint_params"] = {code: params for _gain, code, params in hints[:MAX_HINTS] if params}
    zh, en = explain(facts, aspects_total=len(aspects), kind=kind)
    return QualityResult(score=score, band=band_for_score(score), components=components, explanation_zh=zh,
                         explanation_en=en, hints=hint_list, facts=facts)


def explain(facts, *, aspects_total=0, kind=REVIEW):
    """One line each in Chinese and English, e.g. "mentions 3 aspects; has 2 original photos"."""
    entry = kind == ENTRY
    zh, en = [], []
    if facts["han"]:
        zh.append(f"{facts['han']} 字")
    if facts["words"]:
        en.append(f"{facts['words']} words" if facts["words"] != 1 else "1 word")
    if facts["han"] and not facts["words"]:
        en.append(f"{facts['han']} Chinese characters")
    if facts["words"] and not facts["han"]:
        zh.append(f"{facts['words']} 个英文词")
    n = facts.get("aspects_mentioned", 0)
    if n:
        zh.append(f"提到 {n} 个方面")
        en.append(f"mentions {n} aspect" + ("s" if n != 1 else ""))
    elif aspects_total:
        zh.append("未提到具体方面")
        en.append("mentions no aspect")
    if entry and facts.get("reason"):
        zh.append("说明了要改什么、为什么")
        en.append("says what to change and why")
    elif facts.get("duration"):
        zh.append("说明了使用时长")
        en.append("says how long it was used")
    if facts.get("specifics"):
        zh.append(f"{facts['specifics']} 处具体数据")
        en.append(f"{facts['specifics']} specific figure" + ("s" if facts["specifics"] != 1 else ""))
    if facts.get("pros_cons"):
        zh.append("有优点也有缺点")
        en.append("weighs pros and cons")
    if facts["photos"]:
        o = facts["original_photos"]
        zh.append(f"有 {facts['photos']} 张{'图片' if entry else '照片'}（{o} 张原创）")
        en.append(f"has {facts['photos']} {'image' if entry else 'photo'}" + ("s" if facts["photos"] != 1 else "")
                  + f" ({o} original)")
    if facts.get("similar"):
        zh.append(f"与 {facts['similar']} 条其他内容相似")
        en.append(f"similar to {facts['similar']} other item" + ("s" if facts["similar"] != 1 else ""))
    if facts.get("copies_description"):
        zh.append("照抄活动说明" if entry else "照抄商品描述")
        en.append("copies the challenge brief" if entry else "copies the product description")
    if facts.get("template"):
        zh.append("模板化用语")
        en.append("template phrases")
    if facts.get("repetition"):
        zh.append("重复字符或表情")
        en.append("repeated characters or emoji")
    if facts.get("contradictions"):
        zh.append("星级、标签与文字矛盾")
        en.append("stars, tags and text disagree")
    if facts.get("helpful"):
        zh.append(f"{facts['helpful']} 人觉得有用")
        en.append(f"{facts['helpful']} found it helpful")
    if facts.get("upheld_reports"):
        zh.append(f"{facts['upheld_reports']} 次举报成立")
        en.append(f"{facts['upheld_reports']} upheld report" + ("s" if facts["upheld_reports"] != 1 else ""))
    return "；".join(zh), "; ".join(en)


def hints_for(codes, params=None):
    """Messages (in the active language) for stored hint codes and their parameters."""
    params = params or {}
    return [{"code": c, "message": hint_message(c, **(params.get(c) or {}))} for c in codes if c in HINTS]
