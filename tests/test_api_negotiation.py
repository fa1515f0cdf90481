"""The API's content negotiation (core/api/negotiation.py) answers as DRF's does, for the headers it
answers itself and for the ones it hands on."""
import pytest
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.api.negotiation import QuickContentNegotiation

class CharsetJSONRenderer(JSONRenderer):
    media_type = "application/json; charset=utf-8"


RENDERER_LISTS = {
    "the API's": [JSONRenderer(), BrowsableAPIRenderer()],
    "browsable first": [BrowsableAPIRenderer(), JSONRenderer()],
    "a first type with parameters": [CharsetJSONRenderer(), BrowsableAPIRenderer()],
}


@pytest.mark.parametrize("renderers", RENDERER_LISTS.values(), ids=RENDERER_LISTS.keys())
@pytest.mark.parametrize("path, headers", [
    ("/api/x/", {}),
    ("/api/x/", {"HTTP_ACCEPT": "*/*"}),
    ("/api/x/", {"HTTP_ACCEPT": "application/json"}),
    ("/api/x/", {"HTTP_ACCEPT": "application/json; indent=4"}),
    ("/api/x/", {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}),
    ("/api/x/", {"HTTP_ACCEPT": "text/html"}),
    ("/api/x/?format=api", {"HTTP_ACCEPT": "*/*"}),
    ("/api/x/?format=json", {}),
])
def test_the_quick_negotiation_answers_as_drfs(path, headers, renderers):
    def answer(negotiation):
        request = Request(APIRequestFactory().get(path, **headers))
        try:
            renderer, media_type = negotiation.select_renderer(request, renderers)
        except NotAcceptable:
            return "406"
        return type(renderer), media_type

    assert answer(QuickContentNegotiation()) == answer(DefaultContentNegotiation())


def test_a_format_suffix_goes_to_drf():
    request = Request(APIRequestFactory().get("/api/x.api", HTTP_ACCEPT="*/*"))
    renderer, _media_type = QuickContentNegotiation().select_renderer(
        request, RENDERER_LISTS["the API's"], format_suffix="api")
    assert isinstance(renderer, BrowsableAPIRenderer)


def test_no_renderer_is_drfs_406():
    request = Request(APIRequestFactory().get("/api/x/"))
    with pytest.raises(NotAcceptable):
        QuickContentNegotiation().select_renderer(request, [])


@pytest.mark.django_db
def test_the_api_uses_it(client):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS is QuickContentNegotiation
    assert client.get("/api/products/", HTTP_ACCEPT="*/*")["Content-Type"] == "application/json"
