"""The public member profile at /u/<id>/: adopted ideas, wins, badges, latest reviews.

State is built through services (review_post / review_moderate, entry_submit / entry_moderate,
challenge_pick_winners, entry_adopt), pages are read through HTTP.
"""
import re

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone

from community import services
from community.cocreation import services as challenge_services
from community.cocreation.models import Challenge, Entry
from community.models import Review
from gamification.badges import badge_grant
from gamification.models import Badge
from tests import factories
from tests.challenge_helpers import make_challenge, published_entry

pytestmark = pytest.mark.django_db

# Anonymous visitor, cold caches: the member with both counts, their latest published reviews
# (product joined), their adopted and winning entries (challenge and brand joined), their level,
# their badges. The same whatever the member has written.
PUBLIC_PROFILE_QUERIES = 5
EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


def profile_url(user):
    return f"/u/{user.pk}/"


def review_by(author, text, status=Review.Status.PUBLISHED, product=None):
    """A review written through the site's service, then decided by moderation; the after-commit
    work runs as in production (the product's counts, which its page lists reviews by)."""
    product = product or factories.ProductFactory()
    with TestCase.captureOnCommitCallbacks(execute=True):  # screening runs here and may publish it
        review, _created = services.review_post(author=author, product=product, rating=4, text=text)
    with TestCase.captureOnCommitCallbacks(execute=True):
        review = services.review_moderate(review_id=review.pk, status=status)
    assert review.status == status
    return review


def judging(challenge):
    """Move a challenge past voting, where brands pick winners."""
    return challenge_services.challenge_transition(challenge_id=challenge.pk, to_state=Challenge.State.JUDGING)


@pytest.fixture
def member(db):
    """A member who consented to a public profile (the full page; the private state has its own tests)."""
    return factories.public_profile_on(factories.UserFactory(
        email="secret.member@example.com", username="secret.member@example.com", display_name="Osmanthus Fan"))


def test_shows_adopted_idea_with_the_note_and_the_winner_mark(client, member):
    challenge = make_challenge(title_en="Next sparkling flavour", entries_per_user=3)
    adopted = published_entry(challenge, member, text="Osmanthus oolong sparkling water, light and not sweet.")
    won = published_entry(challenge, member, text="A mini can for trips and the office desk.")
    judging(challenge)
    challenge_services.challenge_pick_winners(challenge_id=challenge.pk, entry_ids=[won.pk, adopted.pk])
    challenge_services.entry_adopt(entry_id=adopted.pk, note="Launching it next spring in 330 ml cans.")

    resp = client.get(profile_url(member))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "Osmanthus Fan" in body
    assert "Adopted ideas" in body
    assert "Launching it next spring in 330 ml cans." in body
    assert f"What {challenge.brand.name} will do" in body
    assert "Next sparkling flavour" in body
    assert f'href="/entries/{adopted.pk}/"' in body
    assert "🏆 Winner" in body  # the adopted idea also won
    assert "Winning entries" in body and f'href="/entries/{won.pk}/"' in body
    assert body.count(f'href="/entries/{adopted.pk}/"') == 1  # not listed again among the wins
    assert "2 challenge entries" in body and "0 reviews" in body


def test_only_published_content_shows(client, member):
    challenge = make_challenge(title_en="Packaging ideas", entries_per_user=5)
    published_entry(challenge, member, text="PUBLISHED-IDEA refill pouches for the big bottle")
    pending = challenge_services.entry_submit(author=member, challenge_id=challenge.pk, text="PENDING-IDEA glow cap")
    assert pending.status == Entry.Status.PENDING  # a new member's entry waits for moderation
    rejected = published_entry(challenge, member, text="REJECTED-IDEA something off-topic")
    challenge_services.entry_adopt(entry_id=rejected.pk, note="REJECTED-NOTE we would have done it")
    challenge_services.entry_moderate(entry_id=rejected.pk, status=Entry.Status.REJECTED, reason="off_topic")
    removed = published_entry(challenge, member, text="REMOVED-IDEA another thing")
    challenge_services.entry_adopt(entry_id=removed.pk, note="REMOVED-NOTE adopted before removal")
    challenge_services.entry_moderate(entry_id=removed.pk, status=Entry.Status.REMOVED)
    judging(challenge)
    challenge_services.challenge_pick_winners(challenge_id=challenge.pk, entry_ids=[
        e.pk for e in Entry.objects.filter(author=member, status=Entry.Status.PUBLISHED)
    ])
    review_by(member, "PUBLISHED-REVIEW keeps the tea warm for hours")
    review_by(member, "PENDING-REVIEW waiting for a moderator", Review.Status.PENDING)
    review_by(member, "REJECTED-REVIEW call me on my phone", Review.Status.REJECTED)
    review_by(member, "REMOVED-REVIEW taken down later", Review.Status.REMOVED)

    body = client.get(profile_url(member)).content.decode()
    assert "PUBLISHED-REVIEW" in body and "PUBLISHED-IDEA" in body
    for hidden in ("PENDING-IDEA", "REJECTED-IDEA", "REJECTED-NOTE", "REMOVED-IDEA", "REMOVED-NOTE",
                   "PENDING-REVIEW", "REJECTED-REVIEW", "REMOVED-REVIEW"):
        assert hidden not in body, hidden
    assert f'href="/entries/{pending.pk}/"' not in body
    assert "Adopted ideas" not in body  # both adopted entries are no longer published
    assert "1 review" in body and "1 challenge entry" in body


def test_draft_challenge_entries_never_show(client, member):
    draft = make_challenge(state=Challenge.State.DRAFT, title_en="Secret draft challenge")
    Entry.objects.create(challenge=draft, author=member, text="DRAFT-ENTRY", status=Entry.Status.PUBLISHED,
                         is_winner=True, published_at=timezone.now())
    body = client.get(profile_url(member)).content.decode()
    assert "DRAFT-ENTRY" not in body and "Secret draft challenge" not in body
    assert "0 challenge entries" in body


def test_unknown_and_inactive_members_are_404(client, member):
    review = review_by(member, "A fine kettle, boils fast.")
    assert client.get("/u/999999/").status_code == 404
    assert client.get(profile_url(member)).status_code == 200
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(profile_url(member)).status_code == 404
    # ... and their review cards stop linking to the page that is gone.
    body = client.get(f"/products/{review.product.slug}/").content.decode()
    assert "A fine kettle" in body and f'href="{profile_url(member)}"' not in body


@pytest.mark.parametrize("display_name", ["Osmanthus Fan", ""])
def test_no_email_or_other_private_data_on_the_page(client, display_name):
    member = factories.public_profile_on(factories.UserFactory(
        email="secret.member@example.com", username="secret-login-name", display_name=display_name,
        timezone="Europe/Vienna"))
    review_by(member, "Good value for the price.")
    challenge = make_challenge()
    entry = published_entry(challenge, member)
    challenge_services.entry_adopt(entry_id=entry.pk, note="We will make it.")
    viewers = [None, factories.UserFactory(), member]  # anonymous, another member, the member themself
    for viewer in viewers:
        if viewer is not None:
            client.force_login(viewer)
        body = client.get(profile_url(member)).content.decode()
        assert member.public_name in body
        assert EMAIL_LIKE.search(body) is None, (viewer, EMAIL_LIKE.search(body))
        for private in ("secret.member", "example.com", "secret-login-name", "Europe/Vienna"):
            assert private not in body, (viewer, private)


def test_empty_state(client, member):
    body = client.get(profile_url(member)).content.decode()
    assert "Osmanthus Fan has not shared anything yet." in body
    assert "Adopted ideas" not in body and "Latest reviews" not in body and "Winning entries" not in body
    assert '<meta name="robots" content="noindex">' in body
    review_by(member, "PENDING only", Review.Status.PENDING)
    assert "has not shared anything yet." in client.get(profile_url(member)).content.decode()


def test_badges_and_level_show(client, member):
    badge = Badge.objects.create(slug="first-photo", name_zh="第一张照片", name_en="First photo",
                                 criterion="reviews_with_photos", params={"n": 1})
    badge_grant(user_id=member.pk, badge=badge, notify=False, email=False)
    body = client.get(profile_url(member)).content.decode()
    assert "First photo" in body and 'href="/badges/first-photo/"' in body
    assert "Lv1" in body


def _busy_member(n):
    """A member with n published reviews and n published entries, half of them winners and the
    other half adopted, plus badges that grow with n; and unpublished rows the page must skip."""
    member = factories.public_profile_on(factories.UserFactory())
    for i in range(n):
        review_by(member, f"Review number {i}: " + "really quite good " * 10)
    review_by(member, "pending one", Review.Status.PENDING)
    challenge = make_challenge(entries_per_user=n + 1)
    entries = [published_entry(challenge, member, text=f"Idea number {i} for the brand") for i in range(n)]
    challenge_services.entry_submit(author=member, challenge_id=challenge.pk, text="still pending")
    judging(challenge)
    challenge_services.challenge_pick_winners(challenge_id=challenge.pk, entry_ids=[e.pk for e in entries[: n // 2]])
    for entry in entries[n // 2:]:
        challenge_services.entry_adopt(entry_id=entry.pk, note=f"We will do idea {entry.pk}")
    for i in range(n // 2):
        badge = Badge.objects.create(slug=f"badge-{n}-{i}", name_zh=f"徽章{i}", criterion="reviews_with_photos",
                                     params={"n": 1000 + i})
        badge_grant(user_id=member.pk, badge=badge, notify=False, email=False)
    return member


@pytest.mark.parametrize("n", [2, 20])
def test_query_count_is_the_same_for_2_and_20_reviews_and_entries(client, django_assert_num_queries, n):
    member = _busy_member(n)
    cache.clear()  # level and badges read cold, so both sizes pay for them
    with django_assert_num_queries(PUBLIC_PROFILE_QUERIES):
        resp = client.get(profile_url(member))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert body.count('class="review-card"') == min(n, 10)  # latest ten only
    assert body.count("We will do idea") == n - n // 2
    assert f"{n} reviews" in body and f"{n} challenge entries" in body


def test_author_names_link_to_the_public_profile(client, member):
    review = review_by(member, "Sturdy and light, good for hiking.")
    body = client.get(f"/products/{review.product.slug}/").content.decode()
    assert f'<a href="{profile_url(member)}">Osmanthus Fan</a>' in body  # the review card
    entry = published_entry(make_challenge(), member)
    body = client.get(f"/entries/{entry.pk}/").content.decode()
    assert f'<a href="{profile_url(member)}">Osmanthus Fan</a>' in body
    client.force_login(member)
    body = client.get("/me/").content.decode()
    assert f'href="{profile_url(member)}"' in body and "View my public profile" in body
    assert 'href="/me/"' in client.get(profile_url(member)).content.decode()  # "Edit my profile" on one's own page
