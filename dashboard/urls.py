from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("dashboard/", views.operator_page, name="operator"),
    path("dashboard/csv/<slug:table>/", views.csv_export, name="csv"),
    path("dashboard/brand/", views.brand_page, name="brand"),
    path("dashboard/brand/csv/<slug:table>/", views.brand_csv_export, name="brand_csv"),
]
