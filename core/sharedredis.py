"""The Redis client under the shared cache, for what the cache API cannot say in one round trip
(pipelines, scripts): the rate limits' logs and the daily vote cap (``core.windowcount``). Keys go
through ``cache.make_key``, so they carry the cache's prefix and version and a test's
``cache.clear()`` forgets them."""
from django.core.cache import cache


def raw_client():
    """The Redis client under django-redis, or None for another backend (the embedded default's
    local memory)."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client is not None else None
