"""Issue 15, the smaller items: draw winners by name, texts in the reader's language, the
favicon, report reasons in words that fit the content."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils import translation

from community.cocreation import services
from community.cocreation.models import Challenge
from core.i18n import localized, split_languages
from moderation import services as moderation_services
from moderation.models import Case, Report
from tests import factories
from tests.challenge_helpers import make_challenge, old_user, published_entry
from tests.test_trials import TrialProgramFactory

pytestmark = pytest.mark.django_db


def test_closed_challenge_names_the_draw_winners_with_links_to_their_profiles(client):
    start = timezone.now() + timedelta(minutes=5)
    challenge = make_challenge(start=start, prize_draw=True, prize_draw_winners=2, prize_odds="2 prizes")
    services.challenges_advance(now=start + timedelta(minutes=1))
    authors = [factories.UserFactory(display_name=name) for name in ("小雨", "Mia", "老王")]
    for author in authors:
        published_entry(Challenge.objects.get(pk=challenge.pk), author=author)
    services.challenges_advance(now=start + timedelta(days=7))
    challenge.refresh_from_db()
    assert challenge.state == Challenge.State.CLOSED and len(challenge.draw_winner_ids) == 2
    drawn = {a.pk: a for a in authors}
    body = client.get(f"/challenges/{challenge.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    line = body[body.index('id="draw-winners"'):].split("</p>", 1)[0]
    expected = ", ".join(f'<a href="/u/{pk}/">{drawn[pk].display_name}</a>' for pk in challenge.draw_winner_ids)
    assert line.endswith(expected)
    assert "抽奖中奖者" in line and "ID" not in line
    # The ids stay available to check the draw, inside "How to check the draw yourself".
    details = body[body.index("<details class=\"small\">"):].split("</details>", 1)[0]
    assert ",".join(map(str, challenge.draw_winner_ids)) in details


def test_no_draw_winners_before_the_reveal(client):
    challenge = make_challenge(prize_draw=True)
    assert 'id="draw-winners"' not in client.get(f"/challenges/{challenge.pk}/").content.decode()


@pytest.mark.parametrize("lang, shown, hidden", [
    ("zh-hans", "每人提交 1 个点子。", "One idea per person."),
    ("en", "One idea per person.", "每人提交 1 个点子。"),
])
def test_challenge_rules_and_prize_show_the_readers_language(client, lang, shown, hidden):
    challenge = make_challenge(rules_zh="每人提交 1 个点子。", rules_en="One idea per person.",
                               prize_description_zh="抽 2 位送礼盒。")
    body = client.get(f"/challenges/{challenge.pk}/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert shown in body and hidden not in body
    assert "抽 2 位送礼盒。" in body  # no English prize text: the Chinese one, not nothing
    api = client.get(f"/api/challenges/{challenge.pk}/", HTTP_ACCEPT_LANGUAGE=lang).json()
    assert api["rules"] == shown


@pytest.mark.parametrize("lang, shown, hidden", [
    ("zh-hans", "免费寄出 20 袋。", "We send 20 bags."),
    ("en", "We send 20 bags.", "免费寄出 20 袋。"),
])
def test_trial_description_shows_the_readers_language(client, lang, shown, hidden):
    program = TrialProgramFactory(description_zh="免费寄出 20 袋。", description_en="We send 20 bags.",
                                 selection_criteria_zh="喜欢喝茶的人。", selection_criteria_en="")
    body = client.get(f"/trials/{program.pk}/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert shown in body and hidden not in body
    assert "喜欢喝茶的人。" in body  # falls back to the language there is


def test_localized_falls_back_to_the_other_language():
    challenge = Challenge(rules_zh="中文规则", rules_en="")
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            assert localized(challenge, "rules") == challenge.rules == "中文规则"
    challenge.rules_en = "English rules"
    with translation.override("en"):
        assert challenge.rules == "English rules"
    with translation.override("zh-hans"):
        assert challenge.rules == "中文规则"


@pytest.mark.parametrize("text, parts", [
    ("每人 1 个点子。\nOne idea per person.", ("每人 1 个点子。", "One idea per person.")),
    ("One idea per person.", ("", "One idea per person.")),
    ("每人 1 个点子。", ("每人 1 个点子。", "")),
    ("", ("", "")),
])
def test_split_languages(text, parts):
    assert split_languages(text) == parts


def test_favicon_is_served_at_the_root_and_linked(client):
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200 and resp["Content-Type"] == "image/x-icon"
    assert b"".join(resp.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    body = client.get("/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in body and 'href="/favicon.ico"' in body
    assert finders.find("img/favicon.svg")


@translation.override("en")
def test_report_reason_labels_fit_the_content_kind():
    assert Report.reason_label_for("fake", "review") == "Fake review"
    assert Report.reason_label_for("fake", "entry") == "Fake or misleading"
    assert Report.reason_label_for("fake", "comment") == "Fake or misleading"
    assert Report.reason_label_for("spam", "entry") == "Spam or ad"
    with translation.override("zh-hans"):
        assert Report.reason_label_for("fake", "review") == "虚假评价"
        assert Report.reason_label_for("fake", "entry") != "虚假评价"


def test_moderators_see_entry_reports_as_fake_or_misleading(client, settings):
    settings.LANGUAGE_CODE = "en"
    entry = published_entry(make_challenge())
    for _ in range(2):
        moderation_services.report_create(reporter=old_user(), content_type="entry", object_id=entry.pk, reason="fake")
    moderation_services.report_create(reporter=old_user(), content_type="entry", object_id=entry.pk, reason="spam")
    moderator = factories.UserFactory(is_staff=True, is_superuser=True)
    moderator.groups.add(Group.objects.get_or_create(name="moderators")[0])
    client.force_login(moderator)
    case = Case.objects.get(content_type="entry", object_id=entry.pk)
    body = client.get(f"/moderation/cases/{case.pk}/").content.decode()
    assert "3 reports on this item: Fake or misleading ×2, Spam or ad ×1" in body
    admin = client.get("/admin/moderation/report/").content.decode()
    assert admin.count("Fake or misleading</td>") == 2 and "Fake review" not in admin
    shopper_page = client.get(f"/entries/{entry.pk}/").content.decode()
    assert '<option value="fake">Fake or misleading</option>' in shopper_page
