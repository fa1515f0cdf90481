import pytest

from moderation import pipeline
from moderation.detectors.base import ScreenInput
from moderation.detectors.lexicon import default_words, lexicon_invalidate
from moderation.models import WordEntry


@pytest.mark.default_words
@pytest.mark.django_db
def test_migration_loads_the_default_word_list_and_it_screens():
    terms = {(e["term"], e["category"]) for e in default_words()}
    assert set(WordEntry.objects.values_list("term", "category")) >= terms
    lexicon_invalidate()
    outcome = pipeline.screen(ScreenInput(text="好评返现，刷单的来"), thresholds={"publish_below": 0.3, "reject_at": 0.9})
    assert outcome.decision in ("queue", "reject") and "wordlist" in outcome.reasons
