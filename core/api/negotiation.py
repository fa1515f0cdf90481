"""DRF's content negotiation, answering the common ``Accept`` headers without parsing them.

Nearly every API client sends no ``Accept`` header, ``*/*``, or the first renderer's own type
(``application/json``). For those DRF parses the header, orders it by precedence and matches
every renderer, on every request, to pick the first renderer; here they are answered at once, with
what DRF answers (``tests/test_api_negotiation.py`` compares the two). Anything else (a format
override, the browsable API, a quality list) goes to DRF.
"""
from rest_framework.negotiation import DefaultContentNegotiation


class QuickContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        # A first renderer whose type has parameters (``application/json; charset=utf-8``) does not
        # match ``*/*`` in DRF: DRF decides, as it does with no renderer at all (406).
        first = renderers[0] if renderers else None
        if first is not None and ";" not in first.media_type and format_suffix is None \
                and self.settings.URL_FORMAT_OVERRIDE not in request.query_params:
            accept = request.META.get("HTTP_ACCEPT", "*/*")
            if accept == "*/*" or accept == first.media_type:
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
