"""The API's URL includes share no route, nor do the page includes at the root, so their order in
config/urls.py changes no answer (the shoppers' API and pages go first, for their hot reads: issue
16). A sample path of every route of one include resolves in no other."""
import re

import pytest
from django.urls import Resolver404
from django.urls.resolvers import URLResolver

from config import urls

SAMPLES = {"int": "7", "slug": "some-slug", "str": "abc", "uuid": "12345678-1234-1234-1234-123456789012",
           "path": "a/b"}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def _sample(route):
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route)


def _includes(prefix):
    return [p for p in urls.urlpatterns if isinstance(p, URLResolver) and str(p.pattern) == prefix]


def _overlaps(includes, prefix):
    """(routes checked, [a route of one include that also resolves in another])."""
    checked, overlaps = 0, []
    for i, include in enumerate(includes):
        for route in _routes(include.url_patterns):
            path = prefix + _sample(route)
            assert include.resolve(path), path
            for j, other in enumerate(includes):
                if j == i:
                    continue
                try:
                    match = other.resolve(path)
                except Resolver404:
                    continue
                overlaps.append(f"{path} resolves in include {i} and in include {j} ({match.view_name})")
            checked += 1
    return checked, overlaps


@pytest.mark.parametrize("prefix, first", [("api/", "api"), ("", "community")])
def test_no_route_resolves_in_another_include_of_its_prefix(prefix, first):
    includes = _includes(prefix)
    assert len(includes) == 5 and includes[0].namespace == first  # the shoppers' API / pages first
    checked, overlaps = _overlaps(includes, prefix)
    assert not overlaps
    assert checked > 40  # every route of the five (44 API routes and 48 pages when written)


def test_the_check_finds_an_overlap():
    # The same include twice: every one of its routes resolves in the other copy.
    include = _includes("")[0]
    checked, overlaps = _overlaps([include, include], "")
    assert checked and len(overlaps) == checked
