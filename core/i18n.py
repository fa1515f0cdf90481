"""Bilingual content helpers (Simplified Chinese and English)."""
from django.utils import translation
from django.utils.translation import get_language

from core.text import guess_language


def localized(obj, field):
    """Pick ``<field>_en`` or ``<field>_zh`` for the active language, falling back to the other."""
    lang = (get_language() or "zh-hans").lower()
    first, second = ("en", "zh") if lang.startswith("en") else ("zh", "en")
    return getattr(obj, f"{field}_{first}") or getattr(obj, f"{field}_{second}")


def source_text(text) -> str:
    """The untranslated source (the msgid) of a lazily translated string, for storing text
    that is translated later, when it is shown."""
    with translation.override(None):
        return str(text)


def split_languages(text) -> tuple[str, str]:
    """(Chinese, English) parts of a text written in both, one language per line, as brand
    staff filled single fields before they had one per language. Text in one language only
    goes whole to that side."""
    sides = {"zh": [], "en": []}
    for line in (text or "").splitlines():
        if line.strip():
            sides[guess_language(line)].append(line.strip())
    if sides["zh"] and sides["en"]:
        return "\n".join(sides["zh"]), "\n".join(sides["en"])
    return ((text or "").strip(), "") if sides["zh"] or not sides["en"] else ("", text.strip())
