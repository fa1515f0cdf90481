"""Bilingual content helpers (Simplified Chinese and English)."""
from django.utils import translation
from django.utils.translation import get_language


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
