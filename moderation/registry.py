"""Content kinds the moderation pipeline knows, each behind one adapter.

An adapter tells moderation how to read a kind of content (text, images,
author, where it lives) and how to apply a decision to it, through the owning
app's service. Adding a kind (challenge entries, comments) means writing one
adapter and calling ``register``: the queue, reports, appeals and audit log do
not change.
"""
from dataclasses import dataclass

from moderation.detectors.base import ScreenInput

# Decisions an adapter applies to its content.
PUBLISH, HIDE, REJECT = "publish", "hide", "reject"

_REGISTRY = {}


@dataclass
class Preview:
    """What the queue shows of an item (built in bulk, so the page's query count is fixed)."""

    text: str
    title: str
    url: str
    image_urls: list
    rating: int | None = None
    language: str = ""
    status: str = ""


class ContentAdapter:
    key = ""
    label = ""

    def screen_input(self, object_id) -> ScreenInput | None:
        raise NotImplementedError

    def screen_inputs(self, object_id):
        """``(ScreenInput or None, quality_inputs)`` for screening one item, where
        ``quality_inputs`` is what ``quality_inputs([object_id])`` returns, or None when not
        read here (quality scoring then reads it, only if the item is not rejected). An
        adapter overrides this to read both in one go (screening is latency-critical)."""
        return self.screen_input(object_id), None

    def screen_inputs_many(self, object_ids) -> dict:
        """{object_id: (ScreenInput or None, quality_inputs)} for a batch of items being
        screened together (``moderation.services.case_screen_batch``). The default reads one
        by one; an adapter overrides it to read the batch in a fixed number of queries."""
        return {object_id: self.screen_inputs(object_id) for object_id in object_ids}

    model = None  # the content's model: its rows are locked before the cases' (``lock_many``)

    def lock_many(self, object_ids, *, skip_locked=False) -> set:
        """Lock the content rows of ``object_ids`` (in id order), inside the caller's
        transaction, and return the ids locked. Screening takes these before the cases, the
        order an edit takes them (the content row, then its case in ``case_submit``): the
        other order deadlocks with an edit of the same item. ``skip_locked`` leaves out rows
        another transaction holds (an edit in flight, whose new revision is screened anyway)."""
        if self.model is None:
            return set(object_ids)
        return set(self.model.objects.select_for_update(skip_locked=skip_locked)
                   .filter(pk__in=list(object_ids)).order_by("pk").values_list("pk", flat=True))

    def apply(self, object_id, decision, reason=""):
        raise NotImplementedError

    def previews(self, object_ids) -> dict:
        """{object_id: Preview} for many ids in a fixed number of queries."""
        raise NotImplementedError

    def author_id(self, object_id):
        raise NotImplementedError

    # Quality scoring (moderation.quality); a kind without these is simply not scored.
    holds_low_quality = True  # a score under QUALITY_HOLD_BELOW holds the item for the queue
    def quality_inputs(self, object_ids) -> dict:
        """{object_id: {text, rating, lang, kind, author_id, scope, reference_texts, aspects,
        tags, photos, helpful, not_helpful}} for the ids that have something to score, in a
        fixed number of queries (ids that are gone or hold only a rating are left out)."""
        return {}

    def quality_input(self, object_id) -> dict | None:
        return self.quality_inputs([object_id]).get(object_id)

    def set_quality_many(self, scores) -> int:
        """Hand {object_id: score or None} to the owning app (denormalised for ranking);
        returns how many items changed."""
        return 0

    def set_quality(self, object_id, score) -> bool:
        return bool(self.set_quality_many({object_id: score}))

    def purge_content(self, object_id) -> bool:
        """Retention: drop a rejected item's text and images through the owning app's service,
        keeping the row and the decision; True when something was removed."""
        return False

    def edit_url(self, object_id) -> str:
        return ""

    def scoreable_ids(self):
        """Ids of every item with something to score, ascending (for ``quality rescore``)."""
        return []


def register(adapter):
    _REGISTRY[adapter.key] = adapter
    return adapter


def get(key) -> ContentAdapter:
    return _REGISTRY[key]


def kinds():
    return list(_REGISTRY.values())


def get_text(content_type, object_id):
    inp = get(content_type).screen_input(object_id)
    return inp.text if inp else ""
