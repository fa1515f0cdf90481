"""Every write to trial rows goes through a function here (``trial_<verb>``).

Services are idempotent on state: selecting a tester twice, marking a shipped sample
shipped, or recording a report that is already recorded changes nothing and awards
nothing twice.
"""
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from community.models import Review, User
from community.privacy.models import StaffAccessRecord
from community.privacy.services import staff_access_record
from community.reviewversions import review_list_changed
from community.services import brand_staff_check, notification_send, review_post
from community.signals import send_on_commit
from community.trials import signals
from community.trials.models import TrialApplication, TrialProgram, TrialShipping
from core.errors import PermissionDeniedError, ServiceError

App = TrialApplication.Status
State = TrialProgram.State

REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 300
# Testers still owing a report: these count toward the program's samples.
ACTIVE = (App.SELECTED, App.SHIPPED, App.REPORTED, App.OVERDUE)
OWING = (App.SELECTED, App.SHIPPED)


# What brand staff of another brand are told.
MANAGE_DENIED = gettext_lazy("Only the brand's staff can manage this trial.")


def _now():
    return timezone.now()


def _program_url(program):
    return reverse("community:trial_detail", kwargs={"program_id": program.pk})


def _notify(*, user_id, kind, title, title_params=None, body="", url=""):
    return notification_send(user_id=user_id, kind=kind, title=title, title_params=title_params, body=body, url=url)


SHIPPING_LIMITS = {"recipient_name": 40, "phone": 20, "address": 200}
# Testers whose parcel details the brand may see (while they are kept).
SHIPPING_VISIBLE = ACTIVE


def _shipping_clean(shipping):
    """The parcel fields, stripped and checked; field errors name what is wrong."""
    if not shipping.get("consent"):
        msg = _("Tick the box to share these details with the brand for this trial.")
        raise ServiceError(msg, code="shipping_consent_required", fields={"shipping_consent": [msg]})
    data = {k: " ".join(str(shipping.get(k) or "").split()) for k in SHIPPING_LIMITS}
    errors = {}
    for key, limit in SHIPPING_LIMITS.items():
        if not data[key]:
            errors[key] = [_("This field is required.")]
        elif len(data[key]) > limit:
            errors[key] = [_("Keep this under %(n)d characters.") % {"n": limit}]
    digits = sum(ch.isdigit() for ch in data["phone"])
    if "phone" not in errors and (digits < 7 or any(not (ch.isdigit() or ch in "+- ()") for ch in data["phone"])):
        errors["phone"] = [_("Enter a phone number the courier can call (digits, spaces, + or -).")]
    if errors:
        raise ServiceError(_("Check the shipping details."), code="shipping_invalid", fields=errors)
    return data


def shipping_retention_days():
    return int(getattr(settings, "RETENTION_TRIAL_SHIPPING_DAYS", 30))


@transaction.atomic
def trial_apply(*, user: User, program: TrialProgram, reason: str, shipping=None) -> TrialApplication:
    """Apply for a free sample: the window must be open, once per user, with a short reason.
    ``shipping`` ({recipient_name, phone, address, consent}) is stored apart, for this trial's
    brand only, when the applicant explicitly agreed to share it."""
    reason = (reason or "").strip()
    if not program.window_open(_now()):
        raise ServiceError(_("Applications for this trial are not open."), code="trial_closed")
    if len(reason) < REASON_MIN_LENGTH:
        msg = _("Tell the brand in at least %(n)d characters why you want to try it.") % {"n": REASON_MIN_LENGTH}
        raise ServiceError(msg, code="reason_too_short", fields={"reason": [msg]})
    if len(reason) > REASON_MAX_LENGTH:
        msg = _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH}
        raise ServiceError(msg, code="reason_too_long", fields={"reason": [msg]})
    if program.brand.memberships.filter(user=user).exists():
        raise PermissionDeniedError(_("Brand staff cannot apply for their own brand's trials."), code="own_brand")
    # Lock the program row: applications to one program are serialised, so "once" holds
    # without relying on the IntegrityError alone.
    TrialProgram.objects.select_for_update().filter(pk=program.pk).first()
    if TrialApplication.objects.filter(program=program, user=user).exists():
        raise ServiceError(_("You have already applied for this trial."), code="already_applied")
    parcel = _shipping_clean(shipping) if shipping is not None else None
    application = TrialApplication.objects.create(program=program, user=user, reason=reason)
    if parcel is not None:
        TrialShipping.objects.create(
            application=application, **parcel,
            purge_after=program.report_deadline + timedelta(days=shipping_retention_days()),
        )
    return application


@transaction.atomic
def trial_shipping_withdraw(*, user: User, application: TrialApplication) -> bool:
    """The tester stops sharing their parcel details with the brand: they are deleted at once."""
    if application.user_id != user.pk:
        raise PermissionDeniedError(_("This is not your trial."))
    return bool(TrialShipping.objects.filter(application=application).delete()[0])


def trial_shipping_reveal(*, actor, application_id, reason) -> TrialShipping:
    """Show a selected tester's parcel details to the trial's brand staff, after writing the
    access record (who, whose, why). Only selected testers, only while the details are kept."""
    shipping = (
        TrialShipping.objects.select_related("application__program")
        .filter(application_id=application_id, application__status__in=SHIPPING_VISIBLE)
        .filter(purge_after__gt=_now())
        .first()
    )
    if shipping is None:
        raise ServiceError(_("No shipping details to show for this application."), code="no_shipping",
                           status_code=404)
    application = shipping.application
    brand_staff_check(actor, application.program.brand_id, MANAGE_DENIED)
    staff_access_record(actor=actor, subject_id=application.user_id, field=StaffAccessRecord.Field.SHIPPING_ADDRESS,
                        reason=reason, object_ref=f"trials.trialapplication:{application.pk}")
    return shipping


def trial_shipping_purge(*, now, days, dry_run=False) -> int:
    """Retention: parcel details past their purge date or the trial's deadline + ``days``,
    and those of applicants who were not selected."""
    old = TrialShipping.objects.filter(
        Q(purge_after__lt=now)
        | Q(application__program__report_deadline__lt=now - timedelta(days=days))
        | Q(application__status=App.NOT_SELECTED)
    )
    if dry_run:
        return old.count()
    return old.delete()[0]


@transaction.atomic
def trial_select(*, actor, program: TrialProgram, application_ids, close_selection=True) -> list[TrialApplication]:
    """Select testers (up to the program's samples), notify them, and — with ``close_selection`` —
    tell every other applicant they were not selected. Returns the newly selected applications."""
    brand_staff_check(actor, program.brand_id, MANAGE_DENIED)
    program = TrialProgram.objects.select_for_update().get(pk=program.pk)
    if program.state in (State.DRAFT, State.CLOSED):
        raise ServiceError(_("Testers can be selected only while the trial is open or selecting."), code="trial_state")
    ids = {int(i) for i in application_ids}
    apps = list(TrialApplication.objects.select_for_update().filter(program=program, pk__in=ids))
    if len(apps) != len(ids):
        raise ServiceError(_("Some applications do not belong to this trial."), code="applications_invalid")
    new = [a for a in apps if a.status in (App.APPLIED, App.NOT_SELECTED)]
    taken = TrialApplication.objects.filter(program=program, status__in=ACTIVE).count()
    if taken + len(new) > program.samples:
        raise ServiceError(
            _("This trial has %(n)d samples; %(taken)d are already taken.") % {"n": program.samples, "taken": taken},
            code="too_many_testers",
        )
    now = _now()
    url = _program_url(program)
    for app in new:
        app.status, app.selected_at = App.SELECTED, now
        app.save(update_fields=["status", "selected_at"])
        _notify(
            user_id=app.user_id, kind="community.trial.selected", url=url,
            title=gettext_noop("You were selected to try %(product)s"), title_params={"product": str(program.product.name)},
            body=_("Your free sample is on its way. Post your review of the product by %(date)s.")
            % {"date": timezone.localtime(program.report_deadline).strftime("%Y-%m-%d")},
        )
    if close_selection:
        for app in TrialApplication.objects.select_for_update().filter(program=program, status=App.APPLIED):
            app.status = App.NOT_SELECTED
            app.save(update_fields=["status"])
            TrialShipping.objects.filter(application=app).delete()  # the brand never needs it now
            _notify(
                user_id=app.user_id, kind="community.trial.not_selected", url=url,
                title=gettext_noop("Thank you for applying to try %(product)s"), title_params={"product": str(program.product.name)},
                body=_("You were not selected this time. Keep writing helpful reviews: they count next time."),
                )
        if program.state != State.RUNNING:
            program.state = State.RUNNING
            program.save(update_fields=["state"])
    return new


def trial_select_suggested(*, actor, program: TrialProgram) -> list[TrialApplication]:
    """Fill the program's free samples with the top suggested applicants (the admin action)."""
    from community.trials.selectors import trial_suggest_testers

    taken = TrialApplication.objects.filter(program=program, status__in=ACTIVE).count()
    room = max(0, program.samples - taken)
    picks = [row["application"].pk for row in trial_suggest_testers(program=program)][:room]
    return trial_select(actor=actor, program=program, application_ids=picks)


@transaction.atomic
def trial_mark_shipped(*, actor, application_ids) -> int:
    """Mark selected testers' samples shipped; returns how many changed (already shipped: no change)."""
    apps = list(
        TrialApplication.objects.select_for_update()
        .select_related("program__product")
        .filter(pk__in=list(application_ids), status=App.SELECTED)
    )
    now = _now()
    for app in apps:
        brand_staff_check(actor, app.program.brand_id, MANAGE_DENIED)
        app.status, app.shipped_at = App.SHIPPED, now
        app.save(update_fields=["status", "shipped_at"])
        _notify(
            user_id=app.user_id, kind="community.trial.shipped", url=_program_url(app.program),
            title=gettext_noop("Your free sample of %(product)s has shipped"), title_params={"product": str(app.program.product.name)},
        )
    return len(apps)


def trial_application_for_report(*, user_id, product_id):
    """The user's trial of this product that still owes (or owed) a report, if any."""
    return (
        TrialApplication.objects.select_related("program")
        .filter(user_id=user_id, program__product_id=product_id, status__in=(*OWING, App.OVERDUE))
        .order_by("-selected_at", "-id")
        .first()
    )


@transaction.atomic
def trial_report_post(*, user: User, application: TrialApplication, rating, text, tag_ids=None, language=None):
    """The trial report page: the tester's review of the product, posted through ``review_post``
    as an incentivized review (a free sample), then linked to the application. The report counts
    once the review is published with content (at once for trusted authors, else after screening)."""
    if application.user_id != user.pk:
        raise PermissionDeniedError(_("This is not your trial."))
    application = TrialApplication.objects.select_for_update().select_related("program__product").get(pk=application.pk)
    if application.status not in (*OWING, App.OVERDUE, App.REPORTED):
        raise ServiceError(_("Only selected testers can post a trial report."), code="not_a_tester")
    if not (text or "").strip():
        msg = _("A trial report needs a few words about the product.")
        raise ServiceError(msg, code="text_required", fields={"text": [msg]})
    review, _created = review_post(
        author=user, product=application.program.product, rating=rating, tag_ids=tag_ids, text=text,
        language=language, incentive=Review.Incentive.FREE_SAMPLE,
    )
    linked_elsewhere = TrialApplication.objects.filter(review=review).exclude(pk=application.pk).exists()
    if application.review_id != review.pk and not linked_elsewhere:
        application.review = review
        application.save(update_fields=["review"])
        review_list_changed(review.product_id)  # the card now says it is a trial report
    if review.is_public and review.has_content:
        transaction.on_commit(lambda: trial_report_record(review_id=review.pk))
    return review


def trial_report_record(*, review_id) -> TrialApplication | None:
    """A published review by a tester of the trial's product is their report: link it, disclose it
    as incentivized (a free sample), mark the application reported and, on time, award the rule's points.
    Called on ``review_published`` (via a task) and after the report page; safe to run twice."""
    review = Review.objects.filter(pk=review_id).first()
    if review is None or not review.is_public or not review.has_content:
        return None
    with transaction.atomic():
        app = (
            TrialApplication.objects.select_for_update()
            .select_related("program")
            .filter(user_id=review.author_id, program__product_id=review.product_id)
            .filter(status__in=(*OWING, App.OVERDUE, App.REPORTED))
            .order_by("-selected_at", "-id")
            .first()
        )
        if app is None or (app.review_id not in (None, review.pk)):
            return None
        if app.review_id is None and TrialApplication.objects.filter(review=review).exists():
            return None  # this review already reports an earlier trial of the same product
        if app.status == App.REPORTED and app.review_id == review.pk:
            return app  # already recorded
        reported_at = review.published_at or _now()
        app.review, app.status, app.reported_at = review, App.REPORTED, reported_at
        app.save(update_fields=["review", "status", "reported_at"])
        if review.incentive != Review.Incentive.FREE_SAMPLE:
            # The disclosure is the reason the review exists: set it even when the tester
            # posted from the product page instead of the trial report page.
            Review.objects.filter(pk=review.pk).update(incentive=Review.Incentive.FREE_SAMPLE)
        review_list_changed(review.product_id)
        # Gamification awards the on-time report's points (its rule) on this event.
        send_on_commit(signals.trial_report_recorded, application_id=app.pk, user_id=app.user_id,
                       review_id=review.pk, on_time=reported_at <= app.program.report_deadline)
    return app


def trials_remind_due(*, now=None) -> int:
    """Remind testers who still owe a report within ``TRIAL_REMIND_DAYS`` of the deadline; once each."""
    now = now or _now()
    days = getattr(settings, "TRIAL_REMIND_DAYS", 3)
    due = TrialApplication.objects.filter(
        status__in=OWING, reminded_at__isnull=True,
        program__report_deadline__gt=now, program__report_deadline__lte=now + timedelta(days=days),
    ).values_list("pk", flat=True)
    sent = 0
    for app_id in list(due):
        with transaction.atomic():
            app = (
                TrialApplication.objects.select_for_update()
                .select_related("program__product")
                .filter(pk=app_id, status__in=OWING, reminded_at__isnull=True)
                .first()
            )
            if app is None:
                continue
            app.reminded_at = now
            app.save(update_fields=["reminded_at"])
            _notify(
                user_id=app.user_id, kind="community.trial.reminder", url=_program_url(app.program),
                title=gettext_noop("Your trial report for %(product)s is due soon"), title_params={"product": str(app.program.product.name)},
                body=_("Post your review by %(date)s to earn your points.")
                % {"date": timezone.localtime(app.program.report_deadline).strftime("%Y-%m-%d %H:%M")},
            )
            sent += 1
    return sent


def trials_mark_overdue(*, now=None) -> int:
    """Testers past the deadline without a report are overdue (they lose priority later); once each."""
    now = now or _now()
    due = list(
        TrialApplication.objects.filter(status__in=OWING, program__report_deadline__lte=now).values_list("pk", flat=True)
    )
    marked = 0
    for app_id in due:
        with transaction.atomic():
            app = (
                TrialApplication.objects.select_for_update()
                .select_related("program__product")
                .filter(pk=app_id, status__in=OWING)
                .first()
            )
            if app is None:
                continue
            app.status, app.overdue_at = App.OVERDUE, now
            app.save(update_fields=["status", "overdue_at"])
            _notify(
                user_id=app.user_id, kind="community.trial.overdue", url=_program_url(app.program),
                title=gettext_noop("Your trial report for %(product)s is overdue"), title_params={"product": str(app.program.product.name)},
                body=_("You can still post your review; late reports earn no points."),
            )
            marked += 1
    return marked


def trial_applications_erase(*, user_id) -> int:
    """Account deletion: an applicant's reason (free text) is deleted; the application's
    status and dates stay, as the brand's record of the samples it sent. Idempotent."""
    return TrialApplication.objects.filter(user_id=user_id).exclude(reason="").update(reason="")
