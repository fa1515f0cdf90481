"""``manage.py demo`` shows every co-creation feature: an open idea challenge with entries,
votes and comments, a poll in voting with pictured options, a closed challenge with a winner,
an adopted idea and a revealed prize draw, an open trial with applications, an earlier one
with a tester's report, the brand login's own trials (its admin funnel has every step and
overdue testers) and rewards in the store. All of it is built through the services, and a second run adds nothing.

Transactional: screening runs on commit, and the demo relies on an entry being published
before the next step votes for it (as ``make run`` does, with eager Celery).
"""
import html
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from devtools import demodata
from community.cocreation.models import Challenge, Entry, EntryComment, EntryVote, PollOption, PollVote
from community.models import Review, User
from community.trials.models import TrialApplication, TrialProgram

pytestmark = pytest.mark.django_db(transaction=True)

COUNTED = [Challenge, Entry, EntryComment, EntryVote, PollOption, PollVote, TrialProgram, TrialApplication, Review]


def run_demo():
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def challenge_of(spec):
    return Challenge.objects.get(title_zh=spec["title_zh"])


def trial_of(spec):
    return TrialProgram.objects.get(title_zh=spec["title_zh"])


def user(key):
    return User.objects.get(email=f"{key}@cocreate.local")


def page(path, lang):
    """The page as text, with entities turned back into characters (titles have apostrophes)."""
    response = Client(HTTP_ACCEPT_LANGUAGE=lang).get(path)
    assert response.status_code == 200, path
    return html.unescape(response.content.decode())


def test_demo_builds_every_cocreation_feature_and_the_pages_show_them():
    out = run_demo()

    idea = challenge_of(demodata.IDEA_CHALLENGE)
    assert (idea.kind, idea.state, idea.allow_overlap, idea.brand.slug) == ("idea", "open", True, "lumi")
    entries = Entry.objects.filter(challenge=idea)
    assert entries.count() == len(demodata.IDEA_CHALLENGE["entries"]) >= 4
    assert not entries.exclude(status=Entry.Status.PUBLISHED).exists()
    assert entries.filter(images__isnull=False).distinct().count() == 2
    assert idea.vote_count == EntryVote.objects.filter(challenge=idea, valid=True).count() == 7
    assert EntryComment.objects.filter(entry__challenge=idea, status=Entry.Status.PUBLISHED).count() == 2

    poll = challenge_of(demodata.POLL_CHALLENGE)
    assert (poll.kind, poll.state) == ("poll", "voting")
    options = list(PollOption.objects.filter(challenge=poll))
    assert len(options) == 3
    assert all(o.image and (o.image_width, o.image_height) == (640, 480) for o in options)
    assert all(o.vote_count >= 1 for o in options)
    assert sum(o.vote_count for o in options) == PollVote.objects.filter(challenge=poll).count() == 5

    closed = challenge_of(demodata.CLOSED_CHALLENGE)
    assert closed.state == "closed" and closed.closes_at < timezone.now()
    assert closed.events.filter(action="community.challenge.voting").exists()  # it went through every state
    winner = Entry.objects.get(challenge=closed, is_winner=True)
    assert winner.author == user("lin")
    assert user("lin").badges.filter(badge__slug="cocreate-winner").exists()
    assert user("lin").notifications.filter(kind="community.challenge.won").exists()
    adopted = Entry.objects.get(challenge=closed, adopted_at__isnull=False)
    assert adopted.author == user("alex") and adopted.adopted_note == demodata.CLOSED_CHALLENGE["adopted"][1]
    assert closed.prize_draw and closed.prize_odds and closed.draw_revealed_at is not None
    assert len(closed.draw_winner_ids) == 2 and set(closed.draw_winner_ids) <= set(closed.draw_participant_ids)

    open_trial = trial_of(demodata.OPEN_TRIAL)
    assert open_trial.window_open() and open_trial.brand.slug != "lumi"
    assert open_trial.applications.filter(status=TrialApplication.Status.APPLIED).count() == 3
    earlier = trial_of(demodata.EARLIER_TRIAL)
    assert earlier.state == TrialProgram.State.RUNNING and not earlier.window_open()
    statuses = sorted(earlier.applications.values_list("status", flat=True))
    assert statuses == ["not_selected", "not_selected", "reported", "shipped"]
    report = earlier.applications.get(status=TrialApplication.Status.REPORTED).review
    assert report.status == Review.Status.PUBLISHED and report.incentivized and report.author == user("xiaomei")

    # The brand login's own trials: one running with every status, one past its deadline.
    lumi = trial_of(demodata.LUMI_TRIAL)
    assert lumi.brand.slug == "lumi" and lumi.report_deadline > timezone.now()
    assert sorted(lumi.applications.values_list("status", flat=True)) == [
        "not_selected", "not_selected", "reported", "selected", "shipped", "shipped"]
    lumi_earlier = trial_of(demodata.LUMI_EARLIER_TRIAL)
    assert lumi_earlier.report_deadline < timezone.now()
    assert sorted(lumi_earlier.applications.values_list("status", flat=True)) == ["not_selected", "overdue", "overdue"]
    brand_login = Client(HTTP_ACCEPT_LANGUAGE="en")
    brand_login.force_login(user("brand"))
    funnel = brand_login.get("/admin/trials/trialprogram/funnel/")
    assert funnel.status_code == 200 and funnel.context["brand"].slug == "lumi"
    assert [step["count"] for step in funnel.context["funnel"]["steps"]] == [9, 6, 5, 1]
    assert sorted(a.user.public_name for a in funnel.context["overdue"]) == sorted(["Alex", "老陈"])
    store = page("/rewards/", "en")
    assert all(title_en in store for _brand, _zh, title_en, *_rest in demodata.REWARDS)

    assert "Co-creation: 3 challenges (open, voting, closed)" in out
    assert "http://127.0.0.1:8000/challenges/" in out and "http://127.0.0.1:8000/trials/" in out

    # The pages, in both languages.
    for lang, suffix in (("zh-hans", "zh"), ("en", "en")):
        home = page("/", lang)
        assert idea.__dict__[f"title_{suffix}"] in home and poll.__dict__[f"title_{suffix}"] in home
        assert open_trial.__dict__[f"title_{suffix}"] in home
        listing = page("/challenges/", lang)
        assert all(c.__dict__[f"title_{suffix}"] in listing for c in (idea, poll, closed))
        poll_page = page(f"/challenges/{poll.pk}/", lang)
        assert all(o.__dict__[f"label_{suffix}"] in poll_page and o.image.url in poll_page for o in options)
        assert page("/trials/", lang).count(open_trial.__dict__[f"title_{suffix}"]) >= 1
    idea_page = page(f"/challenges/{idea.pk}/", "en")
    assert all(e.text[:30] in idea_page for e in entries)
    closed_page = page(f"/challenges/{closed.pk}/", "en")
    assert closed.prize_odds in closed_page and closed.draw_seed_hash in closed_page and closed.draw_seed in closed_page
    assert adopted.adopted_note in closed_page
    assert adopted.adopted_note in page("/brands/lumi/", "en")
    assert adopted.adopted_note in page(f"/u/{adopted.author_id}/", "en")
    winner_profile = page(f"/u/{winner.author_id}/", "en")
    assert "Co-creation star" in winner_profile and closed.title_en in winner_profile
    assert "Incentivized review · got a free sample" in page(f"/products/{report.product.slug}/", "en")


def test_a_second_run_creates_nothing():
    run_demo()
    before = {model.__name__: model.objects.count() for model in COUNTED}
    out = run_demo()
    assert {model.__name__: model.objects.count() for model in COUNTED} == before
    assert "(0 new)" in out and "(0 new, 0 new photos, 0 new votes)" in out
    assert "Skipped" not in out
