"""Brand insights (docs/insights.md): the refresh, quotes and moderation, rising complaints,
idea themes and adoption, brand scoping, query counts, incremental == rebuild."""
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community import services as community_services
from community.cocreation import services as cocreation_services
from community.cocreation.models import Challenge
from community.insights import selectors, services
from community.insights.models import AspectDaily, AspectMention, IdeaTheme, ReviewIdea
from community.models import Review
from tests import factories
from tests.challenge_helpers import make_challenge, published_entry

URL = "/dashboard/brand/insights/"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.INSIGHTS_QUOTE_MIN_QUALITY = 55


def review(product, text, rating=4, *, quality=80, days_ago=0, author=None):
    """A published review with text and a quality score, through the services."""
    r, _ = community_services.review_post(author=author or factories.UserFactory(), product=product,
                                          rating=rating, text=text)
    community_services.review_moderate(review_id=r.pk, status="published")
    community_services.review_set_quality(review_id=r.pk, score=quality)
    if days_ago:
        when = timezone.now() - timedelta(days=days_ago)
        Review.objects.filter(pk=r.pk).update(published_at=when, created_at=when)
    r.refresh_from_db()
    return r


def snapshot():
    return {
        "mentions": sorted(AspectMention.objects.values_list(
            "review_id", "brand_id", "product_id", "aspect", "polarity", "day", "quote", "quality", "quotable")),
        "daily": sorted(AspectDaily.objects.values_list(
            "brand_id", "product_id", "aspect", "day", "mentions", "positive", "negative", "label_zh", "label_en")),
        "ideas": sorted(ReviewIdea.objects.values_list("review_id", "brand_id", "position", "text", "votes")),
        "themes": sorted((t.brand_id, t.key, t.text, t.votes, t.size, t.entry_id, t.adopted,
                          repr(t.members)) for t in IdeaTheme.objects.all()),
    }


# --- the refresh ----------------------------------------------------------------------------------

def test_run_counts_aspects_per_product_and_brand(product, brand):
    other = factories.ProductFactory(brand=brand, category=product.category)
    review(product, "质量很好，就是物流太慢。", 4)
    review(product, "物流很快，包装严实。", 5)
    review(other, "Shipping was slow and the box was crushed.", 2)
    services.insights_run()
    data = selectors.brand_insights(brand_id=brand.pk)
    by = {a["aspect"]: a for a in data["aspects"]}
    assert {k: (a["mentions"], a["positive"], a["negative"]) for k, a in by.items()} == {
        "delivery": (3, 1, 2), "packaging": (2, 1, 1), "quality": (1, 1, 0)}
    assert [a["aspect"] for a in data["complaints"]] == ["delivery", "packaging"]
    one = selectors.brand_insights(brand_id=brand.pk, product_id=product.pk)
    assert {a["aspect"]: a["mentions"] for a in one["aspects"]} == {"delivery": 2, "packaging": 1, "quality": 1}


def test_pending_and_star_only_reviews_are_not_counted(product, brand):
    community_services.review_post(author=factories.UserFactory(), product=product, rating=1, text="物流太慢了。")
    community_services.review_post(author=factories.UserFactory(), product=product, rating=1)
    services.insights_run()
    assert AspectMention.objects.count() == 0


def test_trend_against_the_previous_period(product, brand):
    for _ in range(2):
        review(product, "包装很好。", 5, days_ago=40)
    for _ in range(3):
        review(product, "包装很好。", 5)
    services.insights_run()
    (a,) = selectors.brand_insights(brand_id=brand.pk)["aspects"]
    assert (a["mentions"], a["mentions_before"], a["change"]) == (3, 2, 0.5)


# --- rising complaints ------------------------------------------------------------------------------

def _daily(brand, product, aspect, day, mentions, negative):
    AspectDaily.objects.create(brand=brand, product=product, aspect=aspect, day=day, mentions=mentions,
                               positive=mentions - negative, negative=negative)


def test_rising_complaints_on_crafted_data(product, brand):
    today = timezone.localdate()
    # delivery: 10% negative before, 50% now (60 mentions each): z = 4.74, p ~ 1e-6 -> rising
    _daily(brand, product, "delivery", today - timedelta(days=40), 60, 6)
    _daily(brand, product, "delivery", today - timedelta(days=3), 60, 30)
    # packaging: 20% -> 30% on 10 mentions each: p = 0.30 -> not rising
    _daily(brand, product, "packaging", today - timedelta(days=35), 10, 2)
    _daily(brand, product, "packaging", today, 10, 3)
    # taste: 0% -> 100% but 3 mentions now: below the minimum -> not rising
    _daily(brand, product, "taste", today - timedelta(days=45), 10, 0)
    _daily(brand, product, "taste", today - timedelta(days=1), 3, 3)
    # fit: outside both periods
    _daily(brand, product, "fit", today - timedelta(days=61), 50, 50)
    data = selectors.brand_insights(brand_id=brand.pk)
    assert [a["aspect"] for a in data["rising"]] == ["delivery"]
    (d,) = data["rising"]
    assert d["p"] < 1e-5 and d["negative_share"] == 0.5 and d["negative_share_before"] == 0.1
    pack = next(a for a in data["aspects"] if a["aspect"] == "packaging")
    assert 0.2 < pack["p"] < 0.4 and not pack["rising"]
    assert "fit" not in {a["aspect"] for a in data["aspects"]}
    assert [a["aspect"] for a in data["complaints"]] == ["delivery", "taste", "packaging"]


def test_rising_is_explained_on_the_page(client, brand_staff, product, brand):
    today = timezone.localdate()
    _daily(brand, product, "delivery", today - timedelta(days=40), 60, 6)
    _daily(brand, product, "delivery", today, 60, 30)
    client.force_login(brand_staff)
    html = client.get(URL).content.decode()
    assert "two-proportion z-test" in html and "below 0.05" in html
    assert 'id="rising"' in html and "Delivery" in html


# --- quotes and moderation ----------------------------------------------------------------------------

def test_quotes_only_published_high_quality(product, brand):
    good = review(product, "The packaging was lovely and sturdy.", 5, quality=80)
    low = review(product, "Packaging ok.", 4, quality=40)
    services.insights_run()
    quotes = selectors.quotes(brand_id=brand.pk)
    assert [q["review_id"] for q in quotes["packaging"]] == [good.pk]
    assert AspectMention.objects.get(review=low, aspect="packaging").quotable is False


def test_at_most_three_quotes_best_quality_first(product, brand):
    reviews = [review(product, f"包装很好，第{i}次买。", 5, quality=60 + i) for i in range(5)]
    services.insights_run()
    assert [q["review_id"] for q in selectors.quotes(brand_id=brand.pk)["packaging"]] == [
        reviews[4].pk, reviews[3].pk, reviews[2].pk]


@pytest.mark.parametrize("status", ["removed", "rejected", "pending"])
def test_a_later_removal_drops_the_quote_at_once(status, product, brand, brand_staff, client,
                                                 django_capture_on_commit_callbacks):
    r = review(product, "The packaging was lovely and sturdy.", 5)
    services.insights_run()
    client.force_login(brand_staff)
    assert "lovely and sturdy" in client.get(URL).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        community_services.review_moderate(review_id=r.pk, status=status)
    # before any refresh: the signal's receiver took it out of the quotes
    assert "lovely and sturdy" not in client.get(URL).content.decode()
    assert selectors.quotes(brand_id=brand.pk) == {}
    services.insights_run()
    assert not AspectMention.objects.filter(review=r).exists()
    assert "lovely and sturdy" not in client.get(URL).content.decode()


def test_an_edit_waiting_for_moderation_is_not_quoted(product, brand, django_capture_on_commit_callbacks):
    r = review(product, "The packaging was lovely and sturdy.", 5)
    services.insights_run()
    with django_capture_on_commit_callbacks(execute=True):
        community_services.review_post(author=r.author, product=product, rating=5, text="Packaging: see photos.")
    assert selectors.quotes(brand_id=brand.pk) == {}


def test_refresh_never_quotes_a_hidden_review_even_without_the_signal(product, brand):
    r = review(product, "The packaging was lovely and sturdy.", 5)
    Review.objects.filter(pk=r.pk).update(status="removed")  # no signal: the nightly rebuild's check
    services.insights_rebuild()
    assert selectors.quotes(brand_id=brand.pk) == {}


# --- ideas -------------------------------------------------------------------------------------------

def test_ideas_grouped_by_theme_with_votes_and_adoption(client, brand, brand_staff, product):
    challenge = make_challenge(brand, kind=Challenge.Kind.IDEA)
    a = published_entry(challenge, text="我想要一款桂花乌龙味的气泡水，清爽不甜，夏天喝正好。")
    b = published_entry(challenge, text="我想要一款桂花乌龙味的气泡水，清爽不甜，夏天喝正好！")
    c = published_entry(challenge, text="出一个大容量的家庭装吧，一次买一箱更划算省事。")
    from community.cocreation.models import Entry
    Entry.objects.filter(pk=b.pk).update(vote_count=4)
    Entry.objects.filter(pk=a.pk).update(vote_count=1)
    review(product, "很好喝。希望出一个大容量的家庭装，一次买一箱更划算。", 5)
    services.insights_run()
    themes = selectors.idea_themes(brand_id=brand.pk)
    assert [(t.size, t.votes, t.entry_id) for t in themes] == [(2, 5, b.pk), (2, 0, c.pk)]
    client.force_login(brand_staff)
    html = client.get(URL).content.decode()
    assert "What shoppers ask for" in html and "Mark adopted" in html
    resp = client.post(reverse("insights:idea_adopt", args=[b.pk]), {"brand": brand.slug, "note": "明年夏天上市"})
    assert resp.status_code == 302 and resp["Location"] == f"/brands/{brand.slug}/#adopted-title"
    assert IdeaTheme.objects.get(entry_id=b.pk).adopted
    html = client.get(URL).content.decode()
    assert f'href="/brands/{brand.slug}/#adopted-title"' in html
    assert "明年夏天上市" in client.get(f"/brands/{brand.slug}/").content.decode()
    # a missing note is a message on the page, not an error
    resp = client.post(reverse("insights:idea_adopt", args=[c.pk]), {"brand": brand.slug, "note": ""}, follow=True)
    assert resp.status_code == 200 and "Say in a sentence" in resp.content.decode()


def test_a_hidden_entry_leaves_the_themes_at_once(brand, django_capture_on_commit_callbacks):
    challenge = make_challenge(brand, kind=Challenge.Kind.IDEA)
    e = published_entry(challenge, text="出一个大容量的家庭装吧，一次买一箱更划算省事。")
    services.insights_run()
    assert IdeaTheme.objects.filter(brand=brand).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        cocreation_services.entry_moderate(entry_id=e.pk, status="removed")
    assert IdeaTheme.objects.filter(brand=brand).count() == 0


# --- scoping -----------------------------------------------------------------------------------------

def test_brand_staff_see_only_their_brand(client, brand_staff, brand, product):
    other_brand = factories.BrandFactory()
    other_product = factories.ProductFactory(brand=other_brand)
    review(other_product, "Packaging was crushed.", 1)
    services.insights_run()
    client.force_login(brand_staff)
    assert client.get(URL).status_code == 200
    assert client.get(URL, {"brand": brand.slug}).status_code == 200
    assert client.get(URL, {"brand": other_brand.slug}).status_code == 404
    assert client.get(URL, {"brand": brand.slug, "product": other_product.pk}).status_code == 404
    assert client.get(URL, {"product": other_product.pk}).status_code == 404
    resp = client.get(URL, {"product": "x"})
    assert resp.status_code == 400 and "Pick a product" in resp.content.decode()
    html = client.get(URL).content.decode()
    assert other_brand.name not in html and "crushed" not in html
    challenge = make_challenge(other_brand, kind=Challenge.Kind.IDEA)
    entry = published_entry(challenge)
    adopt = reverse("insights:idea_adopt", args=[entry.pk])
    assert client.post(adopt, {"brand": brand.slug, "note": "x"}).status_code == 404
    assert client.post(adopt, {"brand": other_brand.slug, "note": "x"}).status_code == 404
    entry.refresh_from_db()
    assert entry.adopted_at is None


def test_shoppers_are_refused_and_visitors_sent_to_log_in(client, shopper):
    assert client.get(URL).status_code == 302
    client.force_login(shopper)
    assert client.get(URL).status_code == 403


def test_operators_pick_any_brand(client, brand, product):
    operator = factories.UserFactory(is_staff=True, is_superuser=True)
    other_brand = factories.BrandFactory(name="Zeta")
    review(factories.ProductFactory(brand=other_brand), "Packaging was crushed.", 1)
    services.insights_run()
    client.force_login(operator)
    html = client.get(URL, {"brand": other_brand.slug}).content.decode()
    assert 'name="brand"' in html and "crushed" in html and brand.name in html


def test_empty_state_says_what_to_do(client, brand_staff, brand):
    client.force_login(brand_staff)
    html = client.get(URL).content.decode()
    assert 'id="insights-empty"' in html and "Invite shoppers to review your products" in html
    staff_without_brand = factories.UserFactory(is_staff=True)
    client.force_login(staff_without_brand)
    html = client.get(URL).content.decode()
    assert "Ask an operator to add you" in html


# --- CSV ----------------------------------------------------------------------------------------------

def _csv(resp):
    import csv
    import io

    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(resp.content.decode())))


def test_csv_exports_the_page_figures_scoped_like_the_page(client, brand_staff, brand, product):
    other_brand = factories.BrandFactory()
    other_product = factories.ProductFactory(brand=other_brand)
    review(other_product, "Packaging was crushed.", 1)
    review(product, "质量很好，就是物流太慢。", 4)
    review(product, "物流太慢了，等了十天。", 2)
    challenge = make_challenge(brand, kind=Challenge.Kind.IDEA)
    published_entry(challenge, text="=HYPERLINK(\"http://x.example\") 出一个大容量的家庭装吧，一次买一箱。")
    services.insights_run()
    client.force_login(brand_staff)
    html = client.get(URL).content.decode()
    assert f'href="/dashboard/brand/insights/csv/aspects/?brand={brand.slug}"' in html
    rows = _csv(client.get(reverse("insights:csv", args=["aspects"]), {"brand": brand.slug}))
    assert rows[0][:5] == ["aspect", "label", "mentions", "positive", "negative"]
    by_aspect = {r[0]: r for r in rows[1:]}
    page = selectors.brand_insights(brand_id=brand.pk)
    assert set(by_aspect) == {a["aspect"] for a in page["aspects"]}
    delivery = next(a for a in page["aspects"] if a["mentions"] == 2)
    assert by_aspect[delivery["aspect"]][2:5] == ["2", str(delivery["positive"]), str(delivery["negative"])]
    assert "crushed" not in str(rows) and "packaging" not in by_aspect
    # One product, and the ideas: a cell that looks like a formula is neutralised.
    assert _csv(client.get(reverse("insights:csv", args=["aspects"]), {"brand": brand.slug, "product": product.pk}))
    ideas = _csv(client.get(reverse("insights:csv", args=["ideas"]), {"brand": brand.slug}))
    assert ideas[0] == ["theme", "votes", "similar_ideas", "adopted"]
    assert len(ideas) == 2 and ideas[1][0].startswith("'=HYPERLINK") and ideas[1][1:] == ["0", "1", "no"]
    # Tampering: another brand, another brand's product, a bad product, an unknown table.
    assert client.get(reverse("insights:csv", args=["aspects"]), {"brand": other_brand.slug}).status_code == 404
    assert client.get(reverse("insights:csv", args=["aspects"]),
                      {"brand": brand.slug, "product": other_product.pk}).status_code == 404
    resp = client.get(reverse("insights:csv", args=["aspects"]), {"brand": brand.slug, "product": "x"})
    assert resp.status_code == 400 and "Pick a product" in resp.content.decode()
    assert client.get(reverse("insights:csv", args=["ideas"]),
                      {"brand": brand.slug, "product": product.pk}).status_code == 400
    assert client.get(reverse("insights:csv", args=["reviews"]), {"brand": brand.slug}).status_code == 404
    client.logout()
    assert client.get(reverse("insights:csv", args=["aspects"]), {"brand": brand.slug}).status_code == 302
    client.force_login(factories.UserFactory())
    assert client.get(reverse("insights:csv", args=["aspects"]), {"brand": brand.slug}).status_code == 403


# --- query counts ------------------------------------------------------------------------------------

def _grow(brand, product, n):
    challenge = make_challenge(brand, kind=Challenge.Kind.IDEA)
    for i in range(n):
        review(product, f"包装很好，物流太慢，第{i}次。I wish it came in size {i}.", 1 + i % 5, quality=60 + i)
        published_entry(challenge, text=f"想要第{i}种口味的新品，比如桂花{i}号配方的茶饮。")
    services.insights_run()


@pytest.mark.parametrize("product_filter", [False, True])
def test_page_queries_do_not_grow_with_data(client, brand_staff, brand, product, product_filter,
                                            django_assert_num_queries):
    client.force_login(brand_staff)
    client.get("/")  # the header's counts are cached from the first page on
    params = {"product": product.pk} if product_filter else {}
    _grow(brand, product, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL, params).status_code == 200
    _grow(brand, product, 6)
    # the user's two permission reads, brands, products, aspect rows, quotes, refresh time, themes
    # (brand view only); the session, the user and the header's counters come from the cache
    expected = 7 if product_filter else 8
    with django_assert_num_queries(expected):
        html = client.get(URL, params).content.decode()
    assert len(small.captured_queries) == expected
    assert "Packaging" in html


# --- incremental == rebuild ----------------------------------------------------------------------------

TEXTS = ["质量很好，就是物流太慢。", "物流很快，包装严实。", "Shipping was slow and the box was crushed.",
         "The battery dies fast.", "味道不太好，希望出无糖款。", "Great fit. I wish it came in blue.", "外观好看，做工一般。"]


def test_incremental_equals_rebuild_with_late_and_changed_reviews(brand, django_capture_on_commit_callbacks):
    rng = random.Random(12)
    category = factories.CategoryFactory()
    products = [factories.ProductFactory(brand=brand, category=category) for _ in range(3)]
    other = factories.ProductFactory(category=category)
    challenge = make_challenge(brand, kind=Challenge.Kind.IDEA)
    made = []
    for batch in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(6):
                p = rng.choice([*products, other])
                r = review(p, rng.choice(TEXTS), rng.randint(1, 5), quality=rng.choice([30, 60, 90]),
                           days_ago=rng.choice([0, 0, 5, 40]))
                made.append(r)
            # late: committed now but published long before the watermark
            late = review(rng.choice(products), rng.choice(TEXTS), 2, quality=70)
            Review.objects.filter(pk=late.pk).update(published_at=timezone.now() - timedelta(days=3),
                                                     created_at=timezone.now() - timedelta(days=3))
            if batch:
                victim = rng.choice(made)
                community_services.review_moderate(review_id=victim.pk, status=rng.choice(["removed", "pending"]))
                back = rng.choice(made)
                community_services.review_moderate(review_id=back.pk, status="published")
                published_entry(challenge, text=rng.choice(["想要桂花乌龙味的气泡水，清爽不甜。", "出大容量家庭装吧，一次买一箱。"]))
        services.insights_run()
        services.insights_run()  # twice: idempotent
    incremental = snapshot()
    assert incremental["mentions"] and incremental["themes"]
    services.insights_rebuild()
    assert snapshot() == incremental


def test_an_entry_vote_reaches_the_next_run_without_a_mark(brand):
    """Votes write no dirty mark (issue 16): the run finds the challenge by the entries' voted_at."""
    from community.cocreation.models import Entry
    from community.insights.models import InsightsDirty

    challenge = make_challenge(brand, kind=Challenge.Kind.IDEA, allow_overlap=True, votes_per_user=5)
    entry = published_entry(challenge, text="我想要一款桂花乌龙味的气泡水，清爽不甜，夏天喝正好。")
    services.insights_run()
    services.insights_run()  # the first run is a rebuild; this one moves the watermark on
    assert IdeaTheme.objects.get(entry_id=entry.pk).votes == 0
    InsightsDirty.objects.all().delete()
    voters = [factories.UserFactory(date_joined=timezone.now() - timedelta(days=30)) for _ in range(2)]
    for voter in voters:
        cocreation_services.entry_vote_toggle(user=voter, entry_id=entry.pk)
    assert not InsightsDirty.objects.exists()
    assert Entry.objects.get(pk=entry.pk).voted_at is not None
    services.insights_run()
    assert IdeaTheme.objects.get(entry_id=entry.pk).votes == 2
    cocreation_services.entry_vote_toggle(user=voters[0], entry_id=entry.pk)  # withdrawn
    services.insights_run()
    incremental = snapshot()
    assert IdeaTheme.objects.get(entry_id=entry.pk).votes == 1
    services.insights_rebuild()
    assert snapshot() == incremental


def test_commands(capsys, product, brand):
    review(product, "包装很好。", 5)
    call_command("insights", "rebuild")
    call_command("insights", "run")
    out = capsys.readouterr().out
    assert "insights rebuild" in out and "insights run" in out
    assert AspectDaily.objects.get(product=product).mentions == 1


def test_an_erased_review_leaves_no_words_in_the_insights_tables(product, brand,
                                                                  django_capture_on_commit_callbacks):
    r = review(product, "包装很好，希望出一个超大容量的家庭装版本。", 5)
    services.insights_run()
    assert "超大容量" in repr(snapshot())
    with django_capture_on_commit_callbacks(execute=True):
        community_services.review_erase(review_id=r.pk)
    assert "超大容量" not in repr(snapshot()) and "包装很好" not in repr(snapshot())
