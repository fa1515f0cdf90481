from django.urls import path

from community.api import views

app_name = "api"

urlpatterns = [
    path("products/", views.ProductListApi.as_view(), name="product-list"),
    path("products/<slug:slug>/", views.ProductDetailApi.as_view(), name="product-detail"),
    path("products/<slug:slug>/reviews/", views.ProductReviewListApi.as_view(), name="product-review-list"),
    path("reviews/", views.ReviewPostApi.as_view(), name="review-post"),
    path("reviews/<int:review_id>/", views.ReviewDetailApi.as_view(), name="review-detail"),
    path("reviews/<int:review_id>/photos/", views.ReviewPhotoAddApi.as_view(), name="review-photo-add"),
    path(
        "reviews/<int:review_id>/photos/<int:photo_id>/",
        views.ReviewPhotoRemoveApi.as_view(),
        name="review-photo-remove",
    ),
    path("reviews/<int:review_id>/photos/order/", views.ReviewPhotoOrderApi.as_view(), name="review-photo-order"),
    path("reviews/<int:review_id>/helpful/", views.ReviewHelpfulVoteApi.as_view(), name="review-helpful"),
    path("me/", views.UserMeApi.as_view(), name="me"),
    path("auth/token/", views.AuthTokenObtainApi.as_view(), name="auth-token"),
]
