"""Challenge pages, reader side: report controls for entries and comments on the entry page
(as review cards have), and the challenge leaderboard showing members' names."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.cocreation import services
from community.cocreation.models import Entry
from community.models import User
from gamification.services import points_award
from moderation.models import Case, Report
from tests import factories
from tests.challenge_helpers import make_challenge, old_user, published_entry

pytestmark = pytest.mark.django_db


def published_comment(entry, author=None, text="这个想法很好，我也想要！"):
    """A comment published by moderation, as in production."""
    author = author or factories.UserFactory()
    comment = services.entry_comment_post(author=author, entry_id=entry.pk, text=text)
    return services.entry_comment_moderate(comment_id=comment.pk, status=Entry.Status.PUBLISHED)


@pytest.fixture
def en(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def entry(db):
    return published_entry(make_challenge(allow_overlap=True))


# --- report controls on the entry page -----------------------------------------------------------


def test_entry_page_offers_report_forms_for_others_content_only(client, entry, en):
    theirs = published_comment(entry)
    viewer = old_user()
    mine = published_comment(entry, author=viewer, text="我自己的评论")
    pending = services.entry_comment_post(author=factories.UserFactory(), entry_id=entry.pk, text="待审核的评论")
    url = f"/entries/{entry.pk}/"

    body = client.get(url).content.decode()  # signed out: a log-in link per item, no form
    assert 'action="/moderation/report/"' not in body
    assert f'href="/accounts/login/?next={url}%23entry-{entry.pk}"' in body
    assert f'href="/accounts/login/?next={url}%23comment-{theirs.pk}"' in body
    assert f"%23comment-{mine.pk}" in body  # not the viewer's yet: nobody is signed in
    assert f"comment-{pending.pk}" not in body  # pending: not shown at all

    client.force_login(viewer)
    body = client.get(url).content.decode()
    assert body.count('action="/moderation/report/"') == 2
    assert '<input type="hidden" name="content_type" value="entry">' in body
    assert f'name="object_id" value="{entry.pk}"' in body
    assert f'name="next" value="{url}#entry-{entry.pk}"' in body
    assert "What is wrong with this entry?" in body and "What is wrong with this review?" not in body
    assert '<input type="hidden" name="content_type" value="comment">' in body
    assert f'name="object_id" value="{theirs.pk}"' in body
    assert f'name="next" value="{url}#comment-{theirs.pk}"' in body
    assert "What is wrong with this comment?" in body
    # one's own comment: no control (its anchor, not its id: an entry's id may equal a comment's)
    assert f'name="next" value="{url}#comment-{mine.pk}"' not in body
    assert '<option value="fake">Fake or misleading</option>' in body and "Fake review" not in body
    assert "/accounts/login/?next=" not in body

    client.force_login(entry.author)  # the author: no control on the entry, one on the others' comments
    body = client.get(url).content.decode()
    assert body.count('action="/moderation/report/"') == 2
    assert '<input type="hidden" name="content_type" value="entry">' not in body
    assert f'name="next" value="{url}#comment-{mine.pk}"' in body


def test_own_pending_entry_has_no_report_control(client):
    challenge = make_challenge(allow_overlap=True)
    author = factories.UserFactory()
    entry = services.entry_submit(author=author, challenge_id=challenge.pk, text="做一款迷你装，出差带着方便。")
    assert entry.status == Entry.Status.PENDING
    client.force_login(author)
    resp = client.get(f"/entries/{entry.pk}/")
    assert resp.status_code == 200 and 'action="/moderation/report/"' not in resp.content.decode()


def test_report_entry_and_comment_through_the_page_forms(client, entry, en):
    comment = published_comment(entry)
    reporter = old_user()
    client.force_login(reporter)
    url = f"/entries/{entry.pk}/"
    for kind, obj, reason in (("entry", entry, "spam"), ("comment", comment, "abuse")):
        nxt = f"{url}#{kind}-{obj.pk}"
        resp = client.post("/moderation/report/", {"content_type": kind, "object_id": obj.pk, "reason": reason,
                                                   "next": nxt}, follow=True)
        assert resp.status_code == 200 and resp.redirect_chain == [(nxt, 302)]
        assert "Thanks, moderators will look at it." in resp.content.decode()
        report = Report.objects.get(content_type=kind)
        assert (report.object_id, report.reporter, report.reason) == (obj.pk, reporter, reason)
        assert Case.objects.filter(content_type=kind, object_id=obj.pk).exists()
    assert Report.objects.count() == 2

    resp = client.post("/moderation/report/", {"content_type": "comment", "object_id": comment.pk,
                                               "reason": "spam", "next": url}, follow=True)
    assert resp.redirect_chain == [(url, 302)] and "already reported" in resp.content.decode()
    assert Report.objects.count() == 2


def test_reporting_ones_own_entry_or_comment_is_refused_with_a_message(client, entry, en):
    own_comment = published_comment(entry, author=entry.author)
    client.force_login(entry.author)
    url = f"/entries/{entry.pk}/"
    for kind, obj in (("entry", entry), ("comment", own_comment)):
        resp = client.post("/moderation/report/", {"content_type": kind, "object_id": obj.pk, "reason": "spam",
                                                   "next": url}, follow=True)
        assert resp.status_code == 200 and resp.redirect_chain == [(url, 302)]
        assert "You cannot report your own content." in resp.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize("content_type, object_id, message", [
    ("bogus", 1, "This content cannot be reported."),
    ("", 1, "Choose a reason for the report."),  # the form is invalid
    ("entry", 10**9, "Content not found."),
    ("comment", 10**9, "Content not found."),
])
def test_bad_reports_come_back_with_a_message_not_an_error(client, entry, en, content_type, object_id, message):
    client.force_login(old_user())
    url = f"/entries/{entry.pk}/"
    resp = client.post("/moderation/report/", {"content_type": content_type, "object_id": object_id,
                                               "reason": "spam", "next": url}, follow=True)
    assert resp.status_code == 200 and resp.redirect_chain == [(url, 302)]
    assert message in resp.content.decode()
    assert not Report.objects.exists()


def test_entry_page_query_count_does_not_grow_with_comments(client, entry):
    viewer = old_user()
    published_comment(entry)
    url = f"/entries/{entry.pk}/"
    client.force_login(viewer)
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as one:
        body = client.get(url).content.decode()
    assert body.count('action="/moderation/report/"') == 2
    for _ in range(19):
        published_comment(entry)
    with CaptureQueriesContext(connection) as twenty:
        body = client.get(url).content.decode()
    assert body.count('action="/moderation/report/"') == 21
    assert len(twenty.captured_queries) == len(one.captured_queries)
    client.logout()
    with CaptureQueriesContext(connection) as anonymous:
        assert client.get(url).status_code == 200
    assert len(anonymous.captured_queries) <= len(one.captured_queries)


# --- the challenge leaderboard shows names ---------------------------------------------------------


@pytest.fixture(autouse=True)
def _database_leaderboards(settings):
    # These tests are about the page (names, links, queries), not the store: the database
    # store shows awards at once; Redis boards move after commit (gamification/test_leaderboards.py).
    settings.GAMIFICATION_LEADERBOARD_BACKEND = "db"


def _award(challenge, users, base=100):
    for i, user in enumerate(users):
        points_award(user_id=user.pk, amount=base - i, action="community.entry.published", source=challenge,
                     key=f"test:lb:{challenge.pk}:{user.pk}")


def test_challenge_leaderboard_shows_public_names_linked_to_profiles(client):
    challenge = make_challenge()
    named = factories.UserFactory(display_name="桂花乌龙爱好者")
    plain = factories.UserFactory(email="leafy@example.com", display_name="")
    gone = factories.UserFactory(display_name="已注销用户", is_active=False)
    _award(challenge, [named, plain, gone])
    body = client.get(f"/challenges/{challenge.pk}/").content.decode()
    assert f'<a href="/u/{named.pk}/">桂花乌龙爱好者</a> · 100' in body
    assert f'<a href="/u/{plain.pk}/">{plain.public_name}</a> · 99' in body and plain.public_name == "le***"
    assert "已注销用户 · 98" in body and f'href="/u/{gone.pk}/"' not in body  # no link to a closed account
    assert f" {named.pk} · " not in body  # no bare user ids


def test_challenge_page_query_count_does_not_grow_with_the_leaderboard(client, django_assert_num_queries):
    small, big = make_challenge(), make_challenge()
    _award(small, factories.UserFactory.create_batch(2))
    User.objects.bulk_create([User(email=f"lb{i}@example.com", username=f"lb{i}@example.com") for i in range(30)])
    _award(big, User.objects.filter(email__startswith="lb"))
    client.force_login(old_user())
    client.get(f"/challenges/{small.pk}/")  # warm caches (session, grants)
    with CaptureQueriesContext(connection) as ctx_small:
        body = client.get(f"/challenges/{small.pk}/").content.decode()
    assert body.count('href="/u/') == 2
    with django_assert_num_queries(len(ctx_small.captured_queries)):
        body = client.get(f"/challenges/{big.pk}/").content.decode()
    assert body.count('href="/u/') == 10  # the top ten, each named
