"""Rebuild every cached counter from its rows (votes -> reviews, reviews -> products, and
whatever the apps above register: entry votes -> entries and challenges, poll votes -> poll
options)."""
from community.models import Product, Review
from community.services import product_stats_refresh, review_recount_votes

# Rebuilders of higher layers' counters (co-creation registers its own at start): each
# returns how many rows it fixed, 0 on healthy data.
REBUILDERS = []


def counters_register(rebuild):
    if rebuild not in REBUILDERS:
        REBUILDERS.append(rebuild)
    return rebuild


def counters_rebuild(*, progress=None):
    """Return how many reviews, entries and challenges had wrong counts; product caches
    are rewritten from rows."""
    fixed = 0
    reviews = Review.objects.filter(votes__isnull=False).distinct().only(
        "id", "helpful_count", "not_helpful_count", "helpful_score"
    )
    wrong = Review.objects.exclude(helpful_count=0, not_helpful_count=0).exclude(votes__isnull=False)
    for review in wrong.only("id", "helpful_count", "not_helpful_count", "helpful_score").iterator():
        fixed += review_recount_votes(review)
    for review in reviews.iterator(chunk_size=2000):
        fixed += review_recount_votes(review)
    product_ids = list(Product.objects.values_list("id", flat=True))
    for i, product_id in enumerate(product_ids, 1):
        product_stats_refresh(product_id=product_id)
        if progress and (i % 100 == 0 or i == len(product_ids)):
            progress(i, len(product_ids))
    for rebuild in REBUILDERS:
        fixed += rebuild()
    return fixed
