"""Trial programs (试用 + 测评): applying, selection, suggestions, reports, deadlines, brand admin,
pages and API. State is built through the services; pages and the API are tested over HTTP."""
import datetime

import factory
import pytest
from django.utils import timezone

from community import services as community_services
from core.errors import PermissionDeniedError, ServiceError
from community.models import Notification, Review
from community.trials.models import TrialApplication, TrialProgram
from community.trials import selectors, services
from gamification.models import PointsEntry
from gamification.services import TRIAL_REPORT_ON_TIME, points_award, trial_report_points_settle
from tests import factories

pytestmark = pytest.mark.django_db

App = TrialApplication.Status
REASON = "I cook every day and want to compare it with my old one."


class TrialProgramFactory(factory.django.DjangoModelFactory):
    """A program open for applications now (brand staff create programs in the admin)."""

    class Meta:
        model = TrialProgram

    product = factory.SubFactory(factories.ProductFactory)
    brand = factory.LazyAttribute(lambda o: o.product.brand)
    title_zh = factory.Sequence(lambda n: f"免费试用{n}")
    title_en = factory.Sequence(lambda n: f"Free trial {n}")
    description_en = "Try it for two weeks."
    samples = 3
    applications_open_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    applications_close_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    report_deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    state = TrialProgram.State.OPEN


def set_schedule(program, *, open_days, close_days, deadline_days):
    """Move a program's schedule relative to now (test setup: brand staff do this in the admin)."""
    now = timezone.now()
    TrialProgram.objects.filter(pk=program.pk).update(
        applications_open_at=now + datetime.timedelta(days=open_days),
        applications_close_at=now + datetime.timedelta(days=close_days),
        report_deadline=now + datetime.timedelta(days=deadline_days),
    )
    program.refresh_from_db()
    return program


@pytest.fixture
def program(product):
    return TrialProgramFactory(product=product)


def applicants(program, n):
    users = [factories.UserFactory() for _ in range(n)]
    return [services.trial_apply(user=u, program=program, reason=REASON) for u in users]


# --- applying ------------------------------------------------------------------------------------


def test_apply_once_with_a_reason(program, shopper):
    app = services.trial_apply(user=shopper, program=program, reason="  " + REASON + "  ")
    assert app.status == App.APPLIED and app.reason == REASON
    with pytest.raises(ServiceError) as err:
        services.trial_apply(user=shopper, program=program, reason=REASON)
    assert err.value.code == "already_applied"
    assert TrialApplication.objects.filter(program=program, user=shopper).count() == 1


@pytest.mark.parametrize("reason", ["", "   ", "too short"])
def test_apply_needs_a_short_reason(program, shopper, reason):
    with pytest.raises(ServiceError) as err:
        services.trial_apply(user=shopper, program=program, reason=reason)
    assert err.value.code == "reason_too_short" and "reason" in err.value.fields
    assert not TrialApplication.objects.exists()


@pytest.mark.parametrize(
    "state, open_days, close_days",
    [("open", 1, 5), ("open", -5, -1), ("draft", -1, 5), ("selecting", -1, 5), ("closed", -1, 5)],
)
def test_apply_only_while_the_window_is_open(program, shopper, state, open_days, close_days):
    set_schedule(program, open_days=open_days, close_days=close_days, deadline_days=30)
    TrialProgram.objects.filter(pk=program.pk).update(state=state)
    program.refresh_from_db()
    with pytest.raises(ServiceError) as err:
        services.trial_apply(user=shopper, program=program, reason=REASON)
    assert err.value.code == "trial_closed"


def test_brand_staff_cannot_apply_for_their_own_trial(program, brand_staff):
    with pytest.raises(PermissionDeniedError):
        services.trial_apply(user=brand_staff, program=program, reason=REASON)


# --- selection -------------------------------------------------------------------------------------


def test_select_up_to_n_and_tell_everyone(program, brand_staff):
    apps = applicants(program, 5)  # 3 samples
    with pytest.raises(ServiceError) as err:
        services.trial_select(actor=brand_staff, program=program, application_ids=[a.pk for a in apps[:4]])
    assert err.value.code == "too_many_testers"
    assert not TrialApplication.objects.filter(status=App.SELECTED).exists()

    picked = services.trial_select(actor=brand_staff, program=program, application_ids=[a.pk for a in apps[:3]])
    assert len(picked) == 3
    statuses = dict(TrialApplication.objects.values_list("pk", "status"))
    assert [statuses[a.pk] for a in apps] == [App.SELECTED] * 3 + [App.NOT_SELECTED] * 2
    program.refresh_from_db()
    assert program.state == TrialProgram.State.RUNNING
    kinds = sorted(Notification.objects.values_list("kind", flat=True))
    assert kinds == ["community.trial.not_selected"] * 2 + ["community.trial.selected"] * 3

    # Selecting the same testers again changes nothing and notifies nobody twice.
    assert services.trial_select(actor=brand_staff, program=program, application_ids=[apps[0].pk]) == []
    assert Notification.objects.count() == 5
    # A fourth tester would pass the limit.
    with pytest.raises(ServiceError):
        services.trial_select(actor=brand_staff, program=program, application_ids=[apps[3].pk])


def test_other_brands_staff_cannot_select(program):
    apps = applicants(program, 1)
    rival = factories.UserFactory(is_staff=True)
    factories.BrandMembershipFactory(user=rival)
    with pytest.raises(PermissionDeniedError):
        services.trial_select(actor=rival, program=program, application_ids=[apps[0].pk])
    other_program = TrialProgramFactory()
    foreign = applicants(other_program, 1)[0]
    with pytest.raises(ServiceError) as err:
        services.trial_select(actor=None, program=program, application_ids=[foreign.pk])
    assert err.value.code == "applications_invalid"


# --- suggestions ----------------------------------------------------------------------------------


def give_level_2(user):
    points_award(user_id=user.pk, amount=60, action="test.seed", key=f"test.seed:{user.pk}")


def give_quality(user, score):
    review, _ = community_services.review_post(author=user, product=factories.ProductFactory(), rating=4)
    community_services.review_set_quality(review_id=review.pk, score=score)


def past_trial(user, *, overdue):
    """A finished trial of another program: selected (now), and overdue when asked."""
    other = TrialProgramFactory()
    app = services.trial_apply(user=user, program=other, reason=REASON)
    services.trial_select(actor=None, program=other, application_ids=[app.pk])
    if overdue:
        set_schedule(other, open_days=-10, close_days=-5, deadline_days=-1)
        services.trials_mark_overdue()
        # Long ago: this tester is not "recent", only overdue.
        TrialApplication.objects.filter(pk=app.pk).update(selected_at=timezone.now() - datetime.timedelta(days=200))


def test_suggestions_rank_level_quality_recency_and_overdue(program):
    leveled, plain, recent, late, newcomer = (factories.UserFactory() for _ in range(5))
    for user in (leveled, recent, late):
        give_level_2(user)
    for user in (leveled, plain, recent, late):
        give_quality(user, 80)
    give_quality(newcomer, 10)  # 10 + 5: below the overdue tester (20 + 40 - 40)
    past_trial(recent, overdue=False)
    past_trial(late, overdue=True)
    for user in (newcomer, late, recent, plain, leveled):
        services.trial_apply(user=user, program=program, reason=REASON)

    rows = selectors.trial_suggest_testers(program=program)
    assert [r["user"] for r in rows] == [leveled, plain, late, newcomer, recent]
    by_user = {r["user"]: r for r in rows}
    assert by_user[leveled]["level"] == 2 and by_user[plain]["level"] == 1
    assert by_user[leveled]["quality"] == 80 and by_user[newcomer]["quality"] == 10
    assert by_user[recent]["recent_trial"] and not by_user[late]["recent_trial"]
    assert by_user[late]["overdue"] == 1 and by_user[leveled]["overdue"] == 0


def test_select_suggested_fills_the_remaining_samples(program, brand_staff):
    first, *rest = applicants(program, 4)
    give_level_2(rest[2].user)
    services.trial_select(actor=brand_staff, program=program, application_ids=[first.pk], close_selection=False)
    picked = services.trial_select_suggested(actor=brand_staff, program=program)
    assert len(picked) == 2 and rest[2] in picked
    assert TrialApplication.objects.filter(program=program, status=App.SELECTED).count() == 3


# --- reports -------------------------------------------------------------------------------------


def selected_tester(program, user):
    app = services.trial_apply(user=user, program=program, reason=REASON)
    services.trial_select(actor=None, program=program, application_ids=[app.pk])
    services.trial_mark_shipped(actor=None, application_ids=[app.pk])
    app.refresh_from_db()
    return app


def report_points(user):
    return list(PointsEntry.objects.filter(user=user, action=TRIAL_REPORT_ON_TIME))


def test_report_on_time_earns_points_and_is_labelled(client, program, shopper, django_capture_on_commit_callbacks):
    app = selected_tester(program, shopper)
    assert app.status == App.SHIPPED
    with django_capture_on_commit_callbacks(execute=True):
        review = services.trial_report_post(user=shopper, application=app, rating=4, text="用了两周，很好用，声音小。")
    app.refresh_from_db()
    review.refresh_from_db()
    assert review.is_public and review.incentive == Review.Incentive.FREE_SAMPLE
    assert app.status == App.REPORTED and app.review == review and app.reported_on_time
    entries = report_points(shopper)
    assert len(entries) == 1 and entries[0].amount > 0 and entries[0].source_id == review.pk
    assert entries[0].key == f"trial.report:{app.pk}"

    # Running the recorder again (beat retry) or gamification's settlement again (second signal)
    # awards nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        services.trial_report_record(review_id=review.pk)
    assert trial_report_points_settle(application_id=app.pk) is None
    assert len(report_points(shopper)) == 1

    body = client.get(f"/products/{program.product.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Incentivized review · got a free sample" in body


def test_review_posted_from_the_product_page_counts_as_the_report(program, shopper, django_capture_on_commit_callbacks):
    app = selected_tester(program, shopper)
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = community_services.review_post(
            author=shopper, product=program.product, rating=5, text="Tried the free sample: quiet and strong."
        )
    app.refresh_from_db()
    review.refresh_from_db()
    assert app.status == App.REPORTED and app.review_id == review.pk
    assert review.incentive == Review.Incentive.FREE_SAMPLE  # the disclosure is set even from the product page
    assert len(report_points(shopper)) == 1


def test_rating_alone_is_not_a_report(program, shopper, django_capture_on_commit_callbacks):
    app = selected_tester(program, shopper)
    with django_capture_on_commit_callbacks(execute=True):
        community_services.review_post(author=shopper, product=program.product, rating=5)
    app.refresh_from_db()
    assert app.status == App.SHIPPED and app.review_id is None
    with pytest.raises(ServiceError) as err:
        services.trial_report_post(user=shopper, application=app, rating=5, text="  ")
    assert err.value.code == "text_required"


def test_only_selected_testers_report(program, shopper):
    app = services.trial_apply(user=shopper, program=program, reason=REASON)
    with pytest.raises(ServiceError) as err:
        services.trial_report_post(user=shopper, application=app, rating=4, text="Not a tester yet")
    assert err.value.code == "not_a_tester"


# --- deadlines --------------------------------------------------------------------------------------


def test_reminders_go_out_once_before_the_deadline(program, shopper, other_shopper):
    a = selected_tester(program, shopper)
    assert services.trials_remind_due() == 0  # 30 days away
    set_schedule(program, open_days=-10, close_days=-5, deadline_days=2)
    assert services.trials_remind_due() == 1
    assert services.trials_remind_due() == 0  # beat running twice
    a.refresh_from_db()
    assert a.reminded_at is not None
    assert Notification.objects.filter(user=shopper, kind="community.trial.reminder").count() == 1


def test_overdue_marking_is_idempotent_and_late_reports_earn_nothing(
    program, shopper, django_capture_on_commit_callbacks
):
    app = selected_tester(program, shopper)
    set_schedule(program, open_days=-10, close_days=-5, deadline_days=-1)
    assert services.trials_mark_overdue() == 1
    assert services.trials_mark_overdue() == 0
    assert services.trials_remind_due() == 0  # no reminder after the deadline
    app.refresh_from_db()
    assert app.status == App.OVERDUE and app.overdue_at is not None
    assert Notification.objects.filter(user=shopper, kind="community.trial.overdue").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.trial_report_post(user=shopper, application=app, rating=3, text="Sorry, late: it works fine.")
    app.refresh_from_db()
    assert app.status == App.REPORTED and not app.reported_on_time
    assert app.overdue_at is not None  # still counts against later suggestions
    assert report_points(shopper) == []


def test_beat_tasks_are_declared(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"community.trials_remind", "community.trials_mark_overdue"} <= tasks
    from community.trials import tasks as trial_tasks  # the trials app's own tasks module (autodiscovered)

    assert trial_tasks.trials_remind.name == "community.trials_remind"
    assert trial_tasks.trials_mark_overdue.name == "community.trials_mark_overdue"
    from config.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery imports each app's tasks
    assert {"community.trials_remind", "community.trials_mark_overdue"} <= set(app.tasks)


# --- funnel ------------------------------------------------------------------------------------------


def test_funnel_counts_and_report_quality(program, django_capture_on_commit_callbacks):
    apps = applicants(program, 4)
    services.trial_select(actor=None, program=program, application_ids=[a.pk for a in apps[:2]])
    services.trial_mark_shipped(actor=None, application_ids=[apps[0].pk])
    with django_capture_on_commit_callbacks(execute=True):
        review = services.trial_report_post(user=apps[0].user, application=apps[0], rating=5, text="Great sample.")
    community_services.review_set_quality(review_id=review.pk, score=70)
    row = selectors.trial_funnel_programs(TrialProgram.objects.filter(pk=program.pk)).get()
    assert (row.applied, row.selected, row.shipped, row.reported, row.on_time, row.late, row.overdue, row.due,
            row.report_quality) == (4, 2, 1, 1, 1, 0, 0, 1, 70)
    annotated = selectors.trial_list_with_funnel(TrialProgram.objects.filter(pk=program.pk)).get()
    assert (annotated.funnel_applied, annotated.funnel_selected, annotated.funnel_shipped,
            annotated.funnel_on_time, annotated.funnel_quality) == (4, 2, 1, 1, 70)
