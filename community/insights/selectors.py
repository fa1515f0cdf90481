"""Reads of the brand insights page: the insights tables only (plus the brand and product
names for the pickers), a fixed number of queries whatever the data size."""
import math
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Max, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from community.insights import lexicon
from community.insights.models import (
    AspectDaily,
    AspectMention,
    IdeaTheme,
    InsightsState,
)
from community.models import Brand, Product

QUOTES_PER_ASPECT = 3
TOP_COMPLAINTS = 5
THEMES_SHOWN = 20


def period_days() -> int:
    return int(getattr(settings, "INSIGHTS_PERIOD_DAYS", 30))


def rising_p() -> float:
    return float(getattr(settings, "INSIGHTS_RISING_P", 0.05))


def rising_min_mentions() -> int:
    return int(getattr(settings, "INSIGHTS_RISING_MIN_MENTIONS", 5))


# --- who sees which brand -------------------------------------------------------------------------

def sees_all_brands(user) -> bool:
    """Operators: superusers, and staff granted ``insights.view_all_brand_insights``."""
    return user.is_authenticated and user.is_active and (
        user.is_superuser or (user.is_staff and user.has_perm("insights.view_all_brand_insights"))
    )


def brands_visible(user):
    """The brands whose insights ``user`` may read: all for operators, their own for brand staff."""
    if sees_all_brands(user):
        return Brand.objects.order_by("name", "id")
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return Brand.objects.none()
    return Brand.objects.filter(memberships__user=user).order_by("name", "id").distinct()


# --- statistics -------------------------------------------------------------------------------------

def negative_share_rise_p(neg_now, n_now, neg_before, n_before):
    """One-sided two-proportion z-test that the negative share rose (pooled standard error).
    Returns ``(z, p)``, or ``(None, None)`` when a period has no mentions or nothing varies."""
    if not n_now or not n_before:
        return None, None
    pooled = (neg_now + neg_before) / (n_now + n_before)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_now + 1 / n_before))
    if se == 0:
        return None, None
    z = (neg_now / n_now - neg_before / n_before) / se
    return z, 0.5 * math.erfc(z / math.sqrt(2))


def _share(part, whole):
    return part / whole if whole else None


def aspect_label(aspect, label_zh="", label_en=""):
    """The aspect's name in the active language: a shipped aspect's translated name, or the tag's label."""
    from django.utils.translation import get_language

    if aspect in ASPECT_NAMES:
        return ASPECT_NAMES[aspect]
    lang = (get_language() or "zh-hans").lower()
    return (label_en if lang.startswith("en") else label_zh) or label_zh or label_en or aspect


def _names():
    from django.utils.translation import gettext_lazy as _

    return {
        "quality": _("Quality"), "fit": _("Fit and size"), "value": _("Value for money"), "battery": _("Battery"),
        "taste": _("Taste"), "packaging": _("Packaging"), "delivery": _("Delivery"),
    }


ASPECT_NAMES = _names()
assert set(ASPECT_NAMES) == set(lexicon.ASPECTS)


def aspect_summary(*, brand_id, product_id=None, today=None):
    """Per aspect over the last ``INSIGHTS_PERIOD_DAYS`` days (ending today) and the period before:
    volume, positive and negative shares, change of volume, and the rising-complaint test.
    One query."""
    today = today or timezone.localdate()
    days = period_days()
    start = today - timedelta(days=days - 1)
    before = start - timedelta(days=days)
    now_q, before_q = Q(day__gte=start), Q(day__lt=start)
    qs = AspectDaily.objects.filter(brand_id=brand_id, day__gte=before, day__lte=today)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    rows = (
        qs.values("aspect")
        .annotate(
            n=Sum("mentions", filter=now_q), pos=Sum("positive", filter=now_q), neg=Sum("negative", filter=now_q),
            pn=Sum("mentions", filter=before_q), pneg=Sum("negative", filter=before_q),
            lz=Max("label_zh"), le=Max("label_en"),
        )
        .order_by()
    )
    out = []
    for r in rows:
        n, pos, neg, pn, pneg = (r[k] or 0 for k in ("n", "pos", "neg", "pn", "pneg"))
        z, p = negative_share_rise_p(neg, n, pneg, pn)
        rising = (p is not None and p < rising_p() and n >= rising_min_mentions() and pn >= rising_min_mentions())
        out.append({
            "aspect": r["aspect"], "label": aspect_label(r["aspect"], r["lz"] or "", r["le"] or ""),
            "mentions": n, "positive": pos, "negative": neg,
            "positive_share": _share(pos, n), "negative_share": _share(neg, n),
            "mentions_before": pn, "negative_before": pneg, "negative_share_before": _share(pneg, pn),
            "change": (n - pn) / pn if pn else None, "z": z, "p": p, "rising": rising, "quotes": [],
        })
    out.sort(key=lambda a: (-a["mentions"], -a["mentions_before"], a["aspect"]))
    return {"aspects": out, "start": start, "end": today, "before": before, "days": days}


def quotes(*, brand_id, product_id=None, per_aspect=QUOTES_PER_ASPECT):
    """{aspect: [quote rows]}: the best ``per_aspect`` quotable sentences per aspect (quality,
    then newest), each with its review and product for the link. One query."""
    qs = AspectMention.objects.filter(brand_id=brand_id, quotable=True)
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    qs = qs.annotate(rank=Window(RowNumber(), partition_by=[F("aspect")],
                                 order_by=[F("quality").desc(), F("day").desc(), F("id").desc()]))
    rows = qs.filter(rank__lte=per_aspect).values("aspect", "quote", "polarity", "review_id", "day", "product__slug",
                                                   "product__name_zh", "product__name_en")
    out = {}
    for r in rows.order_by("aspect", "rank"):
        out.setdefault(r["aspect"], []).append(r)
    return out


def idea_themes(*, brand_id, limit=THEMES_SHOWN):
    return list(IdeaTheme.objects.filter(brand_id=brand_id).order_by("-votes", "-size", "-latest_at", "id")[:limit])


def brand_insights(*, brand_id, product_id=None, today=None):
    """Everything the page shows for one brand (or one of its products): four queries."""
    summary = aspect_summary(brand_id=brand_id, product_id=product_id, today=today)
    by_aspect = quotes(brand_id=brand_id, product_id=product_id)
    for a in summary["aspects"]:
        a["quotes"] = by_aspect.get(a["aspect"], [])
    complaints = sorted((a for a in summary["aspects"] if a["negative"]),
                        key=lambda a: (-a["negative"], -(a["negative_share"] or 0), a["aspect"]))[:TOP_COMPLAINTS]
    rising = sorted((a for a in summary["aspects"] if a["rising"]), key=lambda a: (a["p"], a["aspect"]))
    state = InsightsState.objects.filter(name="main").values("last_run_at").first()
    return {
        **summary, "complaints": complaints, "rising": rising,
        "themes": idea_themes(brand_id=brand_id) if product_id is None else [],
        "last_run_at": state["last_run_at"] if state else None,
        "rising_p": rising_p(), "rising_min": rising_min_mentions(),
    }


def brand_products(brand_id):
    return list(Product.objects.filter(brand_id=brand_id).order_by("name_zh", "id").only("id", "name_zh", "name_en"))
