from django.urls import path

from gamification.api import views

app_name = "gamification-api"

urlpatterns = [
    path("me/points/", views.PointsMeApi.as_view(), name="me-points"),
    path("me/checkin/", views.CheckinApi.as_view(), name="me-checkin"),
]
