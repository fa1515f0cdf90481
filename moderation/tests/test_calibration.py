"""Calibration and fairness: the statistics on textbook figures, the known-answer
services, the agreement measures on state built through services, the suppression
check and the operator page (with exact query counts)."""
import math
import random
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from community import services as community_services
from community.models import Notification, Review
from core.errors import PermissionDeniedError, ServiceError
from moderation import calibration, services
from moderation.calibration import (
    cohen_kappa,
    kappa_from_table,
    suppression_level,
    two_proportion_z_test,
)
from moderation.models import Case, Event
from tests import factories

# --- statistics: no database --------------------------------------------------------------


def test_kappa_perfect_agreement_is_one():
    labels = ["reject", "approve", "approve", "reject", "approve"]
    assert cohen_kappa(labels, labels) == 1.0
    assert kappa_from_table([[7, 0, 0], [0, 3, 0], [0, 0, 5]]) == 1.0


def test_kappa_at_chance_is_zero():
    # Each rater says "yes" half the time, independently: observed agreement 0.5 = chance 0.5.
    assert kappa_from_table([[25, 25], [25, 25]]) == 0.0
    a = ["y"] * 50 + ["n"] * 50
    b = (["y"] * 25 + ["n"] * 25) * 2
    assert cohen_kappa(a, b) == 0.0


def test_kappa_textbook_examples():
    # Wikipedia, "Cohen's kappa", worked example: 50 grant proposals, A and B say yes to
    # 20 together, no to 15 together; A yes / B no 5, A no / B yes 10. p_o = 0.7, p_e = 0.5.
    assert kappa_from_table([[20, 5], [10, 15]]) == pytest.approx(0.4)
    # Same marginals-style examples: p_o 0.60 in both, p_e 0.54 and 0.46.
    assert kappa_from_table([[45, 15], [25, 15]]) == pytest.approx(0.06 / 0.46)  # 0.1304
    assert kappa_from_table([[25, 35], [5, 35]]) == pytest.approx(0.14 / 0.54)  # 0.2593
    # The same table from raw labels, both orders of raters.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(b, a) == pytest.approx(0.4)


def test_kappa_complete_disagreement_and_undefined_cases():
    assert kappa_from_table([[0, 5], [5, 0]]) == -1.0
    assert kappa_from_table([[0, 0], [0, 0]]) is None
    # Both raters always say "reject": agreement is total but so is chance agreement.
    assert cohen_kappa(["reject"] * 4, ["reject"] * 4) is None
    with pytest.raises(ValueError):
        cohen_kappa(["a"], ["a", "b"])
    with pytest.raises(ValueError):
        kappa_from_table([[1, 2], [3]])


def test_kappa_matches_scikit_learn_on_random_labels():
    from sklearn.metrics import cohen_kappa_score

    rng = random.Random(3)
    for _ in range(20):
        a = [rng.choice("abc") for _ in range(60)]
        b = [x if rng.random() < 0.6 else rng.choice("abc") for x in a]
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_two_proportion_z_test_worked_example():
    # 45/100 vs 30/100: pooled 0.375, SE = sqrt(.375 * .625 * (2/100)) = 0.068465, z = 2.1909.
    z, p = two_proportion_z_test(45, 100, 30, 100)
    assert z == pytest.approx(2.1909, abs=1e-4)
    assert p == pytest.approx(0.02846, abs=1e-4)
    z2, p2 = two_proportion_z_test(30, 100, 45, 100)
    assert (z2, p2) == (pytest.approx(-z), pytest.approx(p))
    assert two_proportion_z_test(0, 0, 3, 10) == (None, None)
    assert two_proportion_z_test(0, 10, 0, 30) == (0.0, 1.0)


def test_z_test_p_value_matches_scipy():
    from scipy.stats import norm

    for x1, n1, x2, n2 in [(12, 20, 30, 100), (5, 40, 9, 41), (200, 1000, 150, 900)]:
        z, p = two_proportion_z_test(x1, n1, x2, n2)
        assert p == pytest.approx(2 * norm.sf(abs(z)))


@pytest.mark.parametrize(
    ("counts", "level"),
    [
        # 16/20 rejected are 1–2★ against 10/50 published: 60 points, p << 0.05.
        ({"rejected": 20, "rejected_negative": 16, "published": 50, "published_negative": 10}, "red"),
        # The same lean on 19 rejected reviews is only worth watching.
        ({"rejected": 19, "rejected_negative": 15, "published": 50, "published_negative": 10}, "yellow"),
        # 20 rejected but a 10-point gap: no alert however significant.
        ({"rejected": 400, "rejected_negative": 120, "published": 4000, "published_negative": 800}, None),
        # A 20-point gap that chance explains (p ≈ 0.17 with 20 vs 20).
        ({"rejected": 20, "rejected_negative": 8, "published": 20, "published_negative": 4}, None),
        # Rejections leaning POSITIVE are not this alert.
        ({"rejected": 30, "rejected_negative": 0, "published": 30, "published_negative": 20}, None),
        ({"rejected": 9, "rejected_negative": 9, "published": 50, "published_negative": 0}, None),
        ({"rejected": 25, "rejected_negative": 25, "published": 0, "published_negative": 0}, None),
    ],
)
def test_suppression_level(counts, level):
    got, figures = suppression_level(**counts)
    assert got == level
    if counts["published"]:
        assert figures["gap"] == pytest.approx(
            counts["rejected_negative"] / counts["rejected"] - counts["published_negative"] / counts["published"]
        )


# --- state built through services -----------------------------------------------------------

PHONE_TEXT = "用了两周，保湿效果不错，质地清爽。有问题可以打我电话 1380013{:04d} 随时问"


def _group_user(name, **kwargs):
    user = factories.UserFactory(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


@pytest.fixture
def operator(db):
    return factories.UserFactory(is_staff=True)


@pytest.fixture
def moderators(db):
    return [_group_user("moderators", display_name=f"Mod {i}") for i in range(3)]


@pytest.fixture
def submit(db, category, django_capture_on_commit_callbacks):
    """A shopper's review with a phone number, screened for real (eager): personal data is
    always held for a human, so the case is QUEUED with the AI leaning reject (risk > 0.9)."""
    counter = iter(range(10_000))

    def make(product=None, rating=4):
        i = next(counter)
        product = product or factories.ProductFactory(category=category)
        with django_capture_on_commit_callbacks(execute=True):  # screening is enqueued on commit
            review, _ = community_services.review_post(
                author=factories.UserFactory(), product=product, rating=rating, text=PHONE_TEXT.format(i)
            )
        case = Case.objects.get(content_type="review", object_id=review.pk)
        assert case.state == Case.State.QUEUED and case.ai_decision == "queue", case.queue_reasons
        return case

    return make


def test_set_known_answer_is_for_operators_audited_and_idempotent(submit, operator, moderators):
    case = submit()
    with pytest.raises(PermissionDeniedError):
        calibration.case_set_known_answer(case_id=case.pk, answer="reject", operator=moderators[0])
    with pytest.raises(ServiceError) as err:
        calibration.case_set_known_answer(case_id=case.pk, answer="maybe", operator=operator)
    assert err.value.code == "answer_invalid"
    with pytest.raises(ServiceError):
        calibration.case_set_known_answer(case_id=10**9, answer="reject", operator=operator)

    calibration.case_set_known_answer(case_id=case.pk, answer="reject", operator=operator)
    calibration.case_set_known_answer(case_id=case.pk, answer="reject", operator=operator)
    case.refresh_from_db()
    assert case.known_answer == "reject"
    event = Event.objects.get(case=case, action="moderation.case.known_answer_set")
    assert (event.actor, event.data) == (operator, {"old": "", "new": "reject"})

    # The next decision on it is graded.
    services.case_decide(case_id=case.pk, moderator=moderators[0], approve=True)
    decided = Event.objects.get(case=case, action="moderation.review.approved")
    assert decided.data["known_answer"] == "reject" and decided.data["agrees_with_known_answer"] is False


def test_known_answer_requeue_keeps_a_share_of_the_queue_blind(submit, operator, moderators):
    known = []
    for i in range(6):
        case = submit()
        services.case_decide(case_id=case.pk, moderator=moderators[0], approve=i % 2 == 0,
                             reason_code="" if i % 2 == 0 else "personal_data")
        calibration.case_set_known_answer(case_id=case.pk, answer="approve" if i % 2 == 0 else "reject",
                                          operator=operator)
        known.append(case.pk)
    regular = [submit() for _ in range(38)]
    assert Case.objects.filter(state=Case.State.QUEUED).count() == 38
    statuses = dict(Review.objects.values_list("pk", "status"))
    notes = Notification.objects.count()

    # 5% of the queue: k / (38 + k) <= 0.05 -> k = 2.
    done = calibration.known_answer_requeue(share=0.05, rng=random.Random(1))
    assert len(done) == 2 and set(done) <= set(known)
    for case in Case.objects.filter(pk__in=done):
        assert case.state == Case.State.QUEUED and case.queue_reasons == ["calibration"]
        assert case.decided_by is None and case.decided_at is None and case.reject_reason == ""
        assert case.queued_at is not None
        event = Event.objects.get(case=case, action="moderation.case.calibration_requeued")
        assert event.old_state in ("approved", "rejected") and event.new_state == "queued"
        assert event.data["original"]["decided_by"] == moderators[0].pk
        assert event.data["original"]["state"] == event.old_state
        assert event.data["known_answer"] == case.known_answer
    # Nothing visible changed: the content keeps its status, nobody was told.
    assert dict(Review.objects.values_list("pk", "status")) == statuses
    assert Notification.objects.count() == notes

    # Already at the share: a second run adds nothing; with a bigger share, not the same items twice.
    assert calibration.known_answer_requeue(share=0.05) == []
    more = calibration.known_answer_requeue(share=0.5, limit=10)
    assert len(more) == 4 and not set(more) & set(done)
    assert calibration.known_answer_requeue(share=0.5, limit=10) == []  # all six are in the queue now

    # A moderator decides one blind: the decision is graded against the known answer.
    target = Case.objects.get(pk=done[0])
    services.case_decide(case_id=target.pk, moderator=moderators[1], approve=target.known_answer == "approve",
                         reason_code="" if target.known_answer == "approve" else "personal_data")
    stats = {m["user_id"]: m for m in calibration.moderator_agreement()["moderators"]}
    assert (stats[moderators[1].pk]["known"], stats[moderators[1].pk]["known_agree"]) == (1, 1)
    # Decided again, it is a candidate once more, but not within the cooldown.
    assert calibration.known_answer_requeue(share=0.5, limit=10) == []
    assert len(regular) == 38


def test_known_answer_requeue_task(submit, operator, moderators):
    from moderation import tasks as tasks_ops

    case = submit()
    services.case_decide(case_id=case.pk, moderator=moderators[0], approve=False, reason_code="personal_data")
    calibration.case_set_known_answer(case_id=case.pk, answer="reject", operator=operator)
    for _ in range(19):
        submit()
    assert tasks_ops.known_answer_requeue.delay().get() == 1
    assert Case.objects.get(pk=case.pk).state == Case.State.QUEUED


def test_a_blind_calibration_decision_does_not_change_the_content(submit, operator, moderators):
    case = submit()
    services.case_decide(case_id=case.pk, moderator=moderators[0], approve=False, reason_code="personal_data")
    calibration.case_set_known_answer(case_id=case.pk, answer="reject", operator=operator)
    for _ in range(19):
        submit()
    assert calibration.known_answer_requeue(share=0.05) == [case.pk]
    notes = Notification.objects.filter(user=case.author).count()
    services.case_decide(case_id=case.pk, moderator=moderators[1], approve=True)  # wrong answer
    assert Review.objects.get(pk=case.object_id).status == Review.Status.REJECTED
    assert Notification.objects.filter(user=case.author).count() == notes
    case.refresh_from_db()
    assert case.state == Case.State.REJECTED and case.reject_reason == "personal_data"
    event = case.events.order_by("-id").first()
    assert event.data["calibration"] is True and event.data["agrees_with_known_answer"] is False


def test_moderator_agreement_known_answers_kappa_and_ai(submit, operator, moderators):
    m0, m1, m2 = moderators
    # Appeals make pairs: (original, appeal) verdicts on the same content.
    plan = [  # (first moderator, first verdict, second moderator, second verdict)
        (m0, "reject", m1, "reject"),
        (m0, "reject", m1, "reject"),
        (m0, "reject", m1, "approve"),
        (m0, "reject", m2, "reject"),
        (m1, "reject", m2, "approve"),
        (m2, "reject", m0, "reject"),
    ]
    for first, v1, second, v2 in plan:
        case = submit()
        services.case_decide(case_id=case.pk, moderator=first, approve=False, reason_code="personal_data")
        services.appeal_create(author=case.author, case_id=case.pk, message="我只是留了电话方便问")
        services.case_decide(case_id=case.pk, moderator=second, approve=v2 == "approve",
                             reason_code="" if v2 == "approve" else "personal_data")
    # Known-answer items: m2 gets two right, m0 one wrong.
    for moderator, answer, approve in [(m2, "reject", False), (m2, "approve", True), (m0, "reject", True)]:
        case = submit()
        calibration.case_set_known_answer(case_id=case.pk, answer=answer, operator=operator)
        services.case_decide(case_id=case.pk, moderator=moderator, approve=approve,
                             reason_code="" if approve else "personal_data")

    result = calibration.moderator_agreement()
    stats = {m["user_id"]: m for m in result["moderators"]}

    # Every decision was on a held phone number with risk > 0.9: the AI leaned reject.
    for m in result["moderators"]:
        assert m["ai"] == m["decisions"]
        assert m["ai_agree"] == m["rejected"]
    assert stats[m0.pk]["decisions"] == 6 and stats[m0.pk]["rejected"] == 5
    assert (stats[m2.pk]["known"], stats[m2.pk]["known_agree"], stats[m2.pk]["known_rate"]) == (2, 2, 1.0)
    assert (stats[m0.pk]["known"], stats[m0.pk]["known_agree"]) == (1, 0)
    assert stats[m1.pk]["known"] == 0 and stats[m1.pk]["known_rate"] is None

    # Pairs per moderator, oriented "me vs the other", and the overall first-vs-second kappa.
    pairs = [(p[1], p[2], p[3], p[4]) for p in calibration.decision_pairs()]
    assert sorted(pairs, key=lambda p: (p[0], p[2], p[1], p[3])) == sorted(
        [(a.pk, va, b.pk, vb) for a, va, b, vb in plan], key=lambda p: (p[0], p[2], p[1], p[3]))
    m0_pairs = [(v1, v2) for a, v1, b, v2 in plan if a == m0] + [(v2, v1) for a, v1, b, v2 in plan if b == m0]
    assert stats[m0.pk]["pairs"] == len(m0_pairs) == 5
    assert stats[m0.pk]["kappa"] == cohen_kappa([x for x, _ in m0_pairs], [y for _, y in m0_pairs])
    m1_pairs = [(v1, v2) for a, v1, b, v2 in plan if a == m1] + [(v2, v1) for a, v1, b, v2 in plan if b == m1]
    # m1 vs others: (reject, reject) x2, (approve, reject), (reject, approve) -> p_o 0.5, p_e 0.625.
    assert stats[m1.pk]["kappa"] == pytest.approx(cohen_kappa([x for x, _ in m1_pairs], [y for _, y in m1_pairs]))
    assert stats[m1.pk]["kappa"] == pytest.approx((0.5 - 0.625) / (1 - 0.625))
    assert result["pairs"] == 6
    assert result["kappa"] == pytest.approx(cohen_kappa([p[1] for p in plan], [p[3] for p in plan]))


def test_an_edit_in_between_makes_decisions_on_different_content(submit, moderators,
                                                                 django_capture_on_commit_callbacks):
    """Two moderators deciding different revisions of a review did not judge the same content."""
    case = submit()
    services.case_decide(case_id=case.pk, moderator=moderators[0], approve=False, reason_code="personal_data")
    review = Review.objects.get(pk=case.object_id)
    with django_capture_on_commit_callbacks(execute=True):
        community_services.review_post(author=review.author, product=review.product, rating=4,
                                       text=review.text + " 补充：电话改了 13900139000")
    assert Case.objects.get(pk=case.pk).state == Case.State.QUEUED
    services.case_decide(case_id=case.pk, moderator=moderators[1], approve=True)
    assert calibration.decision_pairs() == []


def test_ai_overview_and_disagreements(submit, moderators, product, django_capture_on_commit_callbacks):
    m0 = moderators[0]
    strict = submit()
    services.case_decide(case_id=strict.pk, moderator=m0, approve=True)  # AI leaned reject, human approved
    agree = submit()
    services.case_decide(case_id=agree.pk, moderator=m0, approve=False, reason_code="personal_data")
    # An AI publication: a plain review is published by screening.
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = community_services.review_post(author=factories.UserFactory(), product=product, rating=2,
                                                   text="质量一般，用了几天就起球了，不太推荐购买。")
    published = Case.objects.get(content_type="review", object_id=review.pk)
    assert published.ai_decision == "publish" and published.state == Case.State.APPROVED
    # Reports bring it back to a human, who rejects it: the AI was too lenient.
    for _ in range(4):
        services.report_create(reporter=factories.UserFactory(), content_type="review", object_id=review.pk,
                               reason="fake")
    assert Case.objects.get(pk=published.pk).state == Case.State.QUEUED
    services.case_decide(case_id=published.pk, moderator=m0, approve=False, reason_code="fake")

    overview = calibration.ai_overview()
    assert overview["screened"] == 3
    assert (overview["auto_published"], overview["queued"], overview["auto"]) == (1, 2, 1)
    assert overview["auto_share"] == pytest.approx(1 / 3)
    assert (overview["auto_reviewed"], overview["auto_agree"], overview["auto_agree_rate"]) == (1, 0, 0.0)

    found = {c.pk: c.disagreement for c in calibration.ai_human_disagreements()}
    assert found == {strict.pk: "ai_too_strict", published.pk: "ai_too_lenient"}
    later = timezone.now() + timedelta(seconds=1)
    assert list(calibration.ai_human_disagreements(since=later)) == []


def test_sla_summary(submit):
    assert calibration.sla_summary()["total"] == 0
    old, new = submit(), submit()
    Case.objects.filter(pk=old.pk).update(queued_at=timezone.now() - timedelta(hours=30))
    sla = calibration.sla_summary()
    assert (sla["total"], sla["overdue"], sla["calibration"]) == (2, 1, 0)
    assert 29.9 < sla["oldest_hours"] < 30.1
    assert new.pk


def _rated_reviews(product, ratings, *, status):
    for rating in ratings:
        review, _ = community_services.review_post(author=factories.UserFactory(), product=product, rating=rating)
        if status != Review.Status.PUBLISHED:
            community_services.review_moderate(review_id=review.pk, status=status, reason="spam")


def test_suppression_alerts_flag_rejections_leaning_negative(db, category):
    brand = factories.BrandFactory(name="Leaning")
    leaning = factories.ProductFactory(brand=brand, category=category, name_zh="偏差面霜")
    # 22 rejected, 17 of them 1–2★ (77%); 40 published, 8 of them 1–2★ (20%).
    _rated_reviews(leaning, [1] * 10 + [2] * 7 + [5] * 5, status=Review.Status.REJECTED)
    _rated_reviews(leaning, [1] * 4 + [2] * 4 + [4] * 12 + [5] * 20, status=Review.Status.PUBLISHED)
    fair = factories.ProductFactory(category=category, name_zh="公平面霜")
    # Rejections mirror the published mix: no alert.
    _rated_reviews(fair, [1] * 5 + [3] * 5 + [5] * 15, status=Review.Status.REJECTED)
    _rated_reviews(fair, [1] * 6 + [3] * 6 + [5] * 18, status=Review.Status.PUBLISHED)
    watch = factories.ProductFactory(category=category, name_zh="观察面霜")
    # 12 rejected, 9 negative: the lean is clear but there are too few for an alert.
    _rated_reviews(watch, [1] * 9 + [5] * 3, status=Review.Status.REJECTED)
    _rated_reviews(watch, [1] * 5 + [5] * 25, status=Review.Status.PUBLISHED)

    alerts = calibration.suppression_alerts()
    by_key = {(a["scope"], a["id"]): a for a in alerts}
    assert set(by_key) == {("brand", brand.pk), ("product", leaning.pk), ("product", watch.pk),
                           ("brand", watch.brand_id)}
    product_alert = by_key[("product", leaning.pk)]
    assert product_alert["level"] == "red" and product_alert["name"] == "偏差面霜"
    assert product_alert["brand"] == "Leaning"
    assert (product_alert["rejected"], product_alert["rejected_negative"]) == (22, 17)
    assert (product_alert["published"], product_alert["published_negative"]) == (40, 8)
    assert product_alert["rejected_hist"] == [10, 7, 0, 0, 5]
    assert product_alert["published_hist"] == [4, 4, 0, 12, 20]
    assert product_alert["gap_points"] == pytest.approx(round((17 / 22 - 8 / 40) * 100, 1))
    z, p = two_proportion_z_test(17, 22, 8, 40)
    assert product_alert["p"] == pytest.approx(p) and p < 0.05 and product_alert["z"] == pytest.approx(z)
    assert by_key[("brand", brand.pk)]["level"] == "red"
    assert by_key[("product", watch.pk)]["level"] == "yellow"
    assert [a["level"] for a in alerts][:2] == ["red", "red"]  # red first


# --- the operator page ------------------------------------------------------------------------


def test_ops_page_access(client, shopper, moderator, operator):
    url = reverse("moderation:ops")
    assert client.get(url).status_code == 302  # to log in
    client.force_login(shopper)
    assert client.get(url).status_code == 403
    client.force_login(moderator)
    page = client.get(url)
    assert page.status_code == 200 and b'name="case_id"' not in page.content  # operators only
    client.force_login(operator)
    page = client.get(url)
    assert page.status_code == 200 and b'name="case_id"' in page.content


def test_ops_page_marks_known_answers_for_operators_only(client, submit, moderator, operator):
    case = submit()
    url = reverse("moderation:ops_known_answer")
    client.force_login(moderator)
    client.post(url, {"case_id": case.pk, "answer": "reject"})
    assert Case.objects.get(pk=case.pk).known_answer == ""
    client.force_login(operator)
    response = client.post(url, {"case_id": case.pk, "answer": "reject"})
    assert response.status_code == 302 and response.url == reverse("moderation:ops")
    assert Case.objects.get(pk=case.pk).known_answer == "reject"
    client.post(url, {"case_id": "x", "answer": "reject"})  # invalid: nothing happens
    assert Event.objects.filter(action="moderation.case.known_answer_set").count() == 1


def _ops_data(submit, moderators, operator, category, scale):
    """`scale` moderators' worth of decisions, appeals, known answers and rated reviews."""
    for i in range(scale):
        m_a, m_b = moderators[i % 3], moderators[(i + 1) % 3]
        case = submit()
        services.case_decide(case_id=case.pk, moderator=m_a, approve=False, reason_code="personal_data")
        services.appeal_create(author=case.author, case_id=case.pk, message="请再看看")
        services.case_decide(case_id=case.pk, moderator=m_b, approve=i % 2 == 0,
                             reason_code="" if i % 2 == 0 else "personal_data")
        known = submit()
        calibration.case_set_known_answer(case_id=known.pk, answer="reject", operator=operator)
        services.case_decide(case_id=known.pk, moderator=m_a, approve=False, reason_code="personal_data")
        submit()  # left in the queue
    product = factories.ProductFactory(category=category)
    _rated_reviews(product, [1] * 18 + [5] * 2 * scale, status=Review.Status.REJECTED)
    _rated_reviews(product, [5] * 20 + [1] * scale, status=Review.Status.PUBLISHED)


@pytest.mark.parametrize("scale", [1, 6])
def test_ops_page_query_count_is_fixed(client, submit, moderators, operator, category, scale,
                                       django_assert_num_queries):
    _ops_data(submit, moderators, operator, category, scale)
    client.force_login(moderators[0])
    # user, groups (moderator check); per-moderator aggregate; moderator pairs;
    # AI overview; Threshold rows + 2 per registered content kind (threshold_precision);
    # suppression by brand and by product; SLA; the fake-interaction rate (counts, labels); the
    # integrity lines' precision (automatic flags, ring members, held cases); the site
    # header's counts; open ring cases. The session is cached.
    from moderation import registry

    with django_assert_num_queries(16 + 2 * len(registry.kinds())):
        page = client.get(reverse("moderation:ops"), {"days": 30})
    assert page.status_code == 200
    body = page.content.decode()
    deciders = {i % 3 for i in range(scale)} | {(i + 1) % 3 for i in range(scale)}
    assert body.count("<th scope=\"row\">Mod ") == len(deciders)
    assert 'id="suppression-alerts"' in body and "ops-alert red" in body
    assert page.context["agreement"]["pairs"] == scale
    assert page.context["sla"]["total"] == scale


def test_ops_page_figures(client, submit, moderators, operator, category):
    _ops_data(submit, moderators, operator, category, 2)
    client.force_login(operator)
    page = client.get(reverse("moderation:ops"))
    agreement = page.context["agreement"]
    assert agreement["known"] == 2 and agreement["known_agree"] == 2
    assert agreement["decisions"] == 6
    assert math.isclose(page.context["ai"]["auto_share"] or 0, 0.0)
    assert 'id="sla-total">2<' in page.content.decode()
