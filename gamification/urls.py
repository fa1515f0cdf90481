from django.urls import path

from gamification import views

app_name = "gamification"

urlpatterns = [
    path("me/points/", views.points, name="points"),
    path("me/checkin/", views.checkin, name="checkin"),
]
