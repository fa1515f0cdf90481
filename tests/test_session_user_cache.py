"""The signed-in user of a web session read from the cache (core/sessionauth.py): used only while
the user's generation is current and the session's hash matches; any change of the user is seen on
the next request; the password hash never enters the cache."""
import pickle

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from core import sessionauth
from core.api.authentication import session_user_key, user_tokens_forget

pytestmark = pytest.mark.django_db

ME = "/api/me/points/"


@pytest.fixture(autouse=True)
def _clear():
    cache.clear()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_second_request_reads_no_user_row(shopper, django_assert_num_queries):
    client = signed_in(shopper)
    client.get("/bench-no-such-page/")  # reads the row and stores it (and the header's counts)
    with django_assert_num_queries(0):
        client.get("/bench-no-such-page/")  # a 404 page: the layout asks the user only
    entry = cache.get(session_user_key(shopper.pk))
    assert entry[1].pk == shopper.pk
    assert "password" not in vars(entry[1])
    assert shopper.password.encode() not in pickle.dumps(entry)


def test_a_new_password_signs_out_the_other_sessions_at_once(shopper):
    phone, laptop = signed_in(shopper), signed_in(shopper)
    for client in (phone, laptop):
        assert client.get(ME).status_code == 200
        assert client.get(ME).status_code == 200  # from the cache
    user = get_user_model().objects.get(pk=shopper.pk)
    user.set_password("a-new-password-9")
    user.save()
    assert phone.get(ME).status_code in (401, 403)
    assert laptop.get(ME).status_code in (401, 403)


def test_a_deactivated_account_is_signed_out_at_once(shopper):
    client = signed_in(shopper)
    for _ in range(2):
        assert client.get(ME).status_code == 200
    shopper.is_active = False
    shopper.save(update_fields=["is_active"])
    assert client.get(ME).status_code in (401, 403)


def test_a_write_around_save_is_seen_through_user_tokens_forget(shopper):
    """An account being closed is an update() (no signal): the erasure calls user_tokens_forget."""
    client = signed_in(shopper)
    for _ in range(2):
        assert client.get(ME).status_code == 200
    get_user_model().objects.filter(pk=shopper.pk).update(is_active=False)
    user_tokens_forget(shopper.pk)
    assert client.get(ME).status_code in (401, 403)


def test_a_user_read_while_it_changed_is_never_served(shopper, monkeypatch, django_assert_num_queries):
    """The generation is read before the row: a change between the two leaves the stored entry
    under a retired generation, so the next request reads the row again."""
    real = sessionauth.auth.get_user

    def read_then_changed(request):
        user = real(request)
        user_tokens_forget(user.pk)  # another request saved the user just after we read it
        return user

    client = signed_in(shopper)
    client.get("/bench-no-such-page/")  # the header's counts are cached
    cache.delete(session_user_key(shopper.pk))
    monkeypatch.setattr(sessionauth.auth, "get_user", read_then_changed)
    client.get(ME)
    monkeypatch.setattr(sessionauth.auth, "get_user", real)
    with django_assert_num_queries(1):  # the user row, read again
        client.get("/bench-no-such-page/")
    with django_assert_num_queries(0):  # and stored under the current generation
        client.get("/bench-no-such-page/")


def test_the_cached_user_is_each_sessions_own(shopper, other_shopper):
    first, second = signed_in(shopper), signed_in(other_shopper)
    for _ in range(2):
        assert shopper.display_name in first.get("/me/").content.decode()
        page = second.get("/me/").content.decode()
        assert other_shopper.display_name in page and shopper.display_name not in page
    # A session whose hash does not match (a forged or stale one) never gets the cached user.
    session = first.session
    session["_auth_user_hash"] = "0" * 64
    session.save()
    assert first.get(ME).status_code in (401, 403)
