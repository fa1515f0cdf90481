from django.urls import path

from gamification import views_public as views

app_name = "gamification_public"

urlpatterns = [
    path("badges/", views.badge_list, name="badge_list"),
    path("badges/<slug:slug>/", views.badge_detail, name="badge_detail"),
    path("leaderboards/", views.leaderboard, name="leaderboard"),
    path("rewards/", views.reward_store, name="reward_store"),
    path("rewards/<int:reward_id>/redeem/", views.reward_redeem, name="reward_redeem"),
    path("me/rewards/", views.my_rewards, name="my_rewards"),
]
