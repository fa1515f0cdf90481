"""Issue 15, item 8 without JavaScript (the browser test covers the in-place answers): the entry
submission message says what happened; a vote and a report come back to the item's anchor and
the item shows the message itself; with ``Accept: application/json`` they answer in JSON."""
import re

import pytest

from community.cocreation.models import Entry
from moderation.models import Report
from tests import factories
from tests.challenge_helpers import make_challenge, old_user, published_entry

pytestmark = pytest.mark.django_db

IDEA = "希望出一款无糖的白桃乌龙茶，包装可以做成小瓶方便带，夏天冰着喝。"


@pytest.fixture
def en(settings):
    settings.LANGUAGE_CODE = "en"


def _in_place(body, anchor):
    """The in-place messages inside the element ``id=anchor`` (up to the next article/div)."""
    start = body.index(f'id="{anchor}"')
    chunk = body[start:start + 6000]
    return re.findall(r'<p class="message message-(\w+) message-in-place" role="status">([^<]*)</p>', chunk)


# Transactional, as the site runs: screening runs when the service's transaction commits, in-process
# (no worker), before the view answers.
@pytest.mark.django_db(transaction=True)
def test_submission_says_published_when_screening_already_published_it(client, en):
    challenge = make_challenge()
    client.force_login(factories.UserFactory())
    resp = client.post(f"/challenges/{challenge.pk}/entries/", {"text": IDEA})
    entry = Entry.objects.get(challenge=challenge)
    assert entry.status == Entry.Status.PUBLISHED  # screening ran in-process, after commit
    body = client.get(resp["Location"]).content.decode()
    assert "Your entry is published: everyone can see it and vote for it now." in body
    assert "once it has been checked" not in body and "A moderator will check" not in body


def test_submission_says_held_when_it_waits_for_a_moderator(client, en, django_capture_on_commit_callbacks):
    challenge = make_challenge()
    client.force_login(factories.UserFactory())
    with django_capture_on_commit_callbacks(execute=False):  # no screening yet, as with a busy worker
        resp = client.post(f"/challenges/{challenge.pk}/entries/", {"text": IDEA})
    assert Entry.objects.get(challenge=challenge).status == Entry.Status.PENDING
    body = client.get(resp["Location"]).content.decode()
    assert "A moderator will check your entry before others can see it" in body
    assert "Your entry is published" not in body


@pytest.mark.django_db(transaction=True)
def test_submission_says_held_when_screening_queued_it(client, en):
    challenge = make_challenge()
    client.force_login(factories.UserFactory())
    resp = client.post(f"/challenges/{challenge.pk}/entries/", {"text": "加我微信 abc12345 电话 13800138000 领优惠"})
    assert Entry.objects.get(challenge=challenge).status == Entry.Status.PENDING  # screened: held for a moderator
    body = client.get(resp["Location"]).content.decode()
    assert "A moderator will check your entry before others can see it" in body


def test_vote_without_js_returns_to_the_entry_with_the_message_there(client, en):
    challenge = make_challenge(allow_overlap=True)
    first, second = published_entry(challenge), published_entry(challenge, text="做一款迷你装，出差带着方便，三支一盒。")
    client.force_login(old_user())
    page = f"/challenges/{challenge.pk}/?sort=newest"
    resp = client.post(f"/entries/{second.pk}/vote/", {"next": f"{page}#entry-{second.pk}"})
    assert resp.status_code == 302 and resp["Location"] == f"{page}#entry-{second.pk}"
    body = client.get(page).content.decode()
    assert _in_place(body, f"entry-{second.pk}")[0] == ("success", "Vote counted.")
    assert 'class="message message-success message-anchored"' in body  # the top copy, hidden by CSS
    assert not _in_place(body, f"entry-{first.pk}")
    assert re.search(rf'id="entry-{second.pk}".*?data-count="votes">1<', body, re.S)
    # The entry page: back to its own anchor; a refusal (own entry) shows there too.
    client.force_login(second.author)
    resp = client.post(f"/entries/{second.pk}/vote/")
    assert resp["Location"] == f"/entries/{second.pk}/#entry-{second.pk}"
    body = client.get(resp["Location"]).content.decode()
    assert _in_place(body, f"entry-{second.pk}")[0][0] == "error"


def test_vote_with_js_answers_json_with_the_message(client, en):
    entry = published_entry(make_challenge(allow_overlap=True))
    client.force_login(old_user())
    resp = client.post(f"/entries/{entry.pk}/vote/", HTTP_ACCEPT="application/json")
    assert resp.json() == {"ok": True, "voted": True, "vote_count": 1, "message": "Vote counted."}
    resp = client.post(f"/entries/{entry.pk}/vote/", HTTP_ACCEPT="application/json")
    assert resp.json() == {"ok": True, "voted": False, "vote_count": 0, "message": "Vote withdrawn."}


def test_report_without_js_shows_the_thanks_next_to_the_review(client, en, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the product's counts, refreshed after commit
        # a review with words: star-only ratings are listed collapsed, without a report control
        review = factories.review_with_words(
            author=factories.UserFactory(), product=factories.ProductFactory(), rating=4)
    page = f"/products/{review.product.slug}/"
    client.force_login(old_user())
    nxt = f"{page}#review-{review.pk}"
    resp = client.post("/moderation/report/", {"content_type": "review", "object_id": review.pk,
                                               "reason": "fake", "next": nxt})
    assert resp.status_code == 302 and resp["Location"] == nxt
    body = client.get(page).content.decode()
    assert _in_place(body, f"review-{review.pk}") == [
        ("success", "Thanks, moderators will look at it. We&#x27;ll tell you the outcome.")]


def test_report_with_js_answers_json(client, en):
    entry = published_entry(make_challenge())
    client.force_login(old_user())
    data = {"content_type": "entry", "object_id": entry.pk, "reason": "spam"}
    resp = client.post("/moderation/report/", data, HTTP_ACCEPT="application/json")
    assert resp.status_code == 200
    assert resp.json() == {"ok": True, "message": "Thanks, moderators will look at it. We'll tell you the outcome."}
    resp = client.post("/moderation/report/", data, HTTP_ACCEPT="application/json")
    assert resp.status_code == 409 and resp.json() == {"ok": False, "error": "You have already reported this."}
    resp = client.post("/moderation/report/", {**data, "reason": ""}, HTTP_ACCEPT="application/json")
    assert resp.status_code == 400 and resp.json()["error"] == "Choose a reason for the report."
    assert Report.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_comment_message_shows_next_to_the_comment(client, en):
    entry = published_entry(make_challenge())
    client.force_login(old_user())
    resp = client.post(f"/entries/{entry.pk}/comments/", {"text": "这个想法很好，我也想要！"})
    comment = entry.comments.get()
    assert resp["Location"] == f"/entries/{entry.pk}/#comment-{comment.pk}"
    body = client.get(resp["Location"]).content.decode()
    assert _in_place(body, f"comment-{comment.pk}") == [("success", "Comment posted.")]
