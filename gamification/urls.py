"""Two URL namespaces: ``gamification`` (the shopper's own points and check-in) and
``gamification_public`` (badges, leaderboards, the rewards store); config/urls.py includes both."""
from django.urls import path

from gamification import views

app_name = "gamification"

urlpatterns = [
    path("me/points/", views.points, name="points"),
    path("me/checkin/", views.checkin, name="checkin"),
]

public_urlpatterns = [
    path("badges/", views.badge_list, name="badge_list"),
    path("badges/<slug:slug>/", views.badge_detail, name="badge_detail"),
    path("leaderboards/", views.leaderboard, name="leaderboard"),
    path("rewards/", views.reward_store, name="reward_store"),
    path("rewards/<int:reward_id>/redeem/", views.reward_redeem, name="reward_redeem"),
    path("me/rewards/", views.my_rewards, name="my_rewards"),
]
