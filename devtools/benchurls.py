"""URLconf for benchmark servers only: the site's own URLs plus one trivial view.

The trivial view goes through the same middleware stack as every page, so it
measures the fixed cost of a Django request on this machine (the yardstick for
"product page throughput >= 40% of a trivial view").
"""
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench-trivial"), *site_urlpatterns]
