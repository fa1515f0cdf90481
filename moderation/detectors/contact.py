"""Contact details and invitations to move a conversation off the platform.

Runs on the normalised text (``moderation.text``), so 加V: abc_123, 薇信, ①③⑧
0013 8000, 一三八零零一三八零零零 and zero-width tricks read as plain contact
details. Labels: phone, wechat, qq (strong, hold), url, email (hold),
offplatform (an invitation alone, flag).
"""
import itertools
import re

from moderation.detectors.base import FLAG, HOLD, Detector, DetectorResult, ScreenInput
from moderation.detectors.util import evidence_at, overlaps
from moderation.text import normalized_for

STRONG_SCORE = 0.85  # phone / WeChat id / QQ number
LINK_SCORE = 0.6  # url / email
INVITATION_SCORE = 0.35  # "私聊", "dm me" with nothing else
EXTRA_KIND = 0.02  # per further kind of contact detail: 加V (an invitation) and its id are one offence
# Below the default reject_at (0.9): contact details alone are held for a human; with
# other evidence (spam words, a review ring) the combined risk can still reject.
MAX_SCORE = 0.89
MAX_MATCHES = 50

SCORES = {"phone": STRONG_SCORE, "wechat": STRONG_SCORE, "qq": STRONG_SCORE,
          "url": LINK_SCORE, "email": LINK_SCORE, "offplatform": INVITATION_SCORE}

_TLDS = (
    "com|cn|net|org|info|biz|cc|io|top|xyz|vip|shop|store|site|online|club|app|link|ly|gl|tk|ru|jp|kr|hk|tw"
    "|icu|wang|ink|fun|live|pro|work|tv|me"
)
_URL_CHARS = r"[a-z0-9\-._~:/?#\[\]@!$&'*+,;=%]"
_URL_TRAILING = ".,;:!?'"  # "see https://t.cn/abc, ..." - the comma is not part of the link

URL_RE = re.compile(rf"(?:https?://|www\.){_URL_CHARS}+")
# Bare domains (shop.xx.cn, t.cn/abc) and spelled-out dots (xx点com, xx dot com).
DOMAIN_RE = re.compile(
    rf"(?<![a-z0-9@.\-])(?:[a-z0-9](?:[a-z0-9\-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})(?![a-z0-9\-])"
    rf"(?:/{_URL_CHARS}*)?"
    rf"|(?<![a-z0-9\-])[a-z0-9][a-z0-9\-]*"
    rf"\s?(?:点|。|\(dot\)|\[dot\]|\[\.\]|(?<![a-z])dot(?![a-z]))\s?(?:{_TLDS})(?![a-z])"
)
# The local part is at most 64 characters (RFC 5321). Unbounded, a run of letters with no
# "@" after it was rescanned from each of its letters: 100,000 "a"s took minutes.
EMAIL_RE = re.compile(
    r"[a-z0-9][a-z0-9._%+\-]{0,63}\s?(?:@|\(at\)|\[at\])\s?[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}(?![a-z])"
)
# Mainland mobile (+86 optional), landline with area code, 400/800 service numbers.
PHONE_RE = re.compile(
    r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])"
    r"|(?<![0-9])0[1-9][0-9]{1,2}-?[0-9]{7,8}(?![0-9])"
    r"|(?<![0-9])[48]00-?[0-9]{3}-?[0-9]{4}(?![0-9])"
)
_SEP = r"\s?(?:[:=(]|是|为|\s)?\s?"
WECHAT_ID_RE = re.compile(
    rf"wechat(?:号码|号|账号|id|搜索|搜)?(?P<sep>{_SEP})(?P<id>[a-z0-9][a-z0-9_\-]{{4,19}})(?![a-z0-9_\-])"
)
QQ_ID_RE = re.compile(rf"qq(?:号码|号|群号|群)?{_SEP}(?P<id>[1-9][0-9]{{4,11}})(?![0-9])")

_INVITATIONS_ZH = ["私聊", "私信我", "私我", "加我", "联系我", "找我买", "淘宝搜", "某宝搜", "拼多多搜", "咨询我",
                   "加wechat", "+wechat", "加qq", "+qq", "扫码加"]
_INVITATIONS_EN = ["dm me", "pm me", "inbox me", "message me", "contact me", "add me", "hit me up",
                   "whatsapp", "telegram"]
INVITATION_RE = re.compile(
    "|".join(re.escape(p) for p in _INVITATIONS_ZH)
    + "|" + "|".join(rf"(?<![a-z]){re.escape(p)}(?![a-z])" for p in _INVITATIONS_EN)
)
# "客服联系我" (the seller's support contacted me) is a report, not an invitation.
_REPORTED_BY = ("客服", "商家", "卖家", "店家", "快递", "主动", "及时", "已经", "马上", "他", "她", "们", "会", "就",
                "没", "有人", "请勿", "不要")


def _first(matches, limit=MAX_MATCHES):
    """At most ``limit`` matches per pattern: enough evidence, bounded work on 100 KB spam."""
    return itertools.islice(matches, limit)


def _is_reported_speech(text, start):
    before = text[max(0, start - 2):start]
    return any(before.endswith(w) for w in _REPORTED_BY)


class ContactDetector(Detector):
    name = "contact"

    def run(self, inp: ScreenInput) -> DetectorResult:
        norm = normalized_for(inp)
        t = norm.text
        found = []  # (label, start, end)
        links = []  # email / url spans: a domain inside an email or URL is not a second link

        for m in _first(EMAIL_RE.finditer(t)):
            found.append(("email", m.start(), m.end()))
            links.append(m.span())
        for regex in (URL_RE, DOMAIN_RE):
            for m in _first(regex.finditer(t)):
                span = (m.start(), m.start() + len(m.group().rstrip(_URL_TRAILING)))
                if not any(overlaps(span, s) for s in links):
                    found.append(("url", *span))
                    links.append(span)
        for m in _first(PHONE_RE.finditer(t)):
            found.append(("phone", m.start(), m.end()))
        for m in _first(WECHAT_ID_RE.finditer(t)):
            wid = m.group("id")
            explicit = m.group("sep").strip() != ""
            if explicit or any(c.isdigit() or c in "_-" for c in wid):
                found.append(("wechat", m.start(), m.end()))
        for m in _first(QQ_ID_RE.finditer(t)):
            found.append(("qq", m.start(), m.end()))
        for m in _first(INVITATION_RE.finditer(t)):
            if not _is_reported_speech(t, m.start()):
                found.append(("offplatform", m.start(), m.end()))

        if not found:
            return DetectorResult(name=self.name)
        found.sort(key=lambda f: (f[1], f[2]))
        labels = sorted({f[0] for f in found}, key=lambda lab: (-SCORES[lab], lab))
        score = min(MAX_SCORE, SCORES[labels[0]] + EXTRA_KIND * (len(labels) - 1))
        action = HOLD if any(SCORES[lab] >= LINK_SCORE for lab in labels) else FLAG
        evidence = [evidence_at(norm, s, e, label) for label, s, e in found[:20]]
        return DetectorResult(name=self.name, labels=labels, score=score, action=action, evidence=evidence)
