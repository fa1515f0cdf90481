from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="product_list"),
    path("products/<slug:slug>/", views.product_detail, name="product_detail"),
    path("products/<slug:slug>/rate/", views.product_rate, name="product_rate"),
    path("products/<slug:slug>/review/", views.review_details, name="review_details"),
    path("reviews/<int:review_id>/helpful/", views.review_helpful, name="review_helpful"),
    path("me/", views.profile, name="profile"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:notification_id>/open/", views.notification_open, name="notification_open"),
    path("help/reviews-and-rewards/", views.incentives, name="incentives"),
]
