"""Aspect mentions in a review: which aspects it talks about and whether for good or bad.

Pure computation (no database), so it is tested on crafted text with exact counts.

- **Aspects** are the shipped ones (``ASPECTS``: quality, fit, value, battery, taste, packaging,
  delivery), each with a small list of Chinese and English terms, plus the category's aspect
  tags: a ticked tag is a mention (positive, or negative for a tag marked negative), and a tag's
  label found in the text is a mention too. A tag whose slug is a shipped aspect, or whose
  Chinese or English label contains one of its terms, counts as that aspect; any other tag is
  its own aspect (``tag:<slug>``).
- **Where**: the text is cut into clauses at punctuation (，。！？；,.!?; and new lines) and at
  "but / 但是 / 不过 / 就是". Chinese terms are found as substrings of the clause, English terms
  as whole words.
- **Polarity** of a clause: the sum of the sentiment words in it (``POSITIVE`` +1,
  ``NEGATIVE`` -1); a word preceded within two tokens by a negator (不, 没有, not, never, n't…)
  counts the other way. Chinese clauses are cut into tokens with jieba (the shipped words
  added to its dictionary), English ones at word boundaries; a Chinese token starting with an
  intensifier (很, 太, 非常…) that is not itself a listed word is read without it. A mention's
  polarity is the sign of the sum over the review's clauses that name the aspect; when that is
  0 (no sentiment word, or as many good as bad) the star rating decides: 4-5 positive,
  1-2 negative, 3 neutral.

Limits (say them on the page and in docs/insights.md): a word list, not a model. It misses
sarcasm, sentiment words far from the aspect, aspects named by words not in the lists, and
double negation; "cheap" and "small" are left out on purpose because they are as often
praise as complaint.
"""
import re
from dataclasses import dataclass
from functools import lru_cache

ASPECTS = {
    "quality": {
        "zh": ["质量", "品质", "做工", "质感", "材质", "用料", "耐用", "结实"],
        "en": ["quality", "build", "material", "materials", "sturdy", "durable", "flimsy", "craftsmanship"],
    },
    "fit": {
        "zh": ["尺码", "尺寸", "大小", "合身", "偏大", "偏小", "版型", "码数"],
        "en": ["fit", "fits", "fitting", "size", "sizing", "tight", "loose"],
    },
    "value": {
        "zh": ["性价比", "价格", "价钱", "划算", "实惠", "价位"],
        "en": ["value", "price", "priced", "worth", "expensive", "overpriced", "money"],
    },
    "battery": {
        "zh": ["电池", "续航", "电量", "充电", "待机"],
        "en": ["battery", "charge", "charging", "charger"],
    },
    "taste": {
        "zh": ["味道", "口感", "口味", "好吃", "难吃", "香气", "回甘", "甜度"],
        "en": ["taste", "tastes", "flavor", "flavour", "delicious", "tasty", "aroma", "bland"],
    },
    "packaging": {
        "zh": ["包装", "盒子", "瓶子", "密封", "包裹"],
        "en": ["packaging", "package", "box", "packed", "sealed", "wrapping"],
    },
    "delivery": {
        "zh": ["物流", "快递", "发货", "配送", "送货", "到货"],
        "en": ["delivery", "shipping", "shipped", "arrived", "courier", "delivered"],
    },
}

POSITIVE = {
    "zh": ["好", "不错", "满意", "喜欢", "棒", "快", "结实", "耐用", "划算", "实惠", "好吃", "香", "精致", "完好",
           "舒服", "合身", "值", "值得", "推荐", "给力", "赞", "惊喜", "持久", "好看", "清新", "严实", "及时"],
    "en": ["good", "great", "excellent", "love", "loved", "nice", "fast", "quick", "quickly", "sturdy", "durable",
           "perfect", "perfectly", "happy", "worth", "delicious", "tasty", "comfortable", "recommend", "solid",
           "amazing", "fine", "well", "lasts"],
}
NEGATIVE = {
    "zh": ["差", "不好", "一般", "慢", "失望", "破", "破损", "坏", "漏", "贵", "难吃", "偏小", "偏大", "廉价", "粗糙",
           "发霉", "烂", "垃圾", "后悔", "劣质", "松", "紧", "掉色", "异味", "短", "淡"],
    "en": ["bad", "poor", "poorly", "terrible", "awful", "slow", "broken", "broke", "damaged", "leaked", "leaking",
           "flimsy", "expensive", "overpriced", "disappointed", "disappointing", "late", "worse", "worst",
           "cheaply", "tight", "loose", "bland", "stale", "died", "dies", "crushed", "short"],
}
NEGATORS = {
    "zh": {"不", "没", "没有", "不是", "别", "无", "不太", "不够", "并不", "并没有", "毫无", "从不"},
    "en": {"not", "no", "never", "dont", "doesnt", "isnt", "wasnt", "arent", "werent", "hardly", "without", "nothing"},
}
INTENSIFIERS = ("非常", "特别", "超级", "有点", "很", "太", "超", "挺", "真", "好", "蛮", "较", "更", "最")

# Words that mark a suggestion in a review ("I wish it came in a bigger size"): such a sentence is an idea.
IDEA_MARKERS = {
    "zh": ["希望", "建议", "要是能", "如果能", "能不能", "可不可以", "期待", "最好能", "要是有"],
    "en": ["i wish", "wish it", "wish they", "please add", "please make", "would be nice", "would love",
           "should add", "should make", "suggest", "hope they", "hope you", "if only", "could you"],
}

_CLAUSE_RE = re.compile(r"[，。！？；,.!?;\n\r]+|但是|不过|就是|\bbut\b|\bhowever\b", re.IGNORECASE)
_SENTENCE_RE = re.compile(r"(?<=[。！？!?\n])|(?<=\.)\s+")
_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
QUOTE_MAX = 200

_POS = {lang: set(words) for lang, words in POSITIVE.items()}
_NEG = {lang: set(words) for lang, words in NEGATIVE.items()}


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for words in (*POSITIVE.values(), *NEGATIVE.values()):
        for w in words:
            if _CJK_RE.search(w):
                tokenizer.add_word(w, freq=2000)
    for w in NEGATORS["zh"]:
        tokenizer.add_word(w, freq=2000)
    for terms in ASPECTS.values():
        for w in terms["zh"]:
            tokenizer.add_word(w, freq=2000)
    return tokenizer


def _tokens(clause):
    if _CJK_RE.search(clause):
        words = [t.strip().lower() for t in _jieba().lcut(clause)]
        words = [w for w in words if w]
        out = []
        for w in words:
            if _CJK_RE.search(w):
                out.append(w)
            else:
                out.extend(_en_words(w))
        return out
    return _en_words(clause)


def _en_words(text):
    return [w.replace("n't", "nt").replace("'", "") for w in _WORD_RE.findall(text.lower())]


def _word_sentiment(word):
    for lang in ("zh", "en"):
        if word in _POS[lang]:
            return 1
        if word in _NEG[lang]:
            return -1
    if _CJK_RE.search(word):
        for prefix in sorted(NEGATORS["zh"], key=len, reverse=True):  # "不太好" as one token
            if word.startswith(prefix) and len(word) > len(prefix):
                return -_word_sentiment(word[len(prefix):])
        for prefix in INTENSIFIERS:
            if word.startswith(prefix) and len(word) > len(prefix):
                rest = word[len(prefix):]
                if rest in _POS["zh"]:
                    return 1
                if rest in _NEG["zh"]:
                    return -1
    return 0


def _is_negator(word):
    return word in NEGATORS["zh"] or word in NEGATORS["en"] or word.endswith("nt") and word in {
        "dont", "doesnt", "isnt", "wasnt", "arent", "werent", "didnt", "cant", "wont", "couldnt"}


def clause_polarity(clause) -> int:
    """The sum of the clause's sentiment words, each flipped by a negator up to two tokens before it."""
    tokens = _tokens(clause)
    score = 0
    for i, token in enumerate(tokens):
        s = _word_sentiment(token)
        if not s:
            continue
        if any(_is_negator(t) for t in tokens[max(0, i - 2):i]):
            s = -s
        score += s
    return score


def clauses(text):
    return [c.strip() for c in _CLAUSE_RE.split(text or "") if c and c.strip()]


def sentences(text):
    return [s.strip() for s in _SENTENCE_RE.split(text or "") if s and s.strip()]


def _has_term(clause, terms_zh, terms_en, words):
    if any(t in clause for t in terms_zh):
        return True
    return any(t in words for t in terms_en)


@dataclass(frozen=True)
class Tag:
    """A category aspect tag, as the extractor needs it."""

    id: int
    slug: str
    label_zh: str
    label_en: str
    negative: bool


@dataclass(frozen=True)
class Mention:
    aspect: str  # a key of ASPECTS, or "tag:<slug>"
    polarity: int  # 1, 0, -1
    quote: str  # the sentence naming the aspect ("" for a ticked tag alone)
    label_zh: str = ""
    label_en: str = ""


def tag_aspect(tag: Tag) -> str:
    """The shipped aspect a tag counts as, or ``tag:<slug>``."""
    if tag.slug in ASPECTS:
        return tag.slug
    label_en_words = set(_en_words(tag.label_en))
    for key, terms in ASPECTS.items():
        if any(t in tag.label_zh for t in terms["zh"]) or any(t in label_en_words for t in terms["en"]):
            return key
    return f"tag:{tag.slug}"


def rating_polarity(rating) -> int:
    return 1 if rating >= 4 else -1 if rating <= 2 else 0


def _quote_for(text, needle_zh, needle_en):
    for sentence in sentences(text):
        words = set(_en_words(sentence))
        if _has_term(sentence, needle_zh, needle_en, words):
            return sentence[:QUOTE_MAX]
    return ""


@lru_cache(maxsize=512)
def _vocabulary(tags):
    """For a category's tags (a tuple): {aspect: (zh terms, en terms, label_zh, label_en)},
    {tag id: (aspect, sign)} and [(label_zh, aspect, sign)] for labels found in text."""
    terms = {key: (tuple(t["zh"]), tuple(t["en"]), "", "") for key, t in ASPECTS.items()}
    by_id, labels = {}, []
    for tag in tags:
        aspect = tag_aspect(tag)
        sign = -1 if tag.negative else 1
        if aspect.startswith("tag:"):
            terms[aspect] = ((tag.label_zh,) if tag.label_zh else (), (), tag.label_zh, tag.label_en)
        elif tag.label_zh:
            zh, en, lz, le = terms[aspect]
            terms[aspect] = ((*zh, tag.label_zh), en, lz, le)
        by_id[tag.id] = (aspect, sign)
        if tag.label_zh:
            labels.append((tag.label_zh, aspect, sign))
    return terms, by_id, tuple(labels)


def extract(text, rating, *, tags=(), ticked=()):
    """The aspect mentions of one review, one per aspect, sorted by aspect.

    ``tags``: the category's aspect tags (``Tag``); ``ticked``: the ids of the tags the author
    ticked. Returns a list of ``Mention``.
    """
    text = text or ""
    fallback = rating_polarity(rating)
    terms, by_id, labels = _vocabulary(tuple(tags))
    votes = {}
    for clause in clauses(text):
        words = set(_en_words(clause))
        named = [key for key, (zh, en, _lz, _le) in terms.items() if _has_term(clause, zh, en, words)]
        if not named:
            continue
        sign = clause_polarity(clause)
        sign = (sign > 0) - (sign < 0)
        for key in named:
            # a tag label found in the text ("做工一般") says its own polarity
            tag_sign = next((s for label, aspect, s in labels if aspect == key and label in clause), 0)
            votes.setdefault(key, []).append(sign or tag_sign)
    for tag_id in ticked:
        if tag_id in by_id:
            aspect, sign = by_id[tag_id]
            votes.setdefault(aspect, []).append(sign)
    out = []
    for key in sorted(votes):
        total = sum(votes[key])
        polarity = (total > 0) - (total < 0) or fallback
        zh, en, lz, le = terms[key]
        out.append(Mention(aspect=key, polarity=polarity, quote=_quote_for(text, zh, en), label_zh=lz, label_en=le))
    return out


def ideas(text):
    """The sentences of a review that suggest something ("希望出大容量的", "I wish it came in blue")."""
    out = []
    for sentence in sentences(text):
        low = sentence.lower()
        if any(m in sentence for m in IDEA_MARKERS["zh"]) or any(m in low for m in IDEA_MARKERS["en"]):
            out.append(sentence[:QUOTE_MAX])
    return out
