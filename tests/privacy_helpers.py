"""A shopper with data in every kind the privacy registry knows, built through the services
(third-party rows, which those packages write themselves, are inserted directly)."""
import datetime
import uuid

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.cached_db import SessionStore  # settings.SESSION_ENGINE
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from community import services
from community.cocreation import polls as poll_services
from community.cocreation import services as cocreation_services
from community.models import Product
from community.privacy import services as privacy_services
from community.trials import services as trial_services
from gamification import rewards
from gamification.badges import badge_grant
from gamification.models import Badge, Reward
from gamification.services import points_award
from gamification.streaks import checkin
from moderation import services as moderation_services
from moderation.models import AuditLabel, AuditSample, Case, InteractionAuditSample
from tests import factories
from tests.challenge_helpers import make_challenge, published_entry

EMAIL = "alice.wang@example.com"
NAME = "Alice Wang"
PHONE = "13800138000"
PASSWORD = "pass12345!"
# Strings that name or contact the person: none may remain anywhere after deletion.
IDENTIFYING = [EMAIL, NAME, PHONE, "alice.wang"]


def _upload(name, fmt="PNG"):
    mime = "image/png" if fmt == "PNG" else "image/jpeg"
    return SimpleUploadedFile(name, factories.image_bytes(fmt), mime)


def _decide(case, moderator, *, approve, reason=""):
    case.refresh_from_db()
    if case.state == Case.State.QUEUED:
        moderation_services.case_decide(case_id=case.pk, moderator=moderator, approve=approve, reason_code=reason,
                                        note="Checked by hand" if approve else f"Contains a phone number {PHONE}")


def person_with_everything(*, capture, moderator, brand):
    """``capture``: pytest-django's django_capture_on_commit_callbacks (screening, points and
    counters run after commit, as in production)."""
    user = factories.UserFactory(email=EMAIL, username=EMAIL, display_name=NAME)
    others = [factories.UserFactory() for _ in range(3)]
    product = factories.ProductFactory(brand=brand)
    other_product = factories.ProductFactory(brand=brand, category=product.category)
    with capture(execute=True):
        services.user_profile_update(user=user, avatar=_upload("me.png"))
        review, _ = services.review_post(author=user, product=product, rating=5,
                                         text="Sturdy and quiet; the battery lasts a whole week of daily use.")
        services.review_photo_add(author=user, review=review, upload=_upload("photo.jpg", "JPEG"))
        bad, _ = services.review_post(author=user, product=other_product, rating=2,
                                      text=f"面霜用了两周，保湿不错。想了解的可以打我电话 {PHONE} 问我")
    _decide(Case.objects.get(content_type="review", object_id=review.pk), moderator, approve=True)
    bad_case = Case.objects.get(content_type="review", object_id=bad.pk)
    _decide(bad_case, moderator, approve=False, reason="personal_data")
    with capture(execute=True):
        for other in others[:2]:
            services.review_vote_helpful(user=other, review_id=review.pk, helpful=True)
        theirs = factories.review_with_words(author=others[0], product=product, rating=3,
                                             text="Quiet enough at night; the lid sits a little loose.")
        services.review_vote_helpful(user=user, review_id=theirs.pk, helpful=True)
        moderation_services.appeal_create(author=user, case_id=bad_case.pk,
                                          message=f"{NAME} here: the number is my shop's, please look again")
        moderation_services.report_create(reporter=user, content_type="review", object_id=theirs.pk, reason="spam",
                                          message="Looks like an ad to me")
        # Consent, a sign-in and a staff access to the person's e-mail (the privacy app's own rows).
        privacy_services.consent_set(user=user, purpose="brand_marketing", granted=True, method="settings")
        privacy_services.login_event_record(user=user)
        privacy_services.staff_access_record(actor=moderator, subject_id=user.pk, field="email", reason="support",
                                             object_ref=f"user:{user.pk}")
        services.notification_send(user_id=user.pk, kind="test.hello", title="Hello %(name)s",
                                   title_params={"name": NAME}, email=False)

        # Co-creation: an entry with an image, a vote, a comment, a poll vote, a staff action.
        challenge = make_challenge(brand, allow_overlap=True)
        entry = cocreation_services.entry_submit(author=user, challenge_id=challenge.pk,
                                                 text="A sparkling tea with osmanthus, not sweet.",
                                                 images=[_upload("idea.png")])
        cocreation_services.entry_moderate(entry_id=entry.pk, status="published")
        theirs_entry = published_entry(challenge, others[1])
        cocreation_services.entry_vote_toggle(user=user, entry_id=theirs_entry.pk)
        cocreation_services.entry_comment_post(author=user, entry_id=theirs_entry.pk, text="Love this idea")
        poll = make_challenge(brand, kind="poll", allow_overlap=True, votes_per_user=1, state="draft")
        option = poll_services.poll_option_add(challenge_id=poll.pk, label_zh="方案一", label_en="Variant one")
        poll_services.poll_option_add(challenge_id=poll.pk, label_zh="方案二", label_en="Variant two")
        cocreation_services.challenge_publish(challenge_id=poll.pk)  # a poll is published with two options
        poll_services.poll_vote_toggle(user=user, option_id=option.pk)
        draft = make_challenge(brand, state="draft")
        cocreation_services.challenge_publish(challenge_id=draft.pk, actor=user)

        # Trials.
        from tests.test_trials import TrialProgramFactory

        program = TrialProgramFactory(product=product)
        trial_services.trial_apply(user=user, program=program, reason="I drink sparkling water every day at work",
                                   shipping={"recipient_name": NAME, "phone": PHONE, "address": "88 Tea Road, Hangzhou",
                                             "consent": True})

        # Gamification: a check-in day, a badge, a redemption (paid with points).
        checkin(user_id=user.pk)
        badge = Badge.objects.create(slug=f"b-{uuid.uuid4().hex[:6]}", name_zh="测试", name_en="Test",
                                     criterion="reviews_published")
        badge_grant(user_id=user.pk, badge=badge, notify=False)
        points_award(user_id=user.pk, amount=50, action="test.bonus", key=f"test:{user.pk}")
        reward = Reward.objects.create(brand=brand, title_zh="九折券", title_en="10% off", cost=10)
        rewards.reward_codes_add(reward=reward, codes=["SAVE-ALICE-1"])
        redemption = rewards.reward_redeem(user_id=user.pk, reward_id=reward.pk, key="k1")

        # A deletion asked for and cancelled; this app's own rows.
        privacy_services.deletion_request(user=user, password=PASSWORD, keep_content=True)
        privacy_services.deletion_cancel(user=user)

    # An interaction the integrity checks invalidated, and the person's appeal against it.
    from community.integrity.models import InteractionEvent
    from moderation import integrity_actions, ring_review

    with capture(execute=True):
        integrity_actions.invalidate(
            [InteractionEvent.objects.get(actor=user, action="poll_vote").pk], detector="lockstep", score=0.9,
            evidence="5 accounts voted for the same option within 2 minutes")
    ring_review.ring_appeal_create(user=user, text=f"{NAME} here: I chose that variant myself")

    # Staff and moderator work (the person also works for the brand and moderates).
    factories.BrandMembershipFactory(user=user, brand=brand)
    sample = AuditSample.objects.create(date=datetime.date.today(), content_type="review", object_id=theirs.pk,
                                        stratum="review", population=1, seed=1)
    AuditLabel.objects.create(sample=sample, moderator=user, label="good")
    from community.integrity.services import interaction_record

    vote = interaction_record(action="checkin", actor=factories.UserFactory())
    InteractionAuditSample.objects.create(date=datetime.date.today(), interaction=vote, kind="checkins", population=1,
                                          seed=1, label="genuine", labelled_by=user, labelled_at=vote.at)
    # Integrity: the person's account sits in a suspected ring, and they decided another one.
    from moderation import ringcases
    from moderation.models import RingCase

    _case, _created = ringcases.open_case(accounts=[user.pk, vote.actor_id], event_ids=[vote.pk], score=0.6,
                                              detectors=["lockstep"], evidence="2 accounts on 1 target")
    RingCase.objects.create(key=f"decided-{user.pk}", status="decided", decision="clear_all", decided_by=user,
                            decided_at=vote.at, note="organic")
    LogEntry.objects.create(user=user, content_type=ContentType.objects.get_for_model(Product),
                            object_id=str(product.pk), object_repr=str(product), action_flag=CHANGE,
                            change_message="[]")

    # Third-party rows: e-mail address, log-in records, a session, an API token.
    from allauth.account.models import EmailAddress
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from rest_framework.authtoken.models import Token

    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    login = {"username": EMAIL, "ip_address": "203.0.113.9", "user_agent": "Phone", "http_accept": "*/*",
             "path_info": "/accounts/login/"}
    if settings.AXES_HANDLER.endswith("AxesDatabaseHandler"):  # with Redis, attempts are counted in the cache
        AccessAttempt.objects.create(**login, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.bulk_create([AccessLog(**login)])
    AccessFailureLog.objects.bulk_create([AccessFailureLog(**login)])
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    Token.objects.create(user=user)
    from dashboard.runs import run
    run()  # the growth dashboard's per-day rows: active days, challenge days, the first-badge day

    user.refresh_from_db()
    return {
        "user": user, "others": others, "product": product, "other_product": other_product, "review": review,
        "bad_review": bad, "theirs": theirs, "challenge": challenge, "entry": entry, "theirs_entry": theirs_entry,
        "program": program, "redemption": redemption, "session_key": session.session_key,
        "now": timezone.now(),
    }
