"""The project zh_Hans catalogue (the only one) is complete, not fuzzy, compiled, and covers every marked string.

Stdlib only (no polib); the makemessages check needs GNU gettext and is skipped without it.
"""
import ast
import gettext
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

BASE = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "venv", "node_modules", "media", "staticfiles", "artifacts", "var", ".git"}
CATALOGS = sorted(
    p for p in BASE.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
    if not SKIP_DIRS.intersection(p.relative_to(BASE).parts)
)


def po_entries(path):
    """Dicts {msgctxt, msgid, msgid_plural, msgstr: {index: text}, flags} for every live entry (header included)."""
    out, entry, key = [], None, None
    for raw in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry is not None and entry.get("msgid") is not None and not entry.get("obsolete"):
                out.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"msgstr": {}, "flags": set()}
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(key, int):
                entry["msgstr"][key] += ast.literal_eval(line)
            else:
                entry[key] += ast.literal_eval(line)
        else:
            word, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if word.startswith("msgstr"):
                key = int(word[7:-1]) if word.startswith("msgstr[") else 0
                entry["msgstr"][key] = value
            else:
                key = word
                entry[key] = value
    return out


def mo_key(entry):
    return entry["msgid"] if entry.get("msgctxt") is None else f"{entry['msgctxt']}\x04{entry['msgid']}"


def incomplete(entries):
    return [e["msgid"] for e in entries
            if e["msgid"] and (not e["msgstr"] or not all(e["msgstr"].values()) or "fuzzy" in e["flags"])]


def test_catalogues_exist():
    assert BASE / "locale/zh_Hans/LC_MESSAGES/django.po" in CATALOGS


def test_single_project_catalogue():
    """All strings live in the one project catalogue; no per-app django.po anywhere else."""
    every_po = sorted(
        p for p in BASE.glob("**/django.po")
        if not SKIP_DIRS.intersection(p.relative_to(BASE).parts)
    )
    assert every_po == [BASE / "locale/zh_Hans/LC_MESSAGES/django.po"], every_po


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(BASE)))
def test_po_is_fully_translated_and_not_fuzzy(po):
    entries = po_entries(po)
    header = next(e for e in entries if e["msgid"] == "")
    assert "nplurals=1; plural=0;" in header["msgstr"][0]
    assert not incomplete(entries), f"untranslated or fuzzy in {po}: {incomplete(entries)}"


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(BASE)))
def test_mo_is_compiled_from_po(po):
    with open(po.with_suffix(".mo"), "rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    entries = [e for e in po_entries(po) if e["msgid"]]
    stale = []
    for e in entries:
        if e.get("msgid_plural") is not None:
            stale += [e["msgid"] for i, text in e["msgstr"].items() if catalog.get((mo_key(e), i)) != text]
        elif catalog.get(mo_key(e)) != e["msgstr"][0]:
            stale.append(e["msgid"])
    mo_ids = {k[0] if isinstance(k, tuple) else k for k in catalog} - {""}
    extra = mo_ids - {mo_key(e) for e in entries}
    assert not stale and not extra, f"{po.with_suffix('.mo')} is out of date (run compilemessages): {stale + sorted(extra)}"


@pytest.mark.skipif(shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
                    reason="needs GNU gettext")
def test_every_marked_string_has_a_translation(tmp_path, monkeypatch, settings):
    """makemessages on a scratch copy of the source finds nothing new to translate (the repo is not touched)."""
    src = tmp_path / "src"
    shutil.copytree(BASE, src, ignore=shutil.ignore_patterns(
        *SKIP_DIRS, "__pycache__", "*.pyc", "*.sqlite3", "*.mo"))
    settings.LOCALE_PATHS = [src / "locale"]
    monkeypatch.chdir(src)
    call_command("makemessages", locale=["zh_Hans"], verbosity=0, no_obsolete=True)
    missing = {}
    for po in src.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        if incomplete(po_entries(po)):
            missing[str(po.relative_to(src))] = incomplete(po_entries(po))
    assert not missing, f"new or changed strings need a translation: {missing}"
