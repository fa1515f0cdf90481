"""Issue 15 in a real browser (Chromium through Playwright), on a phone (390x844) unless said:

7. A new shopper signs up with a display name, in Chinese: the welcome names them (not
   "以 用户 成功登录"), their reviews show the name, the verification e-mail greets them by it.
8. An entry sent says what happened (published); a vote counts in place without moving the page;
   a report's thanks appears where the person is looking, with and without JavaScript.
And: badges stay beside a reviewer's name; the staff navigation fits one row at 1280 px in
English. Screenshots: artifacts/browser/.
"""
import time

import pytest
from django.core import mail

from community import services as community_services
from community.cocreation.models import Entry, EntryVote
from community.models import Review, User
from moderation.models import Report
from tests import factories
from tests.browser import ARTIFACTS, DESKTOP, PHONE, log_in, tap_star
from tests.challenge_helpers import make_challenge, old_user, published_entry

pytestmark = pytest.mark.browser



def _login(chromium, site, user, *, lang="zh-CN", device=PHONE, **options):
    context = chromium.new_context(locale=lang, **device, **options)
    context.add_cookies([{"name": "django_language", "value": "en" if lang.startswith("en") else "zh-hans",
                          "url": site.url}])
    page = context.new_page()
    log_in(page, site.url, user)
    return context, page


IN_VIEWPORT = """sel => { const r = document.querySelector(sel).getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"""


def _in_viewport(page, selector):
    return page.evaluate(IN_VIEWPORT, selector)


def _comes_into_view(page, selector, seconds=5):
    """Whether the element is fully in the viewport within a few seconds (the page scrolls
    smoothly to an anchor). Polled from here: pages without JavaScript cannot wait themselves."""
    deadline = time.monotonic() + seconds
    while not _in_viewport(page, selector):
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(100)
    return True


def test_sign_up_with_a_display_name_in_chinese(site, chromium):
    product = factories.ProductFactory(name_zh="真空保温杯", slug="flask")
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    try:
        page.goto(f"{site.url}/accounts/signup/?next=/products/{product.slug}/")
        # The name comes first; one with nothing visible in it is refused with a clear message.
        assert page.locator(".auth-card input:visible").first.get_attribute("name") == "display_name"
        page.fill("input[name=display_name]", " \u200b\u202e ")
        page.fill("input[name=email]", "rain@example.com")
        page.fill("input[name=password1]", "Tea-and-biscuits-42")
        page.fill("input[name=password2]", "Tea-and-biscuits-42")
        page.click(".auth-card button[type=submit]")
        page.wait_for_selector("text=请取一个名字，它会显示在你的评价和点子上。")
        assert not User.objects.filter(email="rain@example.com").exists()

        page.fill("input[name=display_name]", "小雨")
        page.fill("input[name=password1]", "Tea-and-biscuits-42")
        page.fill("input[name=password2]", "Tea-and-biscuits-42")
        page.click(".auth-card button[type=submit]")
        page.wait_for_url(f"**/products/{product.slug}/")
        messages = page.inner_text(".messages")
        assert "欢迎，小雨！你已登录。" in messages
        assert "以 用户" not in messages and "用户" not in messages
        assert User.objects.get(email="rain@example.com").display_name == "小雨"
        page.screenshot(path=str(ARTIFACTS / "signup-welcome.png"))

        # The name is what others see on the review.
        tap_star(page, 5)
        page.goto(f"{site.url}/products/{product.slug}/")
        assert page.inner_text("#my-review .review-author") == "小雨"

        # The verification e-mail (printed to the console in `make run`) greets them by name.
        (message,) = [m for m in mail.outbox if m.to == ["rain@example.com"]]
        assert message.subject == "[共创 Cocreate] 欢迎！请确认你的邮箱地址"
        assert message.body.startswith("小雨，你好：")
        assert "用户 用户" not in message.body and "Hello!" not in message.body
    finally:
        context.close()


@pytest.fixture
def open_challenge(db):
    challenge = make_challenge(allow_overlap=True, rules_zh="每人 3 票。", rules_en="3 votes each.")
    ideas = [
        "做一支防晒棒吧！口红大小，放包里随时补涂，不用弄脏手，透明膏体叠在底妆上也不搓泥。",
        "学生党需要小容量！30ml 旅行装，军训和露营带着方便，价格也更友好，可以三支装一盒。",
        "瓶身贴一张紫外线感应贴，太阳强的时候变成紫色，提醒该补涂了，出门一眼就知道。",
        "给中老年人做一款大字标签、按压泵头的防晒，现在的小管子拧不开，字也看不清。",
        "防晒喷雾做成可以喷头皮的细雾，夏天头顶最容易晒伤，乳液又会让头发变油。",
        "包装用可回收的纸管，替换芯单独卖，外壳可以一直用，环保也省钱。",
        "出一款带淡淡茶香的防晒乳，涂完不是化学味，清爽不黏，适合夏天通勤。",
        "防晒和隔离二合一，早上出门少一步，质地轻薄，油皮也能用一整天不闷痘。",
    ]
    entries = [published_entry(challenge, text=text) for text in ideas]
    return challenge, entries


def test_entry_sent_vote_in_place_and_scroll_stays(site, chromium, open_challenge):
    challenge, entries = open_challenge
    author, voter = old_user(), old_user()
    context, page = _login(chromium, site, author)
    try:
        page.goto(f"{site.url}/challenges/{challenge.pk}/")
        assert "每人 3 票。" in page.inner_text("main") and "3 votes each." not in page.inner_text("main")
        page.fill("#entry-text", "夏天的防晒希望做成小小的气垫，可以直接按在脸上补涂，不会弄花妆。")
        with page.expect_navigation():
            page.click("#submit button[type=submit]")
        entry = Entry.objects.get(challenge=challenge, author=author)
        assert entry.status == Entry.Status.PUBLISHED  # screened in-process before the page answered
        shown = page.inner_text(".messages")
        assert "你的作品已发布：大家现在就能看到并为它投票。" in shown
        assert "审核" not in shown  # not "will appear after review": it already has
    finally:
        context.close()

    context, page = _login(chromium, site, voter)
    try:
        page.goto(f"{site.url}/challenges/{challenge.pk}/?sort=newest")
        target = entries[2]
        card = page.locator(f"#entry-{target.pk}")
        card.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, 40)")
        before = page.evaluate("window.scrollY")
        assert before > 300  # well down the page, where jumping to the top would show
        button = card.locator("button[data-vote-toggle]")
        assert button.inner_text().strip().endswith("0")
        page.evaluate("window.__sameDocument = true")
        with page.expect_response(lambda r: r.url.endswith(f"/entries/{target.pk}/vote/")) as voted:
            button.click()
        assert voted.value.status == 200
        page.wait_for_selector(f"#entry-{target.pk} button[aria-pressed=true]")
        assert card.locator("[data-count=votes]").inner_text() == "1"
        assert card.locator("[data-vote-label]").inner_text() == "已投票"
        assert page.evaluate("window.__sameDocument") is True  # no page load
        assert page.evaluate("window.scrollY") == before
        assert _in_viewport(page, f"#entry-{target.pk} button[data-vote-toggle]")
        assert EntryVote.objects.filter(entry=target, user=voter, valid=True).exists()
        page.screenshot(path=str(ARTIFACTS / "entry-vote-in-place.png"))
    finally:
        context.close()

    # Without JavaScript the vote comes back to the entry's anchor, with the message there.
    context, page = _login(chromium, site, voter, java_script_enabled=False)
    try:
        page.goto(f"{site.url}/challenges/{challenge.pk}/?sort=newest")
        other = entries[4]
        with page.expect_navigation():
            page.click(f"#entry-{other.pk} button[data-vote-toggle]")
        assert page.url.endswith(f"#entry-{other.pk}")
        assert page.inner_text(f"#entry-{other.pk} .message-in-place") == "投票成功。"
        assert _comes_into_view(page, f"#entry-{other.pk} .message-in-place")
        assert page.locator(".messages .message-anchored").is_hidden()  # no second copy at the top
    finally:
        context.close()


REVIEW_TEXTS = [
    "保温效果很好，早上装的热水到下午还烫。盖子密封，放包里不漏。",
    "Keeps coffee hot all morning. The lid is easy to open with one hand.",
    "送给妈妈的，她说字大的刻度很好认，洗起来也方便。",
    "颜色比图片上更好看，磨砂的手感不容易滑，就是稍微有点重。",
    "Bought two for the office; the tea stays warm through long meetings.",
    "杯口大小刚好可以放冰块，夏天装冰水一整天都是凉的。",
    "The strap broke after a month, but the flask itself is still great.",
    "活动价买的很划算，包装也很用心，送人很体面。",
]


def _product_with_reviews():
    product = factories.ProductFactory(name_zh="真空保温杯", slug="flask")
    for i, text in enumerate(REVIEW_TEXTS):
        community_services.review_post(author=factories.UserFactory(display_name=f"评价者{i}"), product=product,
                                       rating=5 - i % 3, text=text)
    return product


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_report_thanks_is_shown_where_the_person_looks(site, chromium, javascript):
    product = _product_with_reviews()
    reporter = old_user()
    context, page = _login(chromium, site, reporter, java_script_enabled=javascript)
    try:
        page.goto(f"{site.url}/products/{product.slug}/")
        cards = page.locator("#reviews .review-card")
        assert cards.count() >= 6
        card = cards.nth(cards.count() - 1)
        review_id = int(card.get_attribute("id").removeprefix("review-"))
        card.locator("details.report summary").click()
        options = card.locator("select[name=reason] option")
        assert "虚假评价" in options.all_inner_texts()  # on a review, "fake review" is the right word
        card.locator("select[name=reason]").select_option("fake")
        card.locator(".report-form button[type=submit]").scroll_into_view_if_needed()
        if javascript:
            before = page.evaluate("window.scrollY")
            with page.expect_response(lambda r: r.url.endswith("/moderation/report/")):
                card.locator(".report-form button[type=submit]").click()
            note = page.locator(f"#review-{review_id} .message-in-place")
            note.wait_for()
            assert abs(page.evaluate("window.scrollY") - before) < 200  # stays where it was
        else:
            with page.expect_navigation():
                card.locator(".report-form button[type=submit]").click()
            assert page.url.endswith(f"#review-{review_id}")
            note = page.locator(f"#review-{review_id} .message-in-place")
        assert note.inner_text() == "谢谢，审核员会查看。有结果后我们会通知您。"
        assert _comes_into_view(page, f"#review-{review_id} .message-in-place")
        assert Report.objects.filter(reporter=reporter, object_id=review_id, reason="fake").count() == 1
        page.screenshot(path=str(ARTIFACTS / f"report-in-place-{'js' if javascript else 'nojs'}.png"))
    finally:
        context.close()


def test_staff_navigation_fits_one_row_at_1280_in_english(site, chromium):
    from django.contrib.auth.models import Group

    staff = factories.UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="moderators")[0])
    context, page = _login(chromium, site, staff, lang="en-US", device=DESKTOP)
    try:
        page.goto(f"{site.url}/products/")
        assert page.locator(".site-nav a[href='/moderation/']").count() == 1
        tops = page.evaluate("""() => [...document.querySelectorAll('.site-nav > a, .site-nav .nav-button')]
            .map(e => Math.round(e.getBoundingClientRect().top))""")
        assert len(tops) == 7 and len(set(tops)) == 1, tops
    finally:
        context.close()


def test_badges_stay_beside_the_reviewers_name_on_a_phone(site, chromium):
    from gamification.badges import badge_grant
    from gamification.models import Badge

    product = _product_with_reviews()
    author = Review.objects.filter(product=product, status=Review.Status.PUBLISHED).first().author
    User.objects.filter(pk=author.pk).update(display_name="一个很长很长的名字的评价者")
    # Badges show on review cards only with the author's public-profile consent (docs/reviews.md).
    from community.privacy import services as privacy_services

    privacy_services.consent_set(user=author, purpose="public_profile", granted=True, method="settings")
    for slug, icon in (("winner", "W"), ("adopted", "A")):
        badge_grant(user_id=author.pk, badge=Badge.objects.create(slug=slug, name_zh=slug, icon_emoji=icon,
                                                                  criterion="challenge_winner"), notify=False)
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    try:
        page.goto(f"{site.url}/products/{product.slug}/")
        line = page.locator(".review-name-line:has(.badge-chip)").first
        name, chips = line.locator(".review-author").bounding_box(), line.locator(".badge-chips").bounding_box()
        assert chips["y"] < name["y"] + name["height"] and name["y"] < chips["y"] + chips["height"]  # one row
        assert chips["x"] >= name["x"] + name["width"] - 1  # to the right of the (shortened) name
        assert chips["x"] + chips["width"] <= 390
    finally:
        context.close()
