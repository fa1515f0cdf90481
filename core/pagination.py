from django.core.paginator import Paginator
from django.utils.functional import cached_property


class KnownCountPaginator(Paginator):
    """A Paginator that trusts a count the caller already has.

    The product page counts reviews from ``product.rating_count`` (a cache kept
    by product_stats_refresh), so a product with 10k reviews costs no COUNT(*).
    """

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = max(0, int(count or 0))

    @cached_property
    def count(self):
        return self._known_count
