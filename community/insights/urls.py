"""Brand insights pages, mounted at /dashboard/brand/insights/ by config.urls (``insights:`` names)."""
from django.urls import path

from community.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.brand_insights, name="brand"),
    path("ideas/<int:entry_id>/adopt/", views.idea_adopt, name="idea_adopt"),
    path("csv/<slug:table>/", views.brand_insights_csv, name="csv"),
]
