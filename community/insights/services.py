"""The insights refresh: the only writer of the insights tables (docs/insights.md).

``insights_run`` (Celery beat, every ``INSIGHTS_REFRESH_SECONDS``) is incremental: it re-reads
the reviews created, edited or published since the watermark (less ``OVERLAP`` for
transactions that committed late) plus the reviews and brands the receivers marked dirty and
the brands of challenges whose entries' votes moved in that window (``Entry.voted_at``), replaces their aspect mentions and suggestion sentences, recomputes the daily aspect rows of
the (product, day) pairs they touched, and regroups the ideas of the brands they touched.
Every step replaces rows from the source rows, so a run repeated, or overlapping another's
window, changes nothing: incremental equals ``insights_rebuild`` (tested).

``insights_rebuild`` (nightly, and ``manage.py insights rebuild``) recomputes everything; it is
also what picks up a quality score changed by a later rescore, which sends no signal.
"""
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from community import hooks
from community.cocreation.models import Challenge, Entry
from community.cocreation.services import entry_adopt
from community.insights import lexicon
from community.insights.models import (
    AspectDaily,
    AspectMention,
    IdeaTheme,
    InsightsDirty,
    InsightsState,
    ReviewIdea,
)
from community.models import AspectTag, Brand, Review
from community.services import brand_staff_check
from core.errors import ServiceError

OVERLAP = timedelta(minutes=10)
CHUNK = 1000
STATE = "main"


def quote_min_quality() -> int:
    return int(getattr(settings, "INSIGHTS_QUOTE_MIN_QUALITY", 55))


def _is_quotable(quality) -> bool:
    return quality is not None and quality >= quote_min_quality()


def _local_day(dt):
    return timezone.localtime(dt).date()


# --- marks (receivers) ------------------------------------------------------------------------

def insights_mark(*, kind, object_id) -> None:
    """Ask the next run to redo a review, a brand's ideas, or a challenge's brand's ideas."""
    InsightsDirty.objects.create(kind=kind, object_id=object_id)


def review_unquote(*, review_id) -> int:
    """A review left publication (held, rejected, removed, erased) or its text changed: from
    now on none of its sentences is quoted, and the next run recomputes its counts. Drops its
    suggestion sentences and regroups its brand's ideas at once when it had any."""
    with transaction.atomic():
        # wait for a run in progress (it holds the state row), so it cannot re-quote the review after us
        _state()
        # the sentence itself goes too (an erased review's words must not outlive it here)
        changed = AspectMention.objects.filter(review_id=review_id).exclude(quotable=False, quote="").update(
            quotable=False, quote="")
        brand_ids = set(ReviewIdea.objects.filter(review_id=review_id).values_list("brand_id", flat=True))
        if brand_ids:
            ReviewIdea.objects.filter(review_id=review_id).delete()
            _ideas_refresh(brand_ids)
        insights_mark(kind=InsightsDirty.Kind.REVIEW, object_id=review_id)
    return changed


def entry_unquote(*, challenge_id) -> None:
    """An entry left publication: its brand's idea themes are regrouped at once, without it."""
    brand_id = Challenge.objects.filter(pk=challenge_id).values_list("brand_id", flat=True).first()
    if brand_id is not None:
        with transaction.atomic():
            _ideas_refresh({brand_id})


# --- the refresh -------------------------------------------------------------------------------

def _reviews_refresh(review_ids, *, fresh=False):
    """Replace the mentions and suggestion sentences of these reviews. Returns the (product_id,
    day) pairs whose daily rows must be recomputed and the brands whose ideas changed.
    ``fresh``: the tables were just emptied (a rebuild), nothing to read back or delete."""
    review_ids = list(review_ids)
    touched, brands = set(), set()
    if not review_ids:
        return touched, brands
    if not fresh:
        touched |= set(AspectMention.objects.filter(review_id__in=review_ids).values_list("product_id", "day"))
        brands |= set(ReviewIdea.objects.filter(review_id__in=review_ids).values_list("brand_id", flat=True))
        AspectMention.objects.filter(review_id__in=review_ids).delete()
        ReviewIdea.objects.filter(review_id__in=review_ids).delete()
    reviews = list(
        Review.objects.filter(pk__in=review_ids, status=Review.Status.PUBLISHED).values_list(
            "id", "rating", "text", "quality_score", "helpful_count", "published_at", "created_at",
            "product_id", "product__brand_id", "product__category_id")
    )
    if not reviews:
        return touched, brands
    tags_by_category = defaultdict(list)
    for tag in AspectTag.objects.filter(category_id__in={r[9] for r in reviews}).order_by("category_id", "position", "id"):
        tags_by_category[tag.category_id].append(
            lexicon.Tag(id=tag.pk, slug=tag.slug, label_zh=tag.label_zh, label_en=tag.label_en, negative=tag.negative)
        )
    tags_by_category = {k: tuple(v) for k, v in tags_by_category.items()}
    ticked = defaultdict(set)
    for review_id, tag_id in Review.tags.through.objects.filter(review_id__in=[r[0] for r in reviews]).values_list(
            "review_id", "aspecttag_id"):
        ticked[review_id].add(tag_id)
    mentions, ideas = [], []
    for review_id, rating, text, quality, helpful, published_at, created_at, product_id, brand_id, category_id in reviews:
        when = published_at or created_at
        day = _local_day(when)
        quotable = _is_quotable(quality)
        for m in lexicon.extract(text, rating, tags=tags_by_category.get(category_id, ()), ticked=ticked[review_id]):
            mentions.append(AspectMention(
                review_id=review_id, brand_id=brand_id, product_id=product_id, aspect=m.aspect,
                label_zh=m.label_zh[:30], label_en=m.label_en[:40], polarity=m.polarity, day=day, quote=m.quote,
                quality=quality, quotable=quotable and bool(m.quote),
            ))
            touched.add((product_id, day))
        if quotable:
            for position, sentence in enumerate(lexicon.ideas(text)[:5]):
                ideas.append(ReviewIdea(review_id=review_id, brand_id=brand_id, position=position, text=sentence,
                                        votes=helpful, published_at=when))
                brands.add(brand_id)
    AspectMention.objects.bulk_create(mentions, batch_size=CHUNK)
    ReviewIdea.objects.bulk_create(ideas, batch_size=CHUNK)
    return touched, brands


def _daily_rows(mention_filter):
    rows = (
        AspectMention.objects.filter(mention_filter)
        .values("brand_id", "product_id", "aspect", "day")
        .annotate(
            n=Count("id"),
            pos=Count("id", filter=Q(polarity__gt=0)),
            neg=Count("id", filter=Q(polarity__lt=0)),
            lz=Max("label_zh"),
            le=Max("label_en"),
        )
        .order_by()
    )
    return [
        AspectDaily(brand_id=r["brand_id"], product_id=r["product_id"], aspect=r["aspect"], day=r["day"],
                    label_zh=r["lz"] or "", label_en=r["le"] or "", mentions=r["n"], positive=r["pos"],
                    negative=r["neg"])
        for r in rows
    ]


def _daily_refresh(touched):
    """Recompute the daily rows of the touched (product_id, day) pairs from the mentions."""
    by_product = defaultdict(set)
    for product_id, day in touched:
        by_product[product_id].add(day)
    items = list(by_product.items())
    for start in range(0, len(items), 100):
        q = Q()
        for product_id, days in items[start:start + 100]:
            q |= Q(product_id=product_id, day__in=sorted(days))
        AspectDaily.objects.filter(q).delete()
        AspectDaily.objects.bulk_create(_daily_rows(q), batch_size=CHUNK)


def _ideas_refresh(brand_ids):
    """Regroup the ideas of these brands: published entries of their idea challenges and the
    suggestion sentences of their quotable reviews, joined by near-duplicate text
    (``community.hooks.text_groups``, moderation's MinHash grouping)."""
    brand_ids = set(brand_ids)
    if not brand_ids:
        return 0
    threshold = float(getattr(settings, "INSIGHTS_IDEA_GROUP_AT", 0.5))
    items = defaultdict(dict)  # brand -> key -> member
    entries = (
        Entry.objects.filter(challenge__brand_id__in=brand_ids, challenge__kind=Challenge.Kind.IDEA,
                             status=Entry.Status.PUBLISHED)
        .values_list("id", "challenge__brand_id", "text", "vote_count", "adopted_at", "published_at", "created_at")
    )
    for pk, brand_id, text, votes, adopted_at, published_at, created_at in entries:
        items[brand_id][f"e{pk}"] = {"kind": "entry", "id": pk, "text": text[:500], "votes": votes,
                                     "adopted": adopted_at is not None, "at": published_at or created_at}
    for pk, review_id, brand_id, position, text, votes, at in ReviewIdea.objects.filter(
            brand_id__in=brand_ids).values_list("id", "review_id", "brand_id", "position", "text", "votes",
                                                "published_at"):
        items[brand_id][f"r{review_id}.{position}"] = {"kind": "review", "id": review_id, "text": text,
                                                       "votes": votes, "adopted": False, "at": at}
    IdeaTheme.objects.filter(brand_id__in=brand_ids).delete()
    themes = []
    for brand_id, members in items.items():
        roots = hooks.text_groups({k: m["text"] for k, m in members.items()}, threshold=threshold)
        groups = defaultdict(list)
        for key, root in roots.items():
            groups[root].append(key)
        for root, keys in groups.items():
            ms = sorted((members[k] for k in keys), key=lambda m: (-m["votes"], m["kind"], m["id"]))
            top_entry = next((m for m in ms if m["kind"] == "entry"), None)
            themes.append(IdeaTheme(
                brand_id=brand_id, key=root[:40], text=ms[0]["text"], votes=sum(m["votes"] for m in ms),
                size=len(ms), entry_id=top_entry["id"] if top_entry else None,
                adopted=any(m["adopted"] for m in ms), latest_at=max(m["at"] for m in ms),
                members=[{k: v for k, v in m.items() if k != "at"} for m in ms[:20]],
            ))
    IdeaTheme.objects.bulk_create(themes, batch_size=CHUNK)
    return len(themes)


def _state():
    InsightsState.objects.get_or_create(name=STATE)
    return InsightsState.objects.select_for_update().get(name=STATE)


def _dirty(since):
    """(mark ids, review ids, brand ids) to refresh: the marks, and the challenges whose entries'
    votes moved since ``since`` (votes leave no mark: ``Entry.voted_at``, set by the vote's own
    counter update)."""
    rows = list(InsightsDirty.objects.order_by("id").values_list("id", "kind", "object_id")[:50_000])
    review_ids = {oid for _, kind, oid in rows if kind == InsightsDirty.Kind.REVIEW}
    brand_ids = {oid for _, kind, oid in rows if kind == InsightsDirty.Kind.BRAND}
    challenge_ids = {oid for _, kind, oid in rows if kind == InsightsDirty.Kind.CHALLENGE}
    challenge_ids |= set(Entry.objects.filter(voted_at__gt=since).values_list("challenge_id", flat=True).distinct())
    if challenge_ids:
        brand_ids |= set(Challenge.objects.filter(pk__in=challenge_ids).values_list("brand_id", flat=True))
    return [r[0] for r in rows], review_ids, brand_ids


def insights_run(*, now=None) -> dict:
    """The incremental refresh (see the module docstring); the first run is a rebuild."""
    start = now or timezone.now()
    with transaction.atomic():
        state = _state()
        if state.watermark is None:
            return _rebuild(state, start)
        since = state.watermark - OVERLAP
        dirty_ids, review_ids, brand_ids = _dirty(since)
        review_ids |= set(
            Review.objects.filter(Q(created_at__gt=since) | Q(edited_at__gt=since) | Q(published_at__gt=since))
            .values_list("id", flat=True)
        )
        touched = set()
        ordered = sorted(review_ids)
        for i in range(0, len(ordered), CHUNK):
            t, b = _reviews_refresh(ordered[i:i + CHUNK])
            touched |= t
            brand_ids |= b
        _daily_refresh(touched)
        themes = _ideas_refresh(brand_ids)
        InsightsDirty.objects.filter(id__in=dirty_ids).delete()
        state.watermark = start
        state.last_run_at = timezone.now()
        state.save(update_fields=["watermark", "last_run_at"])
    return {"reviews": len(review_ids), "days": len(touched), "brands": len(brand_ids), "themes": themes,
            "rebuild": False}


def insights_rebuild(*, now=None, progress=None) -> dict:
    """Recompute every insights table from reviews and entries."""
    start = now or timezone.now()
    with transaction.atomic():
        return _rebuild(_state(), start, progress=progress)


def _rebuild(state, start, progress=None):
    dirty_max = InsightsDirty.objects.aggregate(m=Max("id"))["m"]
    AspectMention.objects.all().delete()
    ReviewIdea.objects.all().delete()
    AspectDaily.objects.all().delete()
    ids = list(Review.objects.filter(status=Review.Status.PUBLISHED).order_by("id").values_list("id", flat=True))
    for i in range(0, len(ids), CHUNK):
        _reviews_refresh(ids[i:i + CHUNK], fresh=True)
        if progress:
            progress(min(i + CHUNK, len(ids)), len(ids))
    AspectDaily.objects.bulk_create(_daily_rows(Q()), batch_size=CHUNK)
    IdeaTheme.objects.all().delete()
    themes = _ideas_refresh(set(Brand.objects.values_list("id", flat=True)))
    if dirty_max is not None:
        InsightsDirty.objects.filter(id__lte=dirty_max).delete()
    state.watermark = start
    state.last_run_at = state.last_rebuild_at = timezone.now()
    state.save(update_fields=["watermark", "last_run_at", "last_rebuild_at"])
    return {"reviews": len(ids), "themes": themes, "rebuild": True}


# --- adoption from the insights page ------------------------------------------------------------

def idea_adopt(*, actor, brand_id, entry_id, note):
    """Brand staff adopt the top entry of an idea theme: co-creation's ``entry_adopt`` (the note
    shows on "you said, we did"), then the brand's themes are regrouped so the page shows it."""
    entry = Entry.objects.filter(pk=entry_id, challenge__brand_id=brand_id).select_related("challenge").first()
    if entry is None:
        raise ServiceError(_("No such idea."), code="not_found", status_code=404)
    brand_staff_check(actor, brand_id, _("Only this brand's staff can adopt its ideas."))
    with transaction.atomic():
        entry = entry_adopt(entry_id=entry.pk, note=note, actor=actor)
        _ideas_refresh({brand_id})
    return entry


def aggregate_totals():
    """Row counts, for the command's summary."""
    return {
        "mentions": AspectMention.objects.count(),
        "daily": AspectDaily.objects.count(),
        "themes": IdeaTheme.objects.count(),
        "review_ideas": ReviewIdea.objects.count(),
        "mention_sum": AspectDaily.objects.aggregate(s=Coalesce(Sum("mentions"), 0))["s"],
    }
