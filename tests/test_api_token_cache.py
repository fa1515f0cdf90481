"""The cached token lookup (core/api/authentication.py): one query less per API request, and
a deleted token or a deactivated user is refused on the very next request."""
import pickle

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.api.authentication import token_cache_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(shopper):
    token = Token.objects.create(user=shopper)
    cache.clear()  # the user was just created: nothing is "recently changed" any more
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, token


def test_the_second_request_does_not_look_the_token_up(signed_in, django_assert_num_queries):
    client, token = signed_in
    assert client.get("/api/me/").status_code == 200
    # /api/me/: the review count (the level is cached since the first request); no token query.
    with django_assert_num_queries(1):
        resp = client.get("/api/me/")
    assert resp.status_code == 200 and resp.json()["id"] == token.user_id
    stored = pickle.dumps(cache.get(token_cache_key(token.key)))
    assert token.user.password.encode() not in stored  # the password hash stays in the database


def test_a_deleted_token_is_refused_at_once(signed_in):
    client, token = signed_in
    assert client.get("/api/me/").status_code == 200
    Token.objects.filter(pk=token.pk).delete()
    assert client.get("/api/me/").status_code == 401


def test_a_deactivated_user_is_refused_at_once(signed_in, shopper):
    client, _token = signed_in
    assert client.get("/api/me/").status_code == 200
    shopper.is_active = False
    shopper.save(update_fields=["is_active"])
    assert client.get("/api/me/").status_code == 401


def test_a_user_changed_while_the_token_was_read_is_not_kept(signed_in, shopper, django_assert_num_queries):
    client, token = signed_in
    shopper.display_name = "Renamed"
    shopper.save(update_fields=["display_name"])  # marks the user changed for a minute
    assert client.get("/api/me/").json()["display_name"] == "Renamed"
    assert cache.get(token_cache_key(token.key)) == "retired"
    with django_assert_num_queries(2):  # the token is looked up again while the mark lasts
        assert client.get("/api/me/").status_code == 200


def test_an_unknown_token_is_refused_with_drfs_message():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    resp = client.get("/api/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 401
    assert resp.json()["error"]["message"] == "Invalid token."


def test_an_account_closed_by_a_queryset_update_is_refused_at_once(signed_in, shopper):
    """Account erasure deactivates the row with update(), which sends no post_save: it retires
    the cached look-up itself (community.privacy.services.account_erase)."""
    from core.api.authentication import user_tokens_forget

    client, _token = signed_in
    assert client.get("/api/me/").status_code == 200
    type(shopper).objects.filter(pk=shopper.pk).update(is_active=False)
    user_tokens_forget(shopper.pk)
    assert client.get("/api/me/").status_code == 401


def test_account_erasure_refuses_the_token_at_once(signed_in, shopper):
    from datetime import timedelta

    from django.utils import timezone

    from community.privacy import services as privacy_services
    from community.privacy.models import DeletionRequest

    client, _token = signed_in
    assert client.get("/api/me/").status_code == 200
    request = DeletionRequest.objects.create(user=shopper, status=DeletionRequest.Status.SCHEDULED,
                                             scheduled_for=timezone.now() - timedelta(minutes=1))
    with pytest.MonkeyPatch.context() as mp:  # stop right after the deactivation: the rest is erasure's own tests
        mp.setattr(privacy_services, "personal_data_entries", lambda: [])
        privacy_services.account_erase(request_id=request.pk)
    assert client.get("/api/me/").status_code == 401
