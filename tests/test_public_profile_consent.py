"""The public-profile consent is enforced (PIPL Art. 25): until a member consents, /u/<id>/
shows others only their display name; the member themself and staff see the full page; badge
holder lists (page and API) name only consenting members; the sign-up box records the consent.

State is built through services (consent_set, review_post / review_moderate, badge_grant);
pages are read through HTTP."""
import re

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import TestCase
from rest_framework.test import APIClient

from community.models import MODERATORS_GROUP, User
from community.privacy import selectors, services
from community.privacy.models import ConsentRecord
from gamification.badges import badge_grant
from gamification.models import Badge
from tests import factories
from tests.test_public_profile import PUBLIC_PROFILE_QUERIES

pytestmark = pytest.mark.django_db
Purpose = ConsentRecord.Purpose
PRIVATE_TEXT = "This shopper keeps their profile private."
NOINDEX = '<meta name="robots" content="noindex">'
# Anonymous visitor, private member: the member with the consent as a subquery, nothing else.
PRIVATE_PROFILE_QUERIES = 1


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def member(db):
    member = factories.UserFactory(display_name="Osmanthus Fan")
    with TestCase.captureOnCommitCallbacks(execute=True):  # the product's counts, as in production
        review = factories.review_with_words(author=member, product=factories.ProductFactory(),
                                             text="REVIEW-TEXT keeps the tea warm for hours")
    assert review.status == "published"
    badge = Badge.objects.create(slug="first-photo", name_zh="第一张照片", name_en="First photo",
                                 criterion="reviews_with_photos", params={"n": 1})
    badge_grant(user_id=member.pk, badge=badge, notify=False, email=False)
    member.review = review
    return member


def profile(client, member):
    resp = client.get(f"/u/{member.pk}/")
    assert resp.status_code == 200
    return resp.content.decode()


CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def assert_private(body, member):
    assert member.public_name in body and PRIVATE_TEXT in body and NOINDEX in body
    body = CSRF_TOKEN.sub("", body)  # a random token can hold "Lv" (seen in CI)
    for shown in ("Lv", "First photo", "REVIEW-TEXT", "Member since", "avatar", "1 review", "Latest reviews"):
        assert shown not in body, shown


def assert_full(body):
    assert PRIVATE_TEXT not in body
    assert "Lv1" in body and "First photo" in body and "REVIEW-TEXT" in body and "avatar" in body


def consent(member, granted):
    return services.consent_set(user=member, purpose=Purpose.PUBLIC_PROFILE, granted=granted, method="settings")


def test_private_by_default_for_visitors_and_other_members(client, member):
    assert selectors.public_profile_allowed(member) is False
    assert_private(profile(client, member), member)
    client.force_login(factories.UserFactory())
    assert_private(profile(client, member), member)


def test_full_after_consent_and_private_again_after_withdrawing(client, member):
    consent(member, True)
    assert selectors.public_profile_allowed(member) is True
    body = profile(client, member)
    assert_full(body)
    assert NOINDEX not in body  # a public profile with content may be indexed
    consent(member, False)
    assert selectors.public_profile_allowed(member) is False
    assert_private(profile(client, member), member)
    assert [r.granted for r in ConsentRecord.objects.filter(user=member, purpose=Purpose.PUBLIC_PROFILE)
            .order_by("at", "id")] == [True, False]


def test_owner_sees_the_full_page_with_a_link_to_make_it_public(client, member):
    client.force_login(member)
    body = profile(client, member)
    assert_full(body)
    assert "Only you can see this page. Others see only your display name." in body
    assert 'href="/me/privacy/consent/#consent-public_profile"' in body and "Make my profile public" in body
    assert 'id="consent-public_profile"' in client.get("/me/privacy/consent/").content.decode()
    consent(member, True)
    body = profile(client, member)
    assert_full(body)
    assert "Make my profile public" not in body


@pytest.mark.parametrize("role", ["operator", "moderator"])
def test_operators_and_moderators_see_the_full_page_of_a_private_member(client, member, role):
    staff = factories.UserFactory(is_staff=role == "operator", is_superuser=role == "operator")
    if role == "moderator":
        staff.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    client.force_login(staff)
    body = profile(client, member)
    assert_full(body)
    assert "This profile is private. You see it because you are staff." in body


def test_brand_staff_see_only_the_private_state(client, member):
    brand_user = factories.BrandMembershipFactory().user
    brand_user.is_staff = True  # admin access for their brand, not for shoppers' profiles
    brand_user.save(update_fields=["is_staff"])
    client.force_login(brand_user)
    assert_private(profile(client, member), member)


def test_posts_keep_the_name_and_the_link_lands_on_the_private_state(client, member):
    body = client.get(f"/products/{member.review.product.slug}/").content.decode()
    assert "REVIEW-TEXT" in body and f'<a href="/u/{member.pk}/">Osmanthus Fan</a>' in body
    assert_private(profile(client, member), member)


@pytest.mark.parametrize("public", [False, True])
def test_exact_query_count_for_both_states(client, member, django_assert_num_queries, public):
    if public:
        consent(member, True)
    cache.clear()  # level and badges read cold
    with django_assert_num_queries(PUBLIC_PROFILE_QUERIES if public else PRIVATE_PROFILE_QUERIES):
        body = profile(client, member)
    assert (PRIVATE_TEXT in body) is not public


def test_badge_holders_page_and_api_name_only_consenting_members(client, member):
    public = factories.public_profile_on(factories.UserFactory(display_name="Open Book"))
    badge_grant(user_id=public.pk, badge=Badge.objects.get(slug="first-photo"), notify=False, email=False)
    body = client.get("/badges/first-photo/").content.decode()
    assert "2 holders" in body and "Open Book" in body and "Osmanthus Fan" not in body
    assert "Members who keep their profile private are not listed." in body
    data = APIClient().get("/api/badges/first-photo/holders/").json()
    assert [row["name"] for row in data["results"]] == ["Open Book"]
    assert [row["user_id"] for row in data["results"]] == [public.pk]


def test_signup_box_is_unticked_and_records_the_consent_when_ticked(client):
    page = client.get("/accounts/signup/").content.decode()
    assert "Show my public profile (level, badges, contributions)" in page
    assert 'name="public_profile"' in page and "checked" not in page.split('name="public_profile"')[1].split(">")[0]

    def signup(email, **extra):
        resp = client.post("/accounts/signup/", {"email": email, "display_name": "Mei", "password1": "A-strong-pass-1",
                                                  "password2": "A-strong-pass-1", **extra})
        assert resp.status_code == 302
        client.logout()
        return ConsentRecord.objects.filter(user__email=email, purpose=Purpose.PUBLIC_PROFILE)

    assert not signup("quiet@example.com").exists()
    assert [(r.granted, r.method) for r in signup("open@example.com", public_profile="on")] == [(True, "signup")]
    # Two sign-ups in a row: both accounts exist (the username is the e-mail, never a shared "").
    assert sorted(User.objects.values_list("username", flat=True)) == ["open@example.com", "quiet@example.com"]
    assert selectors.consent_state(user=ConsentRecord.objects.get(
        purpose=Purpose.PUBLIC_PROFILE).user)[Purpose.PUBLIC_PROFILE]["granted"] is True
