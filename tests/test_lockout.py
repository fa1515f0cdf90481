"""One log-in lockout (django-axes) for every way of presenting a password: the log-in form,
the API token endpoint and the admin log-in share one count of failures, per account (from
any address) and per address (for any account). A locked account or address gets 429 with a
message in Chinese and English, whatever the password.

Every test runs with both of the handlers the settings choose between: the database one (the
embedded default, SQLite) and the cache one (production's Redis; here the test cache).
"""
import time
from datetime import timedelta

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as axes_reset
from django.conf import settings as django_settings
from django.core.management import call_command
from rest_framework.test import APIClient

from config.settings import base as base_settings
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "pass12345!"
WRONG = "not-the-password"
HOME = "10.20.0.1"  # the address every attempt comes from unless a test says otherwise
OTHER = "10.20.0.2"
LIMIT = base_settings.AXES_FAILURE_LIMIT


@pytest.fixture(params=["axes.handlers.database.AxesDatabaseHandler", "axes.handlers.cache.AxesCacheHandler"],
                ids=["database", "cache"], autouse=True)
def handler(request, settings):
    settings.AXES_HANDLER = request.param  # axes re-reads its handler on setting_changed
    AxesProxyHandler.get_implementation(force=True)
    yield request.param
    # The database rows go with the test's transaction and conftest clears the cache; this also
    # clears what a test left behind if either ever changes.
    for ip in (HOME, OTHER):
        axes_reset(ip=ip)
    AxesProxyHandler.get_implementation(force=True)


@pytest.fixture
def account(db):
    return factories.UserFactory(email="alice@example.com", username="alice@example.com")


@pytest.fixture
def other_account(db):
    return factories.UserFactory(email="bob@example.com", username="bob@example.com")


def web_login(client, email, password, ip=HOME):
    return client.post("/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def token(email, password, ip=HOME):
    return APIClient().post("/api/auth/token/", {"email": email, "password": password}, format="json",
                            REMOTE_ADDR=ip)


def admin_login(client, username, password, ip=HOME):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=ip)


def assert_locked_page(resp):
    assert resp.status_code == 429, resp.status_code
    body = resp.content.decode()
    assert "登录失败次数过多" in body and "Too many failed log-in attempts" in body
    assert f"{int(base_settings.AXES_COOLOFF_TIME.total_seconds() // 60)} 分钟" in body
    assert f"{int(base_settings.AXES_COOLOFF_TIME.total_seconds() // 60)} minutes" in body


def assert_locked_json(resp):
    assert resp.status_code == 429, resp.content
    assert resp.json() == {"error": {"code": "locked_out", "message": django_settings.AXES_COOLOFF_MESSAGE,
                                     "fields": {}}}


def assert_signed_out(client):
    assert "_auth_user_id" not in client.session


# --- the settings ------------------------------------------------------------------------------------


def test_settings_lock_per_account_and_per_address():
    assert base_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert base_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert base_settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert 5 <= LIMIT <= 6 and base_settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    # allauth's own failed-log-in limit is off: axes answers every failure, with one message.
    assert base_settings.ACCOUNT_RATE_LIMITS["login_failed"] is None


# --- one lockout across the web form, the API and the admin ------------------------------------------


def test_bad_web_logins_lock_the_token_api(client, account):
    for attempt in range(1, LIMIT + 2):
        resp = web_login(client, account.email, WRONG)
        if attempt < LIMIT:
            assert resp.status_code == 200  # the form again, with its error
        else:
            assert_locked_page(resp)  # the failure that reaches the limit, and every one after
    # The right password on the API: still locked, from this address and from another one.
    assert_locked_json(token(account.email, PASSWORD))
    assert_locked_json(token(account.email.upper(), PASSWORD, ip=OTHER))
    # ... and on the form itself.
    assert_locked_page(web_login(client, account.email, PASSWORD))
    assert_signed_out(client)


def test_bad_token_requests_lock_the_web_login(client, account):
    for attempt in range(1, LIMIT + 2):
        resp = token(account.email, WRONG)
        if attempt < LIMIT:
            assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid"
        else:
            assert_locked_json(resp)
    assert_locked_json(token(account.email, PASSWORD))
    assert_locked_page(web_login(client, account.email, PASSWORD))
    assert_signed_out(client)
    assert client.get("/me/").status_code == 302  # not signed in


def test_admin_login_is_locked_like_the_rest(client):
    staff = factories.UserFactory(email="staff@example.com", username="staff@example.com",
                                  is_staff=True, is_superuser=True)
    for attempt in range(1, LIMIT + 2):
        resp = admin_login(client, staff.username, WRONG)
        if attempt < LIMIT:
            assert resp.status_code == 200
        else:
            assert_locked_page(resp)
    assert_locked_page(admin_login(client, staff.username, PASSWORD))
    assert_signed_out(client)
    # The admin's failures count for the other doors too.
    assert_locked_json(token(staff.email, PASSWORD, ip=OTHER))


def test_web_failures_lock_the_admin_login(client):
    staff = factories.UserFactory(email="staff@example.com", username="staff@example.com",
                                  is_staff=True, is_superuser=True)
    for _ in range(LIMIT):
        web_login(client, "Staff@Example.com", WRONG, ip=OTHER)  # any letter case: one account
    assert_locked_page(admin_login(client, staff.username, PASSWORD))
    assert_signed_out(client)


# --- who is locked: the account anywhere, the address for anyone --------------------------------------


def test_the_lock_covers_the_account_and_the_address_and_nobody_else(client, account, other_account):
    for _ in range(LIMIT):
        token(account.email, WRONG, ip=HOME)
    # Someone else, somewhere else: untouched.
    resp = token(other_account.email, PASSWORD, ip=OTHER)
    assert resp.status_code == 200 and resp.json()["token"]
    # The account, from any address.
    assert_locked_json(token(account.email, PASSWORD, ip=OTHER))
    # The address, for any account.
    assert_locked_json(token(other_account.email, PASSWORD, ip=HOME))
    assert_locked_page(web_login(client, other_account.email, PASSWORD, ip=HOME))


def test_failures_below_the_limit_lock_nothing(client, account):
    for _ in range(LIMIT - 1):
        assert token(account.email, WRONG).status_code == 400
    assert token(account.email, PASSWORD).status_code == 200
    resp = web_login(client, account.email, PASSWORD)
    assert resp.status_code == 302 and client.session["_auth_user_id"] == str(account.pk)


def test_the_lock_lifts_after_the_cool_off(settings, account):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    for _ in range(LIMIT):
        token(account.email, WRONG)
    assert_locked_json(token(account.email, PASSWORD))
    time.sleep(2.1)
    assert token(account.email, PASSWORD).status_code == 200


def test_allauth_rate_limits_of_the_base_settings_do_not_answer_first(client, settings, account):
    """Test settings switch allauth's limits off; with the real ones, a locked log-in still gets
    axes' 429 page (allauth's failed-log-in counter would answer 200 with its own message)."""
    settings.ACCOUNT_RATE_LIMITS = base_settings.ACCOUNT_RATE_LIMITS
    for _ in range(LIMIT + 3):
        resp = web_login(client, account.email, WRONG)
    assert_locked_page(resp)
    assert_locked_page(web_login(client, account.email, PASSWORD))


def test_an_operator_can_lift_a_lock(account):
    """The commands the README names (axes' own)."""
    for _ in range(LIMIT):
        token(account.email, WRONG)
    call_command("axes_reset_username", account.email)
    assert token(account.email, PASSWORD, ip=OTHER).status_code == 200
    call_command("axes_reset_ip", HOME)
    assert token(account.email, PASSWORD, ip=HOME).status_code == 200


# --- the messages -------------------------------------------------------------------------------------


def test_lockout_messages_are_in_both_languages(client, account):
    for _ in range(LIMIT):
        web_login(client, account.email, WRONG)
    page = web_login(client, account.email, PASSWORD)
    assert_locked_page(page)
    body = page.content.decode()
    assert "登录已暂停" in body and "Log-in paused" in body
    assert 'href="/accounts/password/reset/"' in body
    message = token(account.email, PASSWORD).json()["error"]["message"]
    assert message.startswith("登录失败次数过多") and "Too many failed log-in attempts" in message
    assert "15 分钟" in message and "15 minutes" in message
