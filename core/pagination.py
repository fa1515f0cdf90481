from math import ceil

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# How deep page numbers reach into one list. OFFSET pagination reads and throws away every
# row before the page, so page 480 of a 10,000-review product cost 68 ms of SQL; past this
# depth people narrow the list with its filters instead (stars, tag, photos, sort).
MAX_PAGINATION_DEPTH = 1000


class DepthCappedPaginator(Paginator):
    """A Paginator whose page numbers stop at ``max_items`` items (the count stays true)."""

    def __init__(self, object_list, per_page, *, max_items=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.max_items = MAX_PAGINATION_DEPTH if max_items is None else max_items

    @cached_property
    def num_pages(self):
        count = self.count if self.max_items is None else min(self.count, self.max_items)
        if count == 0 and not self.allow_empty_first_page:
            return 0
        return ceil(max(1, count - self.orphans) / self.per_page)

    @property
    def capped(self) -> bool:
        """Some items lie past the last page number."""
        return self.max_items is not None and self.count > self.max_items


class KnownCountPaginator(DepthCappedPaginator):
    """A depth-capped Paginator that trusts a count the caller already has.

    The product page counts reviews from ``product.rating_count`` (a cache kept
    by product_stats_refresh), so a product with 10k reviews costs no COUNT(*).
    """

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = max(0, int(count or 0))

    @cached_property
    def count(self):
        return self._known_count
