"""The version of a product's review lists: a random token in the cache that every change to
what a list shows replaces (issue 16, signed-in review list API).

Shared answers (the review list API's cards, the same for every viewer) are stored with the
token they were built at and served only while it is still the current one, so a vote, an edit,
a new review, a photo or a moderation decision is visible to everyone on the next request, not
after an expiry. The services that make such changes call ``review_list_changed``: at once (so a
request in the same transaction, e.g. a test, sees it) and again after commit (a request that
read the old rows while the transaction was open stored them under the token replaced now).

What is not versioned here: an author's level (gamification's cache), which the stored answers
show for at most ``REVIEW_LIST_SHARED_SECONDS``; a change of name or avatar retires every shared
answer at once through the public-profile generation (community.privacy).
"""
from core.versions import version_bump, version_read

# A token outlives the answers stored under it by far; when it is evicted, the next reader
# makes a new one, which only costs a rebuild.
VERSION_SECONDS = 24 * 3600


def review_list_version_key(product_id) -> str:
    return f"cocreate:reviews-version:{int(product_id)}"


def review_list_version(product_id) -> str:
    """The current token (made when there is none); read it *before* reading the rows."""
    return version_read(review_list_version_key(product_id), VERSION_SECONDS)


def review_list_changed(*product_ids) -> None:
    """Retire every stored list answer of these products: now and again after commit."""
    ids = {int(pid) for pid in product_ids if pid is not None}
    version_bump([review_list_version_key(pid) for pid in ids], VERSION_SECONDS)
