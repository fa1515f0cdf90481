"""Checks shared by the tests of pages served from stored layouts and bodies (community.pagecache)."""
import re

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def without_csrf(html):
    """The page with its (masked, different on every load) CSRF form tokens left out."""
    return CSRF.sub("", html)


def assert_stored_matches_live(settings, load):
    """``load()`` the page rendered live (stored parts off), then three times with them on (cold,
    then from the cache): no unfilled slot in any, and all four the same. Returns the live page."""
    settings.PAGE_FRAGMENT_SECONDS = 0
    live = load()
    settings.PAGE_FRAGMENT_SECONDS = 3600
    stored = [load() for _ in range(3)]
    assert ["slot-" in html for html in stored + [live]] == [False] * 4
    assert stored[0] == stored[1] == stored[2] == live
    return live
