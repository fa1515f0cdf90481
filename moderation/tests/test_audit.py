"""The quality audit: uniform, reproducible, stratified daily samples; labels; the Wilson
estimate and its status against the 10% line; the audit pages and their query counts."""
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community import services as community_services
from community.models import Review
from core.errors import PermissionDeniedError, ServiceError
from moderation import audit, registry
from moderation.models import AuditLabel, AuditSample, Event
from tests import factories

DAY = date(2024, 5, 6)  # a Monday
NOW = datetime(2024, 5, 20, 9, 0, tzinfo=timezone.get_default_timezone())  # two weeks later


def publish(product, n, *, day=DAY, hour=12, text="用了两周，续航不错"):
    """``n`` published text reviews with ``published_at`` on ``day`` (site time zone)."""
    ids = []
    tz = timezone.get_default_timezone()
    for i in range(n):
        review, _ = community_services.review_post(author=factories.UserFactory(), product=product, rating=4,
                                                   text=f"{text} {i}")
        community_services.review_moderate(review_id=review.pk, status=Review.Status.PUBLISHED)
        when = datetime.combine(day, time(hour, i % 60), tzinfo=tz)
        Review.objects.filter(pk=review.pk).update(published_at=when)
        ids.append(review.pk)
    return ids


# --- the draw ---------------------------------------------------------------------------------


def test_sample_is_uniform_over_many_seeds():
    population = {"review": list(range(100, 120))}  # N = 20
    size, runs = 5, 4000
    counts = Counter()
    for seed in range(runs):
        chosen = audit.sample_ids(population, size=size, seed=seed)["review"]
        assert len(chosen) == size == len(set(chosen))
        counts.update(chosen)
    expected = runs * size / 20  # inclusion probability n/N = 0.25 for every item
    for oid in population["review"]:
        assert abs(counts[oid] / runs - 0.25) < 0.035, (oid, counts[oid])
    chi2 = sum((counts[oid] - expected) ** 2 / expected for oid in population["review"])
    # df = 19; the 99.9th percentile of chi-square(19) is 43.82. Counts per item are not
    # independent (fixed sample size) which only makes the statistic smaller.
    assert chi2 < 43.82


def test_sample_is_reproducible_for_a_seed_and_varies_across_seeds():
    population = {"review": list(range(1, 201)), "entry": list(range(1, 51))}
    a = audit.sample_ids(population, size=50, seed=1234)
    b = audit.sample_ids(dict(reversed(population.items())), size=50, seed=1234)
    assert a == b
    assert audit.sample_ids(population, size=50, seed=1235) != a
    # A kind added later does not reshuffle the others' draws (same allocation).
    assert audit.sample_ids({**population, "comment": []}, size=50, seed=1234)["review"] == a["review"]


@pytest.mark.parametrize(("sizes", "size", "expected"), [
    ({"review": 800, "entry": 200}, 50, {"review": 40, "entry": 10}),
    ({"review": 667, "entry": 333}, 50, {"review": 33, "entry": 17}),  # 33.35 / 16.65: largest remainder
    ({"review": 30, "entry": 10}, 50, {"review": 30, "entry": 10}),  # everything when N <= n
    ({"review": 1000, "entry": 0}, 50, {"review": 50, "entry": 0}),
    ({"review": 999, "entry": 1}, 50, {"review": 50, "entry": 0}),
])
def test_allocation_is_proportional(sizes, size, expected):
    alloc = audit.allocate(sizes, size)
    assert alloc == expected
    assert sum(alloc.values()) == min(size, sum(sizes.values()))


def test_stratified_frequencies_match_proportions():
    population = {"review": list(range(300)), "entry": list(range(100))}
    counts = Counter()
    for seed in range(300):
        for kind, ids in audit.sample_ids(population, size=20, seed=seed).items():
            counts[kind] += len(ids)
            assert len(ids) == {"review": 15, "entry": 5}[kind]
    assert counts["review"] / (counts["review"] + counts["entry"]) == pytest.approx(0.75)


def test_draw_takes_published_content_of_the_day_only(product):
    today = publish(product, 6)
    publish(product, 2, day=DAY - timedelta(days=1), hour=23)
    publish(product, 2, day=DAY + timedelta(days=1), hour=0)
    # Rating only (no text, no photos): not content to audit.
    rating_only, _ = community_services.review_post(author=factories.UserFactory(), product=product, rating=5)
    Review.objects.filter(pk=rating_only.pk).update(published_at=datetime.combine(DAY, time(10), tzinfo=timezone.get_default_timezone()))
    rejected = publish(product, 1)[0]
    community_services.review_moderate(review_id=rejected, status=Review.Status.REJECTED)

    samples = audit.audit_draw(day=DAY, size=50, seed=7)

    assert sorted(s.object_id for s in samples) == sorted(today)
    assert {s.date for s in samples} == {DAY}
    assert {(s.stratum, s.population, s.seed) for s in samples} == {("review", 6, 7)}


def test_day_bounds_are_the_site_time_zone(product, settings):
    # 23:30 in Shanghai on DAY is 15:30 UTC the same day; 00:30 the next day is 16:30 UTC on DAY.
    late, next_early = publish(product, 1, hour=23)[0], publish(product, 1, day=DAY + timedelta(days=1), hour=0)[0]
    ids = {s.object_id for s in audit.audit_draw(day=DAY, seed=1)}
    assert late in ids and next_early not in ids


def test_draw_is_reproducible_and_idempotent(product):
    publish(product, 30)
    first = audit.audit_draw(day=DAY, size=10)
    assert len(first) == 10
    seed = first[0].seed
    assert seed == audit.default_seed(DAY)
    again = audit.audit_draw(day=DAY, size=20, seed=99)  # a rerun changes nothing
    assert [s.pk for s in again] == [s.pk for s in first]
    assert AuditSample.objects.filter(date=DAY).count() == 10

    # Reproducible: the same seed draws the same items.
    chosen = sorted(s.object_id for s in first)
    AuditSample.objects.all().delete()
    assert sorted(s.object_id for s in audit.audit_draw(day=DAY, size=10, seed=seed)) == chosen


def test_draw_is_stratified_across_registered_kinds(product, monkeypatch):
    reviews = publish(product, 12)

    class EntryAdapter(registry.ContentAdapter):
        key, label = "entry", "Entry"

    monkeypatch.setitem(registry._REGISTRY, "entry", EntryAdapter())
    monkeypatch.setitem(audit._POPULATIONS, "entry", lambda start, end: list(range(1, 5)))

    samples = audit.audit_draw(day=DAY, size=8, seed=3)

    by_kind = Counter(s.content_type for s in samples)
    assert by_kind == {"review": 6, "entry": 2}  # 12:4 of 16 items, 8 draws
    assert {s.population for s in samples if s.content_type == "entry"} == {4}
    assert {s.object_id for s in samples if s.content_type == "review"} <= set(reviews)


def test_beat_task_draws_yesterday(product):
    from moderation import tasks

    yesterday = audit.site_today() - timedelta(days=1)
    publish(product, 3, day=yesterday)
    assert tasks.audit_draw_daily() == 3
    assert tasks.audit_draw_daily() == 3
    assert AuditSample.objects.filter(date=yesterday).count() == 3


def test_beat_schedule_declares_the_daily_draw(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "moderation.audit_draw_daily" in tasks


# --- labels -------------------------------------------------------------------------------


def test_label_is_idempotent_and_audited(product, moderator):
    publish(product, 2)
    sample = audit.audit_draw(day=DAY, seed=1)[0]
    audit.audit_label(sample_id=sample.pk, moderator=moderator, label="low")
    audit.audit_label(sample_id=sample.pk, moderator=moderator, label="low")
    assert AuditLabel.objects.get(sample=sample).label == "low"
    events = Event.objects.filter(action="moderation.audit.labelled")
    assert events.count() == 1
    event = events.get()
    assert (event.content_type, event.object_id, event.actor_id, event.new_state) == (
        "review", sample.object_id, moderator.pk, "low")

    audit.audit_label(sample_id=sample.pk, moderator=moderator, label="good")  # own correction
    assert AuditLabel.objects.get(sample=sample).label == "good"
    assert Event.objects.filter(action="moderation.audit.labelled").first().old_state == "low"


def test_label_rejects_bad_input_and_other_moderators(product, moderator):
    publish(product, 1)
    sample = audit.audit_draw(day=DAY, seed=1)[0]
    with pytest.raises(ServiceError) as exc:
        audit.audit_label(sample_id=sample.pk, moderator=moderator, label="great")
    assert exc.value.code == "label_invalid"
    with pytest.raises(ServiceError):
        audit.audit_label(sample_id=sample.pk + 1000, moderator=moderator, label="low")
    audit.audit_label(sample_id=sample.pk, moderator=moderator, label="acceptable")
    other = factories.UserFactory()
    with pytest.raises(PermissionDeniedError):
        audit.audit_label(sample_id=sample.pk, moderator=other, label="low")
    assert AuditLabel.objects.get(sample=sample).label == "acceptable"


def test_audit_examples_map_labels_for_training(product, moderator):
    publish(product, 3)
    samples = audit.audit_draw(day=DAY, seed=1)
    for sample, label in zip(samples, ["good", "acceptable", "low"]):
        audit.audit_label(sample_id=sample.pk, moderator=moderator, label=label)
    examples = audit.audit_examples()
    assert [e["label"] for e in examples] == ["ok", "ok", "low"]
    assert all(e["text"].startswith("用了两周") and e["rating"] == 4 for e in examples)


# --- the estimate -------------------------------------------------------------------------------


def test_wilson_known_value():
    lo, hi = audit.wilson_interval(10, 100)
    assert lo == pytest.approx(0.0552, abs=5e-4)
    assert hi == pytest.approx(0.1744, abs=5e-4)


@pytest.mark.parametrize("n", [1, 5, 50, 1000])
def test_wilson_edges(n):
    z2 = audit.Z95 ** 2
    lo, hi = audit.wilson_interval(0, n)
    assert lo == 0.0
    assert hi == pytest.approx(z2 / (n + z2))
    lo, hi = audit.wilson_interval(n, n)
    assert hi == 1.0
    assert lo == pytest.approx(n / (n + z2))
    assert audit.wilson_interval(0, 0) is None


def test_wilson_interval_contains_the_estimate_and_narrows():
    for low, n in [(1, 3), (7, 50), (49, 50), (300, 1000)]:
        lo, hi = audit.wilson_interval(low, n)
        assert 0 <= lo < low / n < hi <= 1
    assert (lambda a, b: a[1] - a[0] > b[1] - b[0])(audit.wilson_interval(5, 50), audit.wilson_interval(50, 500))


@pytest.mark.parametrize(("estimate", "hi", "status"), [
    (None, None, "none"),
    (0.02, 0.08, "green"),
    (0.05, 0.10, "green"),  # touching the line is not crossing it
    (0.06, 0.16, "yellow"),
    (0.10, 0.20, "red"),
    (0.25, 0.33, "red"),
])
def test_status_colours(estimate, hi, status):
    assert audit.prevalence_status(estimate, hi) == status


def _labelled_day(product, moderator, day, good, low):
    publish(product, good + low, day=day, text=f"{day} review")
    samples = audit.audit_draw(day=day, size=good + low, seed=1)
    for i, s in enumerate(samples):
        audit.audit_label(sample_id=s.pk, moderator=moderator, label="low" if i < low else "good")
    return samples


def test_prevalence_over_windows(product, moderator):
    _labelled_day(product, moderator, NOW.date() - timedelta(days=2), good=18, low=2)
    _labelled_day(product, moderator, NOW.date() - timedelta(days=20), good=10, low=10)
    _labelled_day(product, moderator, NOW.date(), good=0, low=3)  # today: outside both windows

    week = audit.prevalence(7, now=NOW)
    assert (week.n, week.low) == (20, 2)
    assert week.estimate == pytest.approx(0.1)
    assert (week.lo, week.hi) == pytest.approx(audit.wilson_interval(2, 20))
    assert week.status == "red"

    month = audit.prevalence(30, now=NOW)
    assert (month.n, month.low) == (40, 12)
    # Equal day volumes (20 and 20) weigh equally: the plain share and plain Wilson interval.
    assert month.estimate == pytest.approx(0.3)
    assert month.n_effective == pytest.approx(40)
    assert (month.lo, month.hi) == pytest.approx(audit.wilson_interval(12, 40))

    assert audit.prevalence(7, now=NOW + timedelta(days=30)).status == "none"


def test_estimate_weights_days_by_volume():
    cells = [
        {"date": DAY, "content_type": "review", "population": 1000, "m": 50, "low": 5},  # 10%
        {"date": DAY + timedelta(days=1), "content_type": "review", "population": 50, "m": 50, "low": 25},  # 50%
    ]
    est = audit.estimate_from_cells(cells)
    assert est.estimate == pytest.approx((1000 * 0.1 + 50 * 0.5) / 1050)
    assert est.n == 100 and est.low == 30
    assert est.n_effective == pytest.approx(1050 ** 2 / (1000 ** 2 / 50 + 50 ** 2 / 50))
    assert est.lo < est.estimate < est.hi


def test_weekly_series(product, moderator):
    monday = NOW.date() - timedelta(days=NOW.date().isoweekday() - 1)
    _labelled_day(product, moderator, monday - timedelta(days=5), good=9, low=1)  # last week
    series = audit.weekly_series(weeks=4, now=NOW)
    assert [w["start"] for w in series] == [monday - timedelta(weeks=k) for k in (3, 2, 1, 0)]
    last = series[2]
    assert (last["n"], last["low"], last["estimate"]) == (10, 1, pytest.approx(0.1))
    assert last["week"] == "{}-W{:02d}".format(*last["start"].isocalendar()[:2])
    assert series[0]["estimate"] is None and series[0]["lo"] is None


def test_calibration_puts_scorer_share_next_to_audited_share(product, moderator, settings):
    day = NOW.date() - timedelta(days=2)
    samples = _labelled_day(product, moderator, day, good=4, low=1)
    cal = audit.calibration(days=30, now=NOW)
    assert cal["audited"].estimate == pytest.approx(0.2)
    model = audit._quality_score_model()
    if model is None:
        assert cal["available"] is False and cal["scorer_share"] is None
        return
    assert cal["available"] is True and cal["scorer_n"] == 0 and cal["scorer_share"] is None
    settings.QUALITY_BANDS = {"ok": 30, "good": 55, "great": 75}
    old = publish(product, 1, day=NOW.date() - timedelta(days=40))[0]  # outside the window
    for s, score in zip(samples, [10, 20, 50, 60, 80]):
        model.objects.create(content_type="review", object_id=s.object_id, score=score, band="?")
    model.objects.create(content_type="review", object_id=old, score=5, band="low")
    cal = audit.calibration(days=30, now=NOW)
    assert (cal["scorer_n"], cal["scorer_low"]) == (5, 2)
    assert cal["scorer_share"] == pytest.approx(0.4)
    assert cal["gap"] == pytest.approx(0.2)  # the scorer calls twice as much low as moderators do


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def test_audit_pages_need_a_moderator(client, shopper):
    assert client.get(reverse("moderation:audit")).status_code == 302
    client.force_login(shopper)
    assert client.get(reverse("moderation:audit")).status_code == 403
    assert client.get(reverse("moderation:audit_prevalence")).status_code == 403


def test_audit_page_labels_with_keys_and_masks_personal_data(product, mod_client, moderator):
    publish(product, 1, day=timezone.localdate() - timedelta(days=1), text="联系我 13812345678 用了两周")
    audit.audit_draw(day=timezone.localdate() - timedelta(days=1), seed=1)
    sample = AuditSample.objects.get()

    page = mod_client.get(reverse("moderation:audit"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "13812345678" not in html and "5678" in html  # masked, last four kept
    for key in ("G", "A", "L", "S"):
        assert f"<kbd>{key}</kbd>" in html
    assert 'data-key="g"' in html and 'id="audit-skip"' in html and "js/audit.js" in html
    assert (page.context["progress"]["labelled"], page.context["progress"]["total"]) == (0, 1)

    resp = mod_client.post(reverse("moderation:audit_label", args=[sample.pk]), {"label": "low"})
    assert resp.status_code == 302 and resp.url == reverse("moderation:audit")
    assert AuditLabel.objects.get(sample=sample).label == "low"
    done = mod_client.get(reverse("moderation:audit"))
    assert done.context["sample"] is None and done.context["progress"]["labelled"] == 1
    assert 'id="audit-empty"' in done.content.decode()


def test_audit_page_rejects_an_unknown_label(product, mod_client):
    publish(product, 1, day=timezone.localdate() - timedelta(days=1))
    sample = audit.audit_draw(day=timezone.localdate() - timedelta(days=1), seed=1)[0]
    resp = mod_client.post(reverse("moderation:audit_label", args=[sample.pk]), {"label": "meh"}, follow=True)
    assert not AuditLabel.objects.exists()
    assert resp.status_code == 200
    assert [m.level_tag for m in resp.context["messages"]] == ["error"]


def test_skip_moves_to_the_next_item_and_wraps(product, mod_client):
    day = timezone.localdate() - timedelta(days=1)
    publish(product, 3, day=day)
    samples = audit.audit_draw(day=day, seed=1)
    first = mod_client.get(reverse("moderation:audit")).context["sample"]
    assert first.pk == samples[0].pk
    second = mod_client.get(reverse("moderation:audit"), {"after": f"{day}.{first.pk}"}).context["sample"]
    assert second.pk == samples[1].pk
    wrapped = mod_client.get(reverse("moderation:audit"), {"after": f"{day}.{samples[2].pk}"}).context["sample"]
    assert wrapped.pk == samples[0].pk
    assert mod_client.get(reverse("moderation:audit"), {"after": "garbage"}).status_code == 200


def test_prevalence_page_shows_estimate_status_and_chart(product, mod_client, moderator):
    today = timezone.localdate()
    _labelled_day(product, moderator, today - timedelta(days=1), good=19, low=1)
    page = mod_client.get(reverse("moderation:audit_prevalence"))
    assert page.status_code == 200
    html = page.content.decode()
    # 1 of 20 = 5%, but the interval's upper bound (23.6%) crosses 10%: yellow.
    assert 'id="prevalence-7" data-status="yellow"' in html
    assert "5.0%" in html and "23.6%" in html
    assert '<svg viewBox="0 0 640 280" role="img" aria-labelledby="chart-title chart-desc"' in html
    assert '<polygon class="band"' not in html  # one week of data: a point with whiskers, no band
    assert 'class="target"' in html and 'class="pt yellow"' in html
    assert "<script" not in html.split('id="prevalence-chart"')[1].split("</svg>")[0]
    assert page.context["calibration"]["audited"].n == 20


def test_chart_band_spans_consecutive_weeks():
    series = [
        {"week": "2024-W17", "start": date(2024, 4, 22), "n": 0, "low": 0, "estimate": None, "lo": None, "hi": None,
         "status": "none"},
        {"week": "2024-W18", "start": date(2024, 4, 29), "n": 50, "low": 3, "estimate": 0.06, "lo": 0.02,
         "hi": 0.16, "status": "yellow"},
        {"week": "2024-W19", "start": date(2024, 5, 6), "n": 50, "low": 2, "estimate": 0.04, "lo": 0.01,
         "hi": 0.13, "status": "yellow"},
    ]
    from moderation.views.audit import chart

    geo = chart(series)
    assert len(geo["points"]) == 2 and len(geo["bands"]) == 1 and len(geo["lines"]) == 1
    assert len(geo["bands"][0].split()) == 4  # two upper corners, two lower
    p = geo["points"][0]
    assert geo["top"] <= p["yhi"] < p["y"] < p["ylo"] <= geo["bottom"]  # SVG y grows downward
    assert geo["top"] < geo["target_y"] < geo["bottom"]
    assert [t["label"] for t in geo["ticks"]][:3] == ["0%", "5%", "10%"]


def _populate_audit(product, moderator, n):
    day = timezone.localdate() - timedelta(days=1)
    publish(product, n, day=day)
    samples = audit.audit_draw(day=day, size=n, seed=1)
    for s in samples[: n // 2]:
        audit.audit_label(sample_id=s.pk, moderator=moderator, label="low" if s.pk % 3 == 0 else "good")


@pytest.mark.parametrize("n", [5, 50])
def test_audit_queue_query_count(product, mod_client, moderator, django_assert_num_queries, n):
    _populate_audit(product, moderator, n)
    # user, groups, next sample, reviews, photos, progress, the site header's counts (the session is cached)
    with django_assert_num_queries(7):
        page = mod_client.get(reverse("moderation:audit"))
    assert page.status_code == 200 and page.context["sample"] is not None


@pytest.mark.parametrize("n", [5, 50])
def test_prevalence_page_query_count(product, mod_client, moderator, django_assert_num_queries, n):
    _populate_audit(product, moderator, n)
    expected = 4 + (len(audit.audited_kinds()) if audit._quality_score_model() is not None else 0)
    # user, groups, the labelled cells (one query for 7/30 days and the chart), the
    # site header's counts; the calibration check adds one per content kind once scores exist
    with django_assert_num_queries(expected):
        page = mod_client.get(reverse("moderation:audit_prevalence"))
    assert page.status_code == 200
    assert page.context["cards"][1]["est"].n == n // 2
