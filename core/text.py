"""What user-written text is stored as, and which language it is in."""
import re
import unicodedata

# ANSI / VT100 escape sequences (colours, cursor moves) pasted from a terminal.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
# Bidirectional embeddings, overrides and isolates: used to disguise text, never needed in a review.
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_KEEP_CONTROLS = "\n\t"


def clean_user_text(text) -> str:
    """The text to store: escape sequences, control characters (but newline and tab) and
    bidi overrides removed, outer white space stripped; "" when nothing visible is left
    (text made only of zero-width, override or control characters counts as empty)."""
    if not text:
        return ""
    text = _ANSI.sub("", str(text)).translate(_BIDI)
    text = "".join(ch for ch in text if ch in _KEEP_CONTROLS or unicodedata.category(ch) != "Cc").strip()
    if not any(unicodedata.category(ch)[0] not in "CZ" for ch in text):  # only format / space characters
        return ""
    return text


def guess_language(text) -> str:
    """"zh" when a third of the text (or ten characters) is Han, else "en"."""
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return "zh" if han * 3 >= len(text.strip()) or han >= 10 else "en"
