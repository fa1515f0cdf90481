from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from community import urls as community_urls
from community.api import urls as community_api_urls
from community.cocreation import urls as cocreation_urls
from community.cocreation.api import challenges as cocreation_api, polls as polls_api
from community.privacy import api as privacy_api, urls as privacy_urls
from community.trials import api as trials_api, urls as trials_urls
from dashboard import api as dashboard_api
from gamification import urls as gamification_urls

# Challenges and trials are their own apps, but their pages and API keep the paths and
# names they had inside community (``community:challenge_list``, ``api:...``), so
# bookmarks, templates and API clients are unchanged.
community_pages = [*community_urls.urlpatterns, *trials_urls.urlpatterns, *cocreation_urls.urlpatterns]
community_api = [
    *community_api_urls.urlpatterns,
    path("trials/", include(trials_api.urlpatterns)),
    *cocreation_api.urlpatterns,
    *polls_api.urlpatterns,
    *privacy_api.urlpatterns,
]

# Admin pages of the models that moved apps: old bookmarks land on the new pages.
MOVED_ADMIN = {
    "cocreation": "challenge|challengeevent|challengeparticipant|entry|entryimage|entryvote|entrycomment|polloption|pollvote",
    "trials": "trialprogram|trialapplication",
}
admin_redirects = [
    re_path(rf"^admin/community/(?P<rest>(?:{models})/.*)$", RedirectView.as_view(url=f"/admin/{app}/%(rest)s",
                                                                                query_string=True, permanent=True))
    for app, models in MOVED_ADMIN.items()
]

urlpatterns = [
    *admin_redirects,
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # The shoppers' API first: its paths share no route with the others (tests/test_urls_order.py),
    # and its hot reads (review lists, votes) then resolve without walking the others' patterns.
    path("api/", include((community_api, "api"))),
    path("api/", include("moderation.api.urls")),
    path("api/", include("gamification.api.urls")),
    path("api/", include("gamification.api.recognition")),
    path("api/", include((dashboard_api.urlpatterns, "dashboard_api"))),
    path("moderation/", include("moderation.urls")),
    path("dashboard/brand/insights/", include("community.insights.urls")),
    # The shoppers' pages first among the includes at the root, for the same reason: the product
    # page no longer walks 27 other patterns (tests/test_urls_order.py).
    path("", include((community_pages, "community"))),
    path("", include("dashboard.urls")),
    path("", include("gamification.urls")),
    path("", include((gamification_urls.public_urlpatterns, "gamification_public"))),
    path("", include(privacy_urls)),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Paths under /api/ answer errors in the API's JSON shape, other paths with the HTML pages.
handler400 = "core.api.errors.handler400"
handler403 = "core.api.errors.handler403"
handler404 = "core.api.errors.handler404"
handler500 = "core.api.errors.handler500"
