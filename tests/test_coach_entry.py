"""The writing coach on challenge entries: POST /api/quality/coach/ with ``challenge``
scores the draft as an entry (the challenge's brief as the text not to copy, entry
hints), and the author sees the stored band and hints on the entry page without
JavaScript (nobody else does)."""
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.cocreation import services
from community.cocreation.models import Challenge, Entry
from moderation.models import QualityScore
from moderation.quality.scorer import score_text
from tests import factories
from tests.challenge_helpers import make_challenge

pytestmark = pytest.mark.django_db

BRIEF_ZH = "告诉我们你想要的新口味：什么味道、给谁喝、在什么时候喝。"
IDEA_ZH = (
    "我希望出一款 330ml 的桂花乌龙味气泡水，每瓶糖只放 5 克，是现在的一半。因为现在的柠檬味太甜了，"
    "夏天喝完反而更渴；换成乌龙茶底，清爽又有香味，这样下午开会时也能喝。"
)
SHORT_IDEA = "我想要一款桂花乌龙味的气泡水，清爽不甜。"
# Review-only hints: an entry has no stars and is not "used for two weeks".
REVIEW_ONLY = {"add_duration", "contradiction", "add_photo", "photos_not_original", "too_short", "add_specifics",
               "add_pros_cons", "similar", "copies_description"}


@pytest.fixture
def api(client, shopper):
    client.force_login(shopper)
    return client


@pytest.fixture
def challenge():
    return make_challenge(brief_zh=BRIEF_ZH, brief_en="Tell us the new flavour you want.")


def coach(client, body):
    return client.post("/api/quality/coach/", json.dumps(body), content_type="application/json")


def codes(data):
    return [h["code"] for h in data["hints"]]


# --- API -----------------------------------------------------------------------------------


def test_coach_scores_an_entry_draft_with_entry_hints_and_stores_nothing(api, challenge):
    low = coach(api, {"text": "好评好评", "challenge": challenge.pk})
    assert low.status_code == 200, low.content
    low = low.json()
    assert low["band"] == "low" and low["score"] < 30
    assert "template" in codes(low) and "entry_too_short" in codes(low)
    assert all(h["message"] for h in low["hints"])

    short = coach(api, {"text": SHORT_IDEA, "challenge": challenge.pk}).json()
    assert "add_reason" in codes(short)  # what to change, but not why
    assert not REVIEW_ONLY & set(codes(short))

    idea = coach(api, {"text": IDEA_ZH, "challenge": challenge.pk, "photos": 2}).json()
    assert idea["band"] in ("good", "great") and idea["score"] > short["score"] > low["score"]
    assert "add_reason" not in codes(idea) and "add_image" not in codes(idea)
    assert idea["components"]["facts"]["reason"] is True
    assert "说明了要改什么、为什么" in idea["explanation"] and "2 张图片" in idea["explanation"]
    assert QualityScore.objects.count() == 0 and Entry.objects.count() == 0


def test_entry_hints_differ_from_review_hints_for_the_same_text(api, challenge, product):
    as_review = coach(api, {"text": SHORT_IDEA, "product": product.slug}).json()
    as_entry = coach(api, {"text": SHORT_IDEA, "challenge": challenge.pk}).json()
    assert "add_duration" in codes(as_review) and "add_photo" in codes(as_review)
    assert "add_reason" in codes(as_entry) and "add_image" in codes(as_entry)
    assert not REVIEW_ONLY & set(codes(as_entry))
    messages = {h["code"]: h["message"] for h in as_entry["hints"]}
    assert messages["add_reason"] != dict((h["code"], h["message"]) for h in as_review["hints"])["add_duration"]


def test_an_entry_has_no_stars_so_no_contradiction(api, challenge, product):
    text = "坏了，很失望，退货了，太差了"
    assert "contradiction" in codes(coach(api, {"text": text, "rating": 5, "product": product.slug}).json())
    data = coach(api, {"text": text, "rating": 5, "challenge": challenge.pk}).json()
    assert "contradiction" not in codes(data) and data["components"]["facts"]["contradictions"] == []


def test_coach_says_when_an_entry_copies_the_brief(api, challenge):
    data = coach(api, {"text": BRIEF_ZH, "challenge": challenge.pk}).json()
    assert "copies_brief" in codes(data)
    assert "copies_description" not in codes(data)


def test_coach_says_when_an_entry_looks_like_another_entry(api, challenge, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # screening fingerprints the entry
        services.entry_submit(author=factories.UserFactory(), challenge_id=challenge.pk, text=IDEA_ZH)
    data = coach(api, {"text": IDEA_ZH, "challenge": challenge.pk}).json()
    assert "entry_similar" in codes(data) and "similar" not in codes(data)


def test_challenge_context_is_cached(api, challenge, django_assert_num_queries):
    coach(api, {"text": SHORT_IDEA, "challenge": challenge.pk})  # challenge read once, then cached
    with django_assert_num_queries(1):  # near-duplicate lookup (the session and the user are cached)
        resp = coach(api, {"text": IDEA_ZH, "challenge": challenge.pk})
    assert resp.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda c, p: {"text": "好", "challenge": c.pk, "product": p.slug}, id="both"),
        pytest.param(lambda c, p: {"text": "好", "challenge": c.pk + 1000}, id="unknown"),
        pytest.param(lambda c, p: {"text": "好", "challenge": "one"}, id="not-an-id"),
        pytest.param(lambda c, p: {"text": "好", "challenge": 0}, id="zero"),
        pytest.param(lambda c, p: {"text": "好", "challenge": 2**63}, id="past-64-bit"),
    ],
)
def test_coach_rejects_a_bad_challenge(api, challenge, product, body):
    resp = coach(api, body(challenge, product))
    assert resp.status_code == 400
    assert "challenge" in resp.json()["error"]["fields"]


def test_coach_rejects_a_draft_challenge(api):
    draft = make_challenge(state=Challenge.State.DRAFT)
    assert draft.state == Challenge.State.DRAFT
    resp = coach(api, {"text": SHORT_IDEA, "challenge": draft.pk})
    assert resp.status_code == 400
    assert "challenge" in resp.json()["error"]["fields"]


# --- the stored score agrees with the coach -----------------------------------------------


def _submit_scored(author, challenge, text, capture):
    """An entry through the real path: submitted, screened (which scores it), published."""
    with capture(execute=True):
        entry = services.entry_submit(author=author, challenge_id=challenge.pk, text=text)
    services.entry_moderate(entry_id=entry.pk, status=Entry.Status.PUBLISHED)
    entry.refresh_from_db()
    return entry


def test_stored_entry_score_matches_the_coach(api, shopper, challenge, django_capture_on_commit_callbacks):
    draft = coach(api, {"text": SHORT_IDEA, "challenge": challenge.pk}).json()
    entry = _submit_scored(shopper, challenge, SHORT_IDEA, django_capture_on_commit_callbacks)
    stored = QualityScore.objects.get(content_type="entry", object_id=entry.pk)
    assert entry.quality_score == stored.score == draft["score"]
    assert stored.components["hint_codes"] == codes(draft)
    assert stored.components["hint_codes"] != score_text(SHORT_IDEA).components["hint_codes"]  # not a review's


# --- the entry page, without JavaScript --------------------------------------------------------


def test_author_sees_own_entry_band_and_hints_others_do_not(
    client, shopper, other_shopper, challenge, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    settings.LANGUAGE_CODE = "en"
    entry = _submit_scored(shopper, challenge, SHORT_IDEA, django_capture_on_commit_callbacks)
    stored = QualityScore.objects.get(content_type="entry", object_id=entry.pk)
    url = f"/entries/{entry.pk}/"

    client.force_login(other_shopper)
    with CaptureQueriesContext(connection) as other_queries:
        html = client.get(url).content.decode()
    assert 'id="my-entry-quality"' not in html and 'data-code="' not in html

    client.force_login(shopper)
    # The other signed-in visitor's queries plus one: the author's own QualityScore.
    with django_assert_num_queries(len(other_queries.captured_queries) + 1):
        resp = client.get(url)
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'id="my-entry-quality"' in html and f"band-{stored.band}" in html and f"{stored.score}/100" in html
    assert "To make your entry stronger:" in html
    assert 'data-code="add_reason"' in html and "Say what you would change and why." in html
    assert stored.explanation_en in html

    client.logout()
    html = client.get(url).content.decode()
    assert 'id="my-entry-quality"' not in html and 'data-code="' not in html


def test_entry_page_query_count_is_fixed(
    client, shopper, challenge, django_capture_on_commit_callbacks, django_assert_num_queries
):
    entry = _submit_scored(shopper, challenge, IDEA_ZH, django_capture_on_commit_callbacks)
    client.force_login(shopper)
    client.get(f"/entries/{entry.pk}/")  # warm caches (the user, badges, levels, the header's counts, ...)
    with django_assert_num_queries(5):
        resp = client.get(f"/entries/{entry.pk}/")
    assert 'id="my-entry-quality"' in resp.content.decode()


def test_unscored_own_entry_shows_no_band(client, shopper, challenge):
    # Submitted without running screening (on_commit callbacks are dropped): no score yet.
    entry = services.entry_submit(author=shopper, challenge_id=challenge.pk, text=SHORT_IDEA)
    assert entry.quality_score is None
    client.force_login(shopper)
    html = client.get(f"/entries/{entry.pk}/").content.decode()
    assert 'id="my-entry-quality"' not in html
