"""Operator word lists (``moderation.models.WordEntry``), matched in one pass.

All active terms, normalised exactly like the text (so a term entered in
simplified characters matches traditional writing, 加V matches 加v/加Ｖ), go into
one Aho-Corasick automaton. English terms match on word boundaries only; CJK
terms match anywhere. Allow-list entries (action "allow") suppress any match
lying inside an allowed term's span: allow "操作" keeps "操" from firing in
"操作简单", allow "bloody mary" keeps "bloody" quiet there.

The automaton is built once per process and cached under a version token kept in
the Django cache; ``lexicon_invalidate()`` (called by the WordEntry receivers in
``moderation.receivers`` and by ``moderation.services.wordlist_load``) changes the token and every
process rebuilds on its next screening. Processes that don't share a cache
(local-memory cache, several workers) still pick changes up after ``MAX_AGE``.
"""
import bisect
import itertools
import json
import logging
import threading
import time
import uuid
from pathlib import Path

import ahocorasick
from django.core.cache import cache

from moderation.detectors.base import (
    ACTION_RANK,
    BLOCK,
    FLAG,
    HOLD,
    Detector,
    DetectorResult,
    ScreenInput,
)
from moderation.detectors.util import evidence_at, noisy_or
from moderation.text import normalize, normalized_for

log = logging.getLogger(__name__)

ALLOW = "allow"
SCORES = {BLOCK: 1.0, HOLD: 0.7, FLAG: 0.3}
CACHE_KEY = "moderation:wordlist:version"
MAX_AGE = 60.0  # seconds: rebuild at least this often even without an invalidation
DEFAULT_WORDS = Path(__file__).resolve().parent.parent / "data" / "default_words.json"

_lock = threading.Lock()
_state = {"version": None, "built_at": 0.0, "automaton": None}


def lexicon_invalidate():
    """Word lists changed: every process rebuilds its automaton on its next run."""
    with _lock:
        _state["version"] = None
    try:
        cache.set(CACHE_KEY, uuid.uuid4().hex, None)
    except Exception:  # a cache outage must not break the admin; MAX_AGE still applies
        log.warning("could not bump the word list version", exc_info=True)


def _shared_version():
    try:
        version = cache.get(CACHE_KEY)
        if version is None:
            version = uuid.uuid4().hex
            if not cache.add(CACHE_KEY, version, None):
                version = cache.get(CACHE_KEY) or version
        return version
    except Exception:
        log.warning("word list version unavailable from the cache", exc_info=True)
        return "no-cache"


def _is_word_char(ch):
    return ch.isascii() and ch.isalnum()


def build_automaton(entries):
    """An automaton over ``(id, term, category, action)`` rows; ``None`` if there are none.

    Each key maps to ``(key, [(term, category, action, entry_id), ...])``."""
    by_key = {}
    for entry_id, term, category, action in entries:
        key = normalize(term).text.strip()
        if key:
            by_key.setdefault(key, []).append((term, category, action, entry_id))
    if not by_key:
        return None
    automaton = ahocorasick.Automaton()
    for key, payload in by_key.items():
        automaton.add_word(key, (key, payload))
    automaton.make_automaton()
    return automaton


def _load_entries():
    from moderation.models import WordEntry

    return list(WordEntry.objects.filter(is_active=True).values_list("id", "term", "category", "action"))


def get_automaton():
    version = _shared_version()
    now = time.monotonic()
    state = _state
    if state["version"] == version and now - state["built_at"] < MAX_AGE:
        return state["automaton"]
    automaton = build_automaton(_load_entries())
    with _lock:
        _state.update(version=version, built_at=now, automaton=automaton)
    return automaton


def find_terms(text, automaton):
    """Matches of the automaton's terms in normalised ``text``, allow-list applied.

    Returns ``[(start, end, term, category, action, entry_id)]`` (offsets into ``text``)."""
    if automaton is None or not text:
        return []
    hits, allowed = [], []
    n = len(text)
    for end_idx, (key, payload) in automaton.iter(text):
        start, end = end_idx - len(key) + 1, end_idx + 1
        if _is_word_char(key[0]) and start > 0 and _is_word_char(text[start - 1]):
            continue
        if _is_word_char(key[-1]) and end < n and _is_word_char(text[end]):
            continue
        for term, category, action, entry_id in payload:
            if action == ALLOW:
                allowed.append((start, end))
            else:
                hits.append((start, end, term, category, action, entry_id))
    if allowed:
        # Is a hit inside some allowed span? Allowed spans sorted by start, with the
        # running maximum end: the spans starting at or before the hit reach this far.
        allowed.sort()
        starts = [a for a, _ in allowed]
        reach = list(itertools.accumulate((b for _, b in allowed), max))
        hits = [h for h in hits if not ((i := bisect.bisect_right(starts, h[0])) and reach[i - 1] >= h[1])]
    return hits


class WordListDetector(Detector):
    name = "wordlist"

    def run(self, inp: ScreenInput) -> DetectorResult:
        norm = normalized_for(inp)
        hits = find_terms(norm.text, get_automaton())
        if not hits:
            return DetectorResult(name=self.name)
        hits.sort(key=lambda h: (h[0], h[1]))
        per_term = {}
        for start, end, term, category, action, entry_id in hits:
            per_term.setdefault(entry_id, (term, category, action))
        action = max((h[4] for h in hits), key=lambda a: ACTION_RANK.get(a, 0))
        score = 1.0 if action == BLOCK else min(0.95, noisy_or(SCORES.get(a, 0.0) for _, _, a in per_term.values()))
        return DetectorResult(
            name=self.name,
            labels=sorted({h[3] for h in hits}),
            score=score,
            action=action if action in SCORES else FLAG,
            evidence=[evidence_at(norm, s, e, category) for s, e, _, category, _, _ in hits[:30]],
            data={"terms": [{"term": t, "category": c, "action": a} for t, c, a in per_term.values()]},
        )


def default_words(path=None):
    """The built-in list: ``[{"term", "category", "action", "note"?}, ...]``."""
    with open(path or DEFAULT_WORDS, encoding="utf-8") as fh:
        return json.load(fh)
