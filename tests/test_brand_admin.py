"""The brand's admin (issue 15): the challenge form laid out by kind, the brand preselected,
"Save and publish" through the publish service, the draft preview, the trial funnel pages
(counts, conversion, overdue testers, brand scope, query counts) and translated model names."""
import datetime
import re

import pytest
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.utils import timezone, translation

from community.cocreation.models import Challenge, PollOption
from community.trials import services as trial_services
from community.trials.models import TrialApplication, TrialProgram
from tests import factories
from tests.challenge_helpers import make_challenge

pytestmark = pytest.mark.django_db
S = Challenge.State
ADD = "/admin/cocreation/challenge/add/"


@pytest.fixture
def staff_client(client, brand_staff):
    brand_staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=("community", "cocreation", "trials"),
        codename__in=["view_challenge", "change_challenge", "add_challenge", "view_product", "view_polloption",
                      "add_polloption", "change_polloption", "view_trialprogram", "change_trialprogram"],
    ))
    client.force_login(brand_staff)
    return client


def _form(brand, kind="idea", **over):
    """The add form as the browser posts it (every section, the hidden ones included)."""
    start = timezone.localtime(timezone.now() + datetime.timedelta(days=1))
    data = {
        "brand": brand.pk, "kind": kind, "title_zh": "新挑战", "title_en": "", "brief_zh": "", "brief_en": "",
        "hashtag": "", "rules_zh": "", "rules_en": "", "participation_points": 10, "winner_points": 200, "winner_badge_slug": "",
        "adopted_points": 500, "prize_description_zh": "", "prize_description_en": "", "prize_draw_winners": 1, "prize_odds": "",
        "entries_per_user": 1, "votes_per_user": 3, "min_account_age_days_to_vote": 0,
    }
    for i, name in enumerate(("opens_at", "entries_close_at", "voting_close_at", "closes_at")):
        when = start + datetime.timedelta(days=i)
        data[f"{name}_0"], data[f"{name}_1"] = when.strftime("%Y-%m-%d"), when.strftime("%H:%M:%S")
    data.update(over)
    return data


def _options(*labels):
    data = {"poll_options-TOTAL_FORMS": str(len(labels)), "poll_options-INITIAL_FORMS": "0",
            "poll_options-MIN_NUM_FORMS": "0", "poll_options-MAX_NUM_FORMS": "1000"}
    for i, label in enumerate(labels):
        data.update({f"poll_options-{i}-position": i, f"poll_options-{i}-label_zh": label})
    return data


def _poll_group(body):
    """The class attribute of the poll options' fieldset, or None when it is not on the page."""
    match = re.search(r'<div class="js-inline-admin-formset inline-group"\s+id="poll_options-group".*?'
                      r'<fieldset class="module ([^"]*)"', body, re.S)
    return match.group(1).split() if match else None


def _section_classes(body, heading):
    match = re.search(r'<fieldset class="module aligned ([^"]*)"[^>]*>\s*<h2[^>]*>' + re.escape(heading), body)
    return match.group(1).split() if match else None


# --- the challenge form ----------------------------------------------------------------------


def test_a_one_brand_staff_member_finds_their_brand_chosen_and_only_theirs(staff_client, brand, brand_staff):
    factories.BrandFactory(name="别家品牌")
    form = staff_client.get(ADD).context["adminform"].form
    assert form.initial["brand"] == brand.pk
    assert list(form.fields["brand"].queryset) == [brand]
    second = factories.BrandFactory(name="第二品牌")
    factories.BrandMembershipFactory(user=brand_staff, brand=second)
    form = staff_client.get(ADD).context["adminform"].form
    assert "brand" not in form.initial  # two brands: the staff member chooses
    assert set(form.fields["brand"].queryset) == {brand, second}


def test_the_form_is_laid_out_for_the_kind_on_the_server(staff_client, brand, product):
    with translation.override("en"):
        idea = staff_client.get(ADD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        poll = staff_client.get(ADD + "?kind=poll", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # A new idea challenge: its entry sections show; the poll options are there, hidden, for the select.
    assert "kind-hidden" in _poll_group(idea)
    assert "kind-hidden" not in _section_classes(idea, "Entries and rewards")
    assert "kind-hidden" not in _section_classes(idea, "Prize draw")
    # A new poll: the options show and the entry-only sections are hidden.
    assert "kind-hidden" not in _poll_group(poll)
    assert "kind-hidden" in _section_classes(poll, "Entries and rewards")
    assert "kind-hidden" in _section_classes(poll, "Prize draw")
    assert 'name="products"' in poll and 'type="checkbox"' in poll and "selectfilter" not in poll
    # A published idea challenge: its kind is fixed and the options are not on the page at all.
    published = make_challenge(brand, kind="idea")
    body = staff_client.get(f"/admin/cocreation/challenge/{published.pk}/change/").content.decode()
    assert _poll_group(body) is None and 'name="kind"' not in body


def test_options_posted_with_an_idea_challenge_are_not_saved(staff_client, brand):
    resp = staff_client.post(ADD, _form(brand, "idea", title_zh="创意") | _options("方案甲", "方案乙"))
    assert resp.status_code == 302
    challenge = Challenge.objects.get(title_zh="创意")
    assert challenge.kind == "idea" and not PollOption.objects.filter(challenge=challenge).exists()


def test_save_and_publish_goes_through_the_publish_service(staff_client, brand):
    resp = staff_client.post(ADD, _form(brand, "poll", title_zh="投票") | _options("方案甲", "方案乙") | {"_publish": "1"},
                             follow=True)
    challenge = Challenge.objects.get(title_zh="投票")
    assert resp.redirect_chain[-1][0] == f"/admin/cocreation/challenge/{challenge.pk}/change/"
    assert challenge.state == S.SCHEDULED  # opens tomorrow: the schedule takes it from here
    assert [m.level for m in resp.context["messages"]] == [messages.SUCCESS]
    assert challenge.events.filter(action="community.challenge.scheduled").count() == 1
    assert 'name="_publish"' not in resp.content.decode()  # published: no second publish button


def test_save_and_publish_refused_keeps_the_draft_and_says_why(staff_client, brand):
    resp = staff_client.post(ADD, _form(brand, "poll", title_zh="只有一个方案") | _options("唯一方案") | {"_publish": "1"},
                             follow=True, HTTP_ACCEPT_LANGUAGE="en")
    challenge = Challenge.objects.get(title_zh="只有一个方案")
    assert challenge.state == S.DRAFT and challenge.poll_options.count() == 1  # saved, not published
    shown = list(resp.context["messages"])
    assert [m.level for m in shown] == [messages.ERROR]
    assert "at least two options" in str(shown[0])
    assert 'name="_publish"' in resp.content.decode()  # still a draft: the button is still there


def test_save_and_publish_with_an_invalid_form_publishes_nothing(staff_client, brand):
    data = _form(brand, "idea", title_zh="日程颠倒", _publish="1")
    data["closes_at_0"] = "2000-01-01"
    resp = staff_client.post(ADD, data)
    assert resp.status_code == 200 and "errornote" in resp.content.decode()
    assert not Challenge.objects.filter(title_zh="日程颠倒").exists()


def test_a_draft_is_previewed_by_its_brand_staff_only(client, staff_client, brand, brand_staff):
    draft = make_challenge(brand, state=S.DRAFT, title_zh="草稿预览", title_en="Draft preview")
    url = f"/challenges/{draft.pk}/"
    change = staff_client.get(f"/admin/cocreation/challenge/{draft.pk}/change/").content.decode()
    assert f'href="{url}"' in change and 'target="_blank"' in change
    body = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert body.status_code == 200
    assert "Draft preview" in body.content.decode() and "visible only to the brand" in body.content.decode()
    assert 'name="robots" content="noindex"' in body.content.decode()
    rival = factories.UserFactory(is_staff=True)
    factories.BrandMembershipFactory(user=rival)  # staff of another brand
    for viewer in (None, factories.UserFactory(), rival):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        assert client.get(url).status_code == 404
    Challenge.objects.filter(pk=draft.pk).update(state=S.OPEN)
    client.logout()
    assert client.get(url).status_code == 200


# --- the trial funnel ----------------------------------------------------------------------


def _program(brand, *, deadline_days=30, title_zh="试用"):
    """A program of ``brand`` whose report deadline is ``deadline_days`` from now."""
    now = timezone.now()
    return TrialProgram.objects.create(
        brand=brand, product=factories.ProductFactory(brand=brand), title_zh=title_zh, samples=50,
        applications_open_at=now - datetime.timedelta(days=40),
        applications_close_at=now + datetime.timedelta(days=-35 if deadline_days < 0 else 1),
        report_deadline=now + datetime.timedelta(days=deadline_days), state=TrialProgram.State.OPEN,
    )


def _funnel(program, *, applied, selected, shipped, on_time, late=0):
    """Applications through the services: ``applied`` applicants, ``selected`` of them picked,
    ``shipped`` shipped, ``on_time`` reported before the deadline and ``late`` after it. The
    window is opened for the applications, then the program's own schedule is put back."""
    schedule = {"applications_close_at": program.applications_close_at, "report_deadline": program.report_deadline}
    now = timezone.now()
    TrialProgram.objects.filter(pk=program.pk).update(applications_close_at=now + datetime.timedelta(days=1),
                                                      report_deadline=now + datetime.timedelta(days=60))
    program.refresh_from_db()
    users = [factories.UserFactory(display_name=f"试用者{program.pk}-{i}") for i in range(applied)]
    apps = [trial_services.trial_apply(user=u, program=program, reason="我每天都用，想认真写一篇测评。") for u in users]
    trial_services.trial_select(actor=None, program=program, application_ids=[a.pk for a in apps[:selected]],
                                close_selection=False)
    trial_services.trial_mark_shipped(actor=None, application_ids=[a.pk for a in apps[:shipped]])
    TrialProgram.objects.filter(pk=program.pk).update(**schedule)
    program.refresh_from_db()
    deadline = program.report_deadline
    for i, app in enumerate(apps[:on_time + late]):
        at = deadline - datetime.timedelta(days=1) if i < on_time else deadline + datetime.timedelta(hours=1)
        # A report is the tester's review (tests/test_trials.py covers that path); the funnel
        # only measures when it came against the deadline.
        TrialApplication.objects.filter(pk=app.pk).update(status=TrialApplication.Status.REPORTED, reported_at=at)
    return apps


def test_funnel_of_one_program_counts_each_step(staff_client, brand):
    program = _program(brand, deadline_days=-2, title_zh="烤箱试用")
    apps = _funnel(program, applied=10, selected=6, shipped=5, on_time=2, late=1)
    resp = staff_client.get(f"/admin/trials/trialprogram/{program.pk}/funnel/", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200
    funnel = resp.context["funnel"]
    assert [(s["key"], s["count"], s["rate"]) for s in funnel["steps"]] == [
        ("applied", 10, None), ("selected", 6, 60), ("shipped", 5, 83), ("reported", 3, 60)]
    assert (funnel["on_time"], funnel["late"], funnel["overdue"], funnel["due"]) == (2, 1, 3, 0)
    overdue = [a.user.public_name for a in resp.context["overdue"]]
    assert overdue == [a.user.display_name for a in apps[3:6]]  # selected, no report, deadline passed
    body = resp.content.decode()
    assert "Reports submitted" in body and "60% of the step before" in body and "2 on time · 1 late" in body
    assert all(name in body for name in overdue)
    assert not any(a.user.email in body for a in apps)  # display names, never e-mail addresses


def test_funnel_of_a_brand_adds_up_its_programs_only(staff_client, brand):
    first, second = _program(brand, title_zh="甲"), _program(brand, deadline_days=-1, title_zh="乙")
    _funnel(first, applied=4, selected=2, shipped=2, on_time=1)
    _funnel(second, applied=3, selected=3, shipped=1, on_time=0)
    other = _program(factories.BrandFactory(), title_zh="别人的试用")
    _funnel(other, applied=9, selected=9, shipped=9, on_time=9)
    resp = staff_client.get("/admin/trials/trialprogram/funnel/")
    assert resp.context["brand"] == brand
    assert {row.title_zh for row in resp.context["rows"]} == {"甲", "乙"}
    funnel = resp.context["funnel"]
    assert [s["count"] for s in funnel["steps"]] == [7, 5, 3, 1]
    assert [s["rate"] for s in funnel["steps"]] == [None, 71, 60, 33]
    assert (funnel["overdue"], funnel["due"]) == (3, 1)
    assert "别人的试用" not in resp.content.decode()


def test_funnel_of_another_brand_is_out_of_reach(staff_client, brand):
    other_brand = factories.BrandFactory()
    other = _program(other_brand, title_zh="别人的试用")
    assert staff_client.get(f"/admin/trials/trialprogram/{other.pk}/funnel/").status_code == 404
    assert staff_client.get(f"/admin/trials/trialprogram/funnel/?brand={other_brand.pk}").status_code == 404
    assert staff_client.get("/admin/trials/trialprogram/funnel/?brand=x").status_code == 404


def test_funnel_needs_the_view_permission(client, brand):
    clerk = factories.UserFactory(is_staff=True)
    factories.BrandMembershipFactory(user=clerk, brand=brand)
    client.force_login(clerk)
    assert client.get("/admin/trials/trialprogram/funnel/").status_code == 403


@pytest.mark.parametrize("page", ["brand", "program"])
def test_funnel_pages_cost_the_same_queries_at_any_size(staff_client, brand, django_assert_num_queries, page):
    def url(program):
        base = "/admin/trials/trialprogram/"
        return f"{base}funnel/" if page == "brand" else f"{base}{program.pk}/funnel/"

    small = _program(brand, deadline_days=-1)
    _funnel(small, applied=2, selected=1, shipped=1, on_time=0)
    staff_client.get(url(small))  # warm the session and content-type caches
    # user, user and group permissions, brand memberships (the scope, read once),
    # brands, [the program,] the funnel rows, the overdue testers (the session is cached)
    expected = 7 if page == "brand" else 8
    with django_assert_num_queries(expected):
        assert staff_client.get(url(small)).status_code == 200
    for _ in range(3):
        _funnel(_program(brand, deadline_days=-1), applied=6, selected=5, shipped=4, on_time=1)
    _funnel(small, applied=8, selected=6, shipped=6, on_time=2)
    with django_assert_num_queries(expected):
        resp = staff_client.get(url(small))
    assert len(resp.context["overdue"]) == (4 * 3 + 5 if page == "brand" else 5)  # selected, unreported


# --- names ---------------------------------------------------------------------------------


def test_every_name_the_admin_shows_goes_through_gettext():
    """Model names of the project's apps (the index, inline headings, the products selector's
    title), and the field labels of every model the admin shows, inlines included (readonly
    ones like the prize draw's seed hash too)."""
    from django.apps import apps
    from django.contrib import admin
    from django.utils.functional import Promise

    ours = ("community", "cocreation", "trials", "gamification", "moderation")
    unnamed = [m._meta.label for m in apps.get_models()
               if m._meta.app_label in ours and not isinstance(m._meta.verbose_name, Promise)]
    assert unnamed == []
    shown = set()
    for model, model_admin in admin.site._registry.items():
        shown |= {model, *(inline.model for inline in model_admin.inlines)}
    unlabelled = [f"{m._meta.label}.{f.name}" for m in shown if m._meta.app_label in ours
                  for f in m._meta.get_fields() if not f.auto_created
                  and not isinstance(getattr(f, "verbose_name", None), Promise)]
    assert unlabelled == []
    with translation.override("zh-hans"):
        assert str(Challenge._meta.get_field("draw_seed_hash").verbose_name) != "Draw seed hash"
