"""Trial program pages and the brand page (its trials, "you said, we did"); included in community.urls, so names are ``community:trial_*``."""
from django.urls import path

from community.trials import views as views_trials

urlpatterns = [
    path("trials/", views_trials.trial_list, name="trial_list"),
    path("trials/<int:program_id>/", views_trials.trial_detail, name="trial_detail"),
    path("trials/<int:program_id>/report/", views_trials.trial_report, name="trial_report"),
    path("me/trials/", views_trials.my_trials, name="my_trials"),
    path("trials/<int:program_id>/shipping/withdraw/", views_trials.trial_shipping_withdraw,
         name="trial_shipping_withdraw"),
    path("brands/<slug:slug>/", views_trials.brand_detail, name="brand_detail"),
]
