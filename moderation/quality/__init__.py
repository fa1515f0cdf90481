"""Content quality: the score (``scorer``), its bands (``bands.quality_band``, which
gamification calls), storing and rescoring (``services``) and the writing coach
(``moderation.api.quality``). See docs/quality.md."""
