"""Level privileges reach the features they name: more photos, higher rate limits."""
import pytest
from rest_framework.test import APIClient

from core.api.throttling import SignedInRateThrottle
from community.services import review_photo_limit
from tests import factories

pytestmark = pytest.mark.django_db


def test_more_photos_privilege_raises_the_photo_limit(settings):
    shopper = factories.UserFactory()
    trusted = factories.UserFactory(is_staff=True)  # staff hold every privilege
    assert review_photo_limit(shopper) == settings.COCREATE_REVIEW_MAX_PHOTOS == 9
    assert review_photo_limit(trusted) > 9


def test_higher_rate_limits_privilege_multiplies_the_user_throttle(monkeypatch):
    monkeypatch.setattr(SignedInRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "1000/min",
                                                                 "writes": "1000/min"})

    def allowed(user):
        client = APIClient()
        client.force_authenticate(user)
        codes = [client.get("/api/me/").status_code for _ in range(2 * SignedInRateThrottle.PRIVILEGED_FACTOR + 2)]
        return codes.count(200), codes[-1]

    assert allowed(factories.UserFactory()) == (2, 429)
    assert allowed(factories.UserFactory(is_staff=True)) == (2 * SignedInRateThrottle.PRIVILEGED_FACTOR, 429)


def test_notification_emails_follow_the_users_preference(mailoutbox, django_capture_on_commit_callbacks):
    from community.services import notification_send, user_profile_update

    user = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user_id=user.pk, kind="test.one", title="First")
    assert [m.subject for m in mailoutbox] == ["First"]
    user_profile_update(user=user, email_notifications=False)
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user_id=user.pk, kind="test.two", title="Second")
    assert [m.subject for m in mailoutbox] == ["First"]  # on the site only
    assert user.notifications.count() == 2


def test_profile_page_and_api_change_the_email_preference(client):
    user = factories.UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    resp = api.patch("/api/me/", {"email_notifications": False}, format="json")
    assert resp.status_code == 200 and resp.json()["email_notifications"] is False
    user.refresh_from_db()
    assert user.email_notifications is False
