"""Challenge pages; included in community.urls, so names are ``community:challenge_*``."""
from django.urls import path

from community.cocreation import views as v

urlpatterns = [
    path("challenges/", v.challenge_list, name="challenge_list"),
    path("challenges/<int:challenge_id>/", v.challenge_detail, name="challenge_detail"),
    path("challenges/<int:challenge_id>/entries/", v.entry_submit, name="entry_submit"),
    path("entries/<int:entry_id>/", v.entry_detail, name="entry_detail"),
    path("entries/<int:entry_id>/vote/", v.entry_vote, name="entry_vote"),
    path("entries/<int:entry_id>/comments/", v.entry_comment, name="entry_comment"),
    path("polls/options/<int:option_id>/vote/", v.poll_vote, name="poll_vote"),
    path("u/<int:user_id>/", v.user_public, name="user_public"),
    path("me/entries/", v.my_entries, name="my_entries"),
    path("me/votes/", v.my_votes, name="my_votes"),
]
