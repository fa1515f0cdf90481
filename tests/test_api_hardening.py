"""The API under hostile or unusual input: every answer under /api/ is the JSON error
shape (never Django's HTML pages, never a 500 for bad input), and responses match the
published schema, nulls included.

Deeply nested JSON (core/api/parsers.py), Django's own errors under /api/ (the
handlers in core/api/errors.py named in config/urls.py) and nullable output fields.
"""
import json

import jsonschema
import pytest
from django.test.client import BOUNDARY, encode_multipart
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from community import services
from core.api.parsers import MAX_DEPTH, nesting_exceeds

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    # A 500 comes back as a response (what a client would see), not as the exception.
    return APIClient(raise_request_exception=False)


@pytest.fixture
def token_api(shopper):
    client = APIClient(raise_request_exception=False)
    token, _ = Token.objects.get_or_create(user=shopper)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def review(shopper, product):
    # A rating alone is published at once, so everyone can read it.
    review, _ = services.review_post(author=shopper, product=product, rating=4)
    return review


def _error(resp, status):
    assert resp.status_code == status, resp.content[:500]
    assert resp["Content-Type"].startswith("application/json"), resp["Content-Type"]
    body = resp.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def _nested(depth):
    return "[" * depth + "]" * depth


# --- deeply nested JSON ----------------------------------------------------------------------


@pytest.mark.parametrize("depth", [2_000, 5_000, 20_000])
def test_deep_json_on_the_token_endpoint_is_a_400(api, settings, depth):
    settings.DEBUG = False  # as in production
    body = '{"email":' + _nested(depth) + "}"
    err = _error(api.generic("POST", "/api/auth/token/", body, content_type="application/json"), 400)
    assert err["code"] == "parse_error"


@pytest.mark.parametrize("depth", [2_000, 5_000, 20_000])
def test_deep_json_on_reviews_is_a_400(token_api, product, review, depth):
    body = f'{{"product": "{product.slug}", "rating": 5, "tags": {_nested(depth)}}}'
    _error(token_api.generic("POST", "/api/reviews/", body, content_type="application/json"), 400)
    _error(token_api.generic("PATCH", f"/api/reviews/{review.pk}/", body, content_type="application/json"), 400)
    review.refresh_from_db()
    assert review.rating == 4


def test_deep_json_on_views_listing_their_parsers_is_a_400(token_api, review):
    """/api/me/ and the challenge entry list name their parsers instead of the default."""
    body = f'{{"display_name": {_nested(5_000)}}}'
    _error(token_api.generic("PATCH", "/api/me/", body, content_type="application/json"), 400)
    _error(token_api.generic("POST", "/api/challenges/1/entries/", body, content_type="application/json"), 400)


def test_nesting_past_the_limit_is_refused_even_when_python_decodes_it(token_api, review):
    shallow = '{"rating": 2, "tags": []}'
    resp = token_api.generic("PATCH", f"/api/reviews/{review.pk}/", shallow, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["rating"] == 2
    deep = f'{{"rating": 3, "tags": {_nested(MAX_DEPTH + 5)}}}'
    err = _error(token_api.generic("PATCH", f"/api/reviews/{review.pk}/", deep, content_type="application/json"), 400)
    assert str(MAX_DEPTH) in err["message"]
    review.refresh_from_db()
    assert review.rating == 2


def test_nesting_exceeds_counts_levels():
    assert not nesting_exceeds({"a": [1, {"b": []}]}, 4)  # object, list, object, list
    assert nesting_exceeds({"a": [1, {"b": [[]]}]}, 4)
    assert not nesting_exceeds("scalar", 0)
    assert not nesting_exceeds(json.loads(_nested(MAX_DEPTH)), MAX_DEPTH)
    assert nesting_exceeds(json.loads(_nested(MAX_DEPTH + 1)), MAX_DEPTH)


# --- Django's own errors under /api/ answer in the JSON shape --------------------------------------


def test_oversized_body_is_a_json_400(token_api, api, product, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"product": product.slug, "rating": 5, "text": "x" * 5_000})
    err = _error(token_api.generic("POST", "/api/reviews/", body, content_type="application/json"), 400)
    assert err["code"] == "too_large"
    err = _error(api.generic("POST", "/api/auth/token/", body, content_type="application/json"), 400)
    assert err["code"] == "too_large"
    # A form body over the limit, read by DRF's form parser.
    form = "display_name=" + "x" * 5_000
    err = _error(token_api.generic("PATCH", "/api/me/", form, content_type="application/x-www-form-urlencoded"), 400)
    assert err["code"] == "too_large"
    # And a multipart one, read by Django's multipart parser under DRF's.
    multipart = encode_multipart(BOUNDARY, {"display_name": "x" * 5_000})
    resp = token_api.generic("PATCH", "/api/me/", multipart, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert _error(resp, 400)["code"] == "too_large"


def test_unknown_api_urls_are_a_json_404_and_pages_stay_html(api):
    for path in ["/api/no-such-thing/", "/api/reviews/not-a-number/", "/api/reviews/1/nope/"]:
        assert _error(api.get(path), 404)["code"] == "not_found"
    page = api.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_405_415_and_429_are_json(api, token_api, product, monkeypatch):
    assert _error(token_api.delete("/api/products/"), 405)["code"] == "method_not_allowed"
    resp = token_api.generic("POST", "/api/reviews/", "rating=5", content_type="text/plain")
    assert _error(resp, 415)["code"] == "unsupported_media_type"
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1/min", "user": "1000/min", "writes": "1000/min"})
    api.get("/api/products/")
    err = _error(api.get("/api/products/"), 429)
    assert err["code"] == "throttled" and err["retry_after"] > 0


def test_a_server_error_under_api_is_json_and_pages_stay_html(api, monkeypatch, rf):
    from community import selectors
    from core.api import errors

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "product_list", broken)
    err = _error(api.get("/api/products/"), 500)
    assert err["code"] == "server_error" and "boom" not in err["message"]
    # The same handler keeps the HTML page for the site's pages.
    page = errors.handler500(rf.get("/products/"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    assert errors.handler403(rf.get("/moderation/"), None)["Content-Type"].startswith("text/html")
    denied = errors.handler403(rf.get("/api/moderation/queue/"), None)
    assert denied.status_code == 403 and json.loads(denied.content)["error"]["code"] == "permission_denied"


# --- responses match the schema, nulls included -------------------------------------------------


def _openapi(client):
    resp = client.get("/api/schema/", {"format": "json"})
    assert resp.status_code == 200
    return json.loads(resp.content)


def _as_json_schema(node, components):
    """OpenAPI 3.0 → JSON Schema: refs inlined, ``nullable`` as an explicit null."""
    if isinstance(node, list):
        return [_as_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _as_json_schema(components[node["$ref"].rsplit("/", 1)[-1]], components)
    out = {key: _as_json_schema(value, components) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def _assert_conforms(openapi, resp, path, method):
    operation = openapi["paths"][path][method]
    documented = operation["responses"][str(resp.status_code)]["content"]["application/json"]["schema"]
    schema = _as_json_schema(documented, openapi["components"]["schemas"])
    jsonschema.validate(resp.json(), schema)


def test_me_without_an_avatar_conforms_to_the_schema(token_api, shopper):
    openapi = _openapi(token_api)
    field = openapi["components"]["schemas"]["UserMeOutput"]["properties"]["avatar_url"]
    assert field.get("nullable") is True and field.get("format") == "uri"
    resp = token_api.get("/api/me/")
    assert resp.status_code == 200 and resp.json()["avatar_url"] is None
    _assert_conforms(openapi, resp, "/api/me/", "get")


def test_reads_with_empty_optional_fields_conform_to_the_schema(token_api, api, product, review):
    openapi = _openapi(api)
    for client in (api, token_api):
        for path, template in [
            ("/api/products/", "/api/products/"),
            (f"/api/products/{product.slug}/", "/api/products/{slug}/"),
            (f"/api/products/{product.slug}/reviews/", "/api/products/{slug}/reviews/"),
            (f"/api/reviews/{review.pk}/", "/api/reviews/{review_id}/"),
            ("/api/badges/", "/api/badges/"),
            ("/api/leaderboards/", "/api/leaderboards/"),
            ("/api/rewards/", "/api/rewards/"),
            ("/api/challenges/", "/api/challenges/"),
            ("/api/trials/", "/api/trials/"),
        ]:
            resp = client.get(path)
            assert resp.status_code == 200, (path, resp.content[:300])
            _assert_conforms(openapi, resp, template, "get")
    for path in ["/api/me/points/", "/api/notifications/", "/api/me/rewards/"]:
        resp = token_api.get(path)
        assert resp.status_code == 200, (path, resp.content[:300])
        _assert_conforms(openapi, resp, path, "get")


def test_error_responses_conform_to_the_schema(api, token_api, review):
    openapi = _openapi(api)
    _assert_conforms(openapi, api.get("/api/reviews/999999/"), "/api/reviews/{review_id}/", "get")
    resp = token_api.generic("PATCH", f"/api/reviews/{review.pk}/", _nested(3_000), content_type="application/json")
    _assert_conforms(openapi, resp, "/api/reviews/{review_id}/", "patch")
