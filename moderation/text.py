"""Normalisation for screening, with a map back to the original text.

Spammers write 加V: abc_123, 薇信, ①③⑧ 0013 8000, 一三八零零一三八零零零, full-width
digits, traditional characters, zero-width spaces and right-to-left overrides to
slip past filters. Every detector matches on one normalised form instead, and
``Normalized.span`` turns a match back into offsets in what the author wrote, so
the queue highlights the real text.

Steps, in order (each keeps the map):

1. per character: drop format/bidi/zero-width characters (Unicode category Cf:
   U+200B-U+200F, U+202A-U+202E, U+2060-U+2064, U+FEFF, U+00AD, ...), combining
   marks (Mn/Me: accents, keycap and variation selectors, "zalgo" text) and lone
   surrogates; control characters become spaces; NFKC (full-width -> ASCII,
   ① -> 1); casefold; other digit forms (❶, ٣) -> ASCII digits; a few Cyrillic /
   Greek look-alikes -> Latin.
2. Traditional -> Simplified (OpenCC t2s) on the whole string; if the phrase
   conversion changes the length, per character instead so the map stays exact.
3. digit runs: inside runs of digit-like characters (ASCII digits and 一二三...
   零〇两幺壹贰...) joined by at most three separator characters, Chinese digits
   become ASCII digits when the run has >= 4 digit-like characters, and the
   separators are dropped when it has >= 5 ("138 0013-8000" -> 13800138000).
   Short runs keep their separators so prices and ratings (39.9, 4.5/5) survive.
4. canonical tokens: WeChat spellings (微信 薇信 威信 徽信 v信 微x vx wx weixin, the
   V of 加V) -> "wechat"; 扣扣 企鹅号 qq -> "qq".

Never raises: any str (binary junk, lone surrogates, 100 KB) normalises.
"""
import re
import unicodedata

import opencc

_DROP_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Cs"})
_SPACE_CATEGORIES = frozenset({"Cc", "Zs", "Zl", "Zp"})
_MARK_CATEGORIES = frozenset({"Mn", "Me"})

# Look-alikes that appear in mixed-script spam ("сlick hеre" with Cyrillic с/е).
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "һ": "h", "ԛ": "q", "ԝ": "w",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x",
}

CHINESE_DIGITS = {
    "零": "0", "〇": "0",
    "一": "1", "幺": "1", "壹": "1",
    "二": "2", "两": "2", "贰": "2",
    "三": "3", "叁": "3",
    "四": "4", "肆": "4",
    "五": "5", "伍": "5",
    "六": "6", "陆": "6",
    "七": "7", "柒": "7",
    "八": "8", "捌": "8",
    "九": "9", "玖": "9",
}
_CN_DIGIT_CHARS = "".join(CHINESE_DIGITS)
_DIGIT_LIKE = frozenset("0123456789" + _CN_DIGIT_CHARS)

# A digit-like character, then (up to three separators, a digit-like character)+.
# A separator is anything that is not a letter/digit/CJK character (or "_").
_DIGIT_RUN_RE = re.compile(rf"[0-9{_CN_DIGIT_CHARS}](?:(?:[^\w]|_){{0,3}}[0-9{_CN_DIGIT_CHARS}])+")
CN_DIGIT_MIN_RUN = 4
SEPARATOR_MIN_RUN = 5

_WECHAT, _QQ = "wechat", "qq"
_TOKEN_RE = re.compile(
    r"(?P<wechat>微信|薇信|威信|徽信|v信|微x(?![a-z])|(?<![a-z])(?:vx|wx|weixin)(?![a-z])"
    r"|(?<![蔷紫])薇(?![娅])"  # 薇 alone, but not the flower names 蔷薇 / 紫薇 or the name 薇娅
    r"|(?<=[加+])v(?![a-z])"  # 加V: the V becomes the token, 加 stays (an invitation)
    r"|(?<=加)微(?![信博]))"  # 加微 abc123
    r"|(?P<qq>扣扣|企鹅号|(?<![a-z])qq(?![a-z]))"
)

_cc = opencc.OpenCC("t2s")
_T2S_CHAR = {}


def _fold_char(c):
    """Normalise one character (cached by ``_FoldTable``)."""
    cat = unicodedata.category(c)
    if cat in _DROP_CATEGORIES:
        return ""
    if cat in _SPACE_CATEGORIES:
        return " "
    s = "".join(ch for ch in unicodedata.normalize("NFKD", c) if unicodedata.category(ch) not in _DROP_CATEGORIES)
    s = unicodedata.normalize("NFKC", s).casefold()
    s = "".join(ch for ch in s if unicodedata.category(ch) not in _DROP_CATEGORIES)
    if len(s) > 1:
        # ⑴ -> "(1)", ⒈ -> "1.", ㈠ -> "(一)": keep the digit only.
        inner = s.strip("().")
        if inner and inner != s and (inner.isascii() and inner.isdigit() or inner in CHINESE_DIGITS):
            s = inner
    elif len(s) == 1 and not s.isascii():
        digit = unicodedata.digit(s, None)  # ❶ ➀ ٣ ...
        if digit is not None:
            s = str(digit)
    if any(ch in _CONFUSABLES for ch in s):
        s = "".join(_CONFUSABLES.get(ch, ch) for ch in s)
    if s and all(unicodedata.category(ch) in _SPACE_CATEGORIES for ch in s):
        s = " "
    return s


_IRREGULAR = set()  # characters whose folded form is not exactly one character


class _FoldTable(dict):
    """A ``str.translate`` table that folds characters on first sight and caches them."""

    def __missing__(self, code):
        ch = chr(code)
        folded = _fold_char(ch)
        if len(folded) != 1:
            _IRREGULAR.add(ch)
        if len(self) < 200_000:
            self[code] = folded
        return folded


_FOLD = _FoldTable()
for _code in range(128):
    _FOLD[_code] = _fold_char(chr(_code))
    if len(_FOLD[_code]) != 1:
        _IRREGULAR.add(chr(_code))


class Normalized:
    """Normalised text plus, per normalised character, the original span it came from.

    ``_starts``/``_ends`` are ``None`` while the map is the identity (the common case
    for clean text), otherwise lists with one entry per normalised character."""

    __slots__ = ("original", "text", "_starts", "_ends")

    def __init__(self, original, text, starts=None, ends=None):
        self.original = original
        self.text = text
        self._starts = starts
        self._ends = ends

    def __repr__(self):
        return f"Normalized({self.text[:60]!r})"

    def __len__(self):
        return len(self.text)

    def span(self, start, end):
        """Map ``text[start:end]`` to ``(orig_start, orig_end)`` in the original text."""
        n = len(self.text)
        start = max(0, min(int(start), n))
        end = max(start, min(int(end), n))
        if self._starts is None:
            return start, end
        if start == end:
            pos = self._starts[start] if start < n else len(self.original)
            return pos, pos
        return self._starts[start], self._ends[end - 1]

    def original_text(self, start, end):
        s, e = self.span(start, end)
        return self.original[s:e]


def _edit(text, starts, ends, edits):
    """Apply sorted, non-overlapping ``(a, b, replacement)`` edits to ``text`` and its map.

    Every character of a replacement maps to the original span of ``text[a:b]``."""
    out, new_starts, new_ends = [], [], []
    pos = 0
    identity = starts is None
    for a, b, repl in edits:
        if a > pos:
            out.append(text[pos:a])
            if identity:
                new_starts.extend(range(pos, a))
                new_ends.extend(range(pos + 1, a + 1))
            else:
                new_starts.extend(starts[pos:a])
                new_ends.extend(ends[pos:a])
        if repl:
            o_start = a if identity else starts[a]
            o_end = b if identity else ends[b - 1]
            out.append(repl)
            new_starts.extend([o_start] * len(repl))
            new_ends.extend([o_end] * len(repl))
        pos = b
    if pos < len(text):
        out.append(text[pos:])
        if identity:
            new_starts.extend(range(pos, len(text)))
            new_ends.extend(range(pos + 1, len(text) + 1))
        else:
            new_starts.extend(starts[pos:])
            new_ends.extend(ends[pos:])
    return "".join(out), new_starts, new_ends


def _fold(text):
    folded = text.translate(_FOLD)
    if _IRREGULAR.isdisjoint(text):
        return folded, None, None
    out, starts, ends = [], [], []
    for i, ch in enumerate(text):
        r = _FOLD[ord(ch)]
        if r:
            out.append(r)
            starts.extend([i] * len(r))
            ends.extend([i + 1] * len(r))
        elif ends and ends[-1] == i and unicodedata.category(ch) in _MARK_CATEGORIES:
            ends[-1] = i + 1  # a dropped combining mark (keycap, accent) belongs to its base
    return "".join(out), starts, ends


def _t2s_char(ch):
    r = _T2S_CHAR.get(ch)
    if r is None:
        try:
            r = _cc.convert(ch)
        except Exception:
            r = ch
        if len(_T2S_CHAR) < 100_000:
            _T2S_CHAR[ch] = r
    return r


def _t2s(text, starts, ends):
    if text.isascii():
        return text, starts, ends
    try:
        converted = _cc.convert(text)
    except Exception:
        converted = None
    if converted is not None and len(converted) == len(text):
        return converted, starts, ends
    edits = []
    for i, ch in enumerate(text):
        if ord(ch) >= 0x2E80:
            r = _t2s_char(ch)
            if r != ch:
                edits.append((i, i + 1, r))
    if not edits:
        return text, starts, ends
    return _edit(text, starts, ends, edits)


def _digit_runs(text, starts, ends):
    edits = []
    for m in _DIGIT_RUN_RE.finditer(text):
        run = m.group()
        count = sum(1 for ch in run if ch in _DIGIT_LIKE)
        if count < CN_DIGIT_MIN_RUN:
            continue
        drop_separators = count >= SEPARATOR_MIN_RUN
        base = m.start()
        for j, ch in enumerate(run):
            if ch in CHINESE_DIGITS:
                edits.append((base + j, base + j + 1, CHINESE_DIGITS[ch]))
            elif drop_separators and ch not in _DIGIT_LIKE:
                edits.append((base + j, base + j + 1, ""))
    if not edits:
        return text, starts, ends
    return _edit(text, starts, ends, edits)


def _tokens(text, starts, ends):
    edits = []
    for m in _TOKEN_RE.finditer(text):
        token = _WECHAT if m.lastgroup == "wechat" else _QQ
        if m.group() != token:
            edits.append((m.start(), m.end(), token))
    if not edits:
        return text, starts, ends
    return _edit(text, starts, ends, edits)


def normalize(text) -> Normalized:
    """Normalise ``text`` for matching; see the module docstring. Never raises."""
    if text is None:
        text = ""
    elif isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    try:
        out, starts, ends = _fold(text)
        out, starts, ends = _t2s(out, starts, ends)
        out, starts, ends = _digit_runs(out, starts, ends)
        out, starts, ends = _tokens(out, starts, ends)
    except Exception:  # pragma: no cover - a bug here must not stop screening
        safe = text.encode("utf-8", errors="replace").decode("utf-8").lower()
        return Normalized(text, safe if len(safe) == len(text) else text)
    return Normalized(text, out, starts, ends)


def normalized_for(inp):
    """The ``Normalized`` form of a ``ScreenInput``'s text, computed once and kept on it."""
    if getattr(inp, "normalized", None) is None or getattr(inp.normalized, "original", None) is not inp.text:
        inp.normalized = normalize(inp.text)
    return inp.normalized


_WORD_CHARS_RE = re.compile(r"[\W_]+")


def compact(text):
    """Letters, digits and CJK only: for shingling, where spacing and punctuation don't matter."""
    return _WORD_CHARS_RE.sub("", text)
