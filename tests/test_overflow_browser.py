"""Every page of the site fits a 390 px phone: no horizontal scrolling, for every role.

The URL patterns are walked from Django's resolver, so a new page cannot be forgotten: each
named pattern outside /admin/ and /api/ is either visited (``PAGES``: who visits it and with
which path parameters, filled from the seeded objects) or skipped with a reason (``SKIP``).
The main Django admin pages are visited as the operator (superuser) and as brand staff.

On each page ``document.documentElement.scrollWidth`` must not pass the 390 px viewport; a
failure lists every offending page with its width and the widest elements on it. One phone
screenshot per page and role goes to artifacts/screenshots/overflow/ (git-ignored; CI keeps
artifacts/).
"""
import io
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from community import services as community_services
from community.cocreation import services as challenge_services
from community.cocreation.models import Challenge, Entry
from community.insights import services as insights_services
from community.integrity.models import InteractionEvent
from community.models import Brand, Product, Review, User
from community.trials.models import TrialApplication, TrialProgram
from gamification.models import Badge, Reward
from gamification.rewards import reward_codes_add, reward_redeem
from gamification.services import points_award
from moderation import audit, fakerate, integrity_actions, ring_review
from moderation import services as moderation_services
from moderation.models import Case, Report
from tests.ring_helpers import ring_case

pytestmark = pytest.mark.browser

WIDTH = 390
# tests.browser.PHONE at scale 1: the layout is the same, the screenshots four times cheaper.
PHONE = {"viewport": {"width": WIDTH, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots" / "overflow"

ANON, SHOPPER, MODERATOR, OPERATOR, BRAND = "anonymous", "shopper", "moderator", "operator", "brand"
ROLES = (ANON, SHOPPER, MODERATOR, OPERATOR, BRAND)
# One language per role; the public pages are seen by the anonymous visitor (Chinese) and the
# shopper (English), so each of them is checked in both.
LANGUAGE = {ANON: "zh-hans", SHOPPER: "en", MODERATOR: "zh-hans", OPERATOR: "en", BRAND: "zh-hans"}
PUBLIC = (ANON, SHOPPER)
SIGNED_IN = (SHOPPER,)
MODERATION = (MODERATOR, OPERATOR)

# Named patterns (outside admin/ and api/) that are not pages a person looks at.
SKIP = {
    "dashboard:csv": "a CSV download, not a page",
    "dashboard:brand_csv": "a CSV download, not a page",
    "insights:csv": "a CSV download, not a page",
    "account_logout": "a POST form only (ACCOUNT_LOGOUT_ON_GET is off); its confirmation page is visited",
    "account_confirm_login_code": "only reachable in the middle of a login-by-code flow (redirects otherwise)",
    "account_reauthenticate": "allauth's reauthentication prompt, same layout as the login page; redirects when fresh",
    "account_set_password": "redirects to the change-password page for any account with a password",
    "set_language": "POST only (the header's language switch)",
    "community:product_rate": "POST only (star tap)",
    "community:review_helpful": "POST only (helpful vote)",
    "community:notification_open": "redirects to the notification's target",
    "community:entry_submit": "POST only (the form is on the challenge page)",
    "community:entry_vote": "POST only",
    "community:entry_comment": "POST only (the form is on the entry page)",
    "community:poll_vote": "POST only",
    "gamification:checkin": "POST only",
    "gamification_public:reward_redeem": "POST only",
    "moderation:claim": "POST only",
    "moderation:bulk": "POST only",
    "moderation:report": "POST only (the report control sits on every card)",
    "moderation:decide": "POST only",
    "moderation:renew": "POST only",
    "moderation:release": "POST only",
    "moderation:audit_label": "POST only",
    "moderation:fakerate_label": "POST only",
    "moderation:ops_known_answer": "POST only",
    "moderation:ring_decide": "POST only (the form is on the ring case page)",
    "moderation:ring_appeal_decide": "POST only (the buttons are on the appeals page)",
    "community:trial_shipping_withdraw": "POST only (the button is on My trials)",
    "privacy:export_start": "POST only (the button is on the privacy page)",
    "privacy:export_status": "JSON for the privacy page's progress display",
    "privacy:export_download": "a ZIP download",
    "privacy:deletion_start": "POST only (the form is on the privacy page)",
    "privacy:deletion_cancel": "POST only",
    "privacy:policy_accept": "POST only (the policy banner's button)",
    "insights:idea_adopt": "POST only (the form is on the brand insights page)",
}


def _walk(resolver, prefix="", namespace=None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace and (f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace)
            yield from _walk(pattern, prefix + str(pattern.pattern), ns or namespace)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield prefix + str(pattern.pattern), name


def site_pages():
    """{name: route} of every URL pattern outside the admin and the API."""
    pages = {}
    for route, name in _walk(get_resolver()):
        if route.lstrip("^").startswith(("admin/", "api/", settings.MEDIA_URL.lstrip("/"))):
            continue  # the admin (visited below), the API, and uploaded files (served under DEBUG)
        pages[name] = route
    return pages


# --- the data: the demo scene, plus what it lacks (every challenge kind, each moderation case kind,
# a report, an appeal, an audit sample, rewards) ----------------------------------------------------

def _entry(challenge, author, text):
    entry = challenge_services.entry_submit(author=author, challenge_id=challenge.pk, text=text)
    challenge_services.entry_moderate(entry_id=entry.pk, status=Entry.Status.PUBLISHED)
    return entry


def seed():
    call_command("demo", stdout=io.StringIO())
    people = {u.email.split("@")[0]: u for u in User.objects.all()}
    shopper, moderator, brand_user = people["xiaomei"], people["moderator"], people["brand"]
    lumi = Brand.objects.get(slug="lumi")
    now = timezone.now()
    challenges = {}
    for kind in (Challenge.Kind.DESIGN, Challenge.Kind.STORY):
        challenge = Challenge.objects.create(
            brand=lumi, kind=kind, min_account_age_days_to_vote=0,
            title_zh=f"露米{kind}征集：写下你和精华液的故事，越长越好没有空格的标题也要能换行",
            title_en="Supercalifragilistic packaging redesign: tell us what your bathroom shelf looks like",
            brief_zh="描述你的想法。" * 20, brief_en="Describe your idea in detail. " * 20,
            opens_at=now - timedelta(hours=1), entries_close_at=now + timedelta(days=3),
            voting_close_at=now + timedelta(days=5), closes_at=now + timedelta(days=6),
        )
        challenge_services.challenge_publish(challenge_id=challenge.pk, actor=brand_user)
        challenges[kind] = challenge
        for who in ("alex", "sam"):
            _entry(challenge, people[who], "A long unbroken word: https://example.invalid/" + "x" * 80 + " and more.")
    for kind in (Challenge.Kind.IDEA, Challenge.Kind.POLL):
        challenges[kind] = Challenge.objects.filter(kind=kind).exclude(state=Challenge.State.DRAFT).first()

    # Moderation: one queued case of each kind (review, entry, comment), a report, an appeal.
    product = Product.objects.filter(brand=lumi).order_by("pk").first()
    community_services.review_post(
        author=people["chen"], product=Product.objects.exclude(reviews__author=people["chen"]).first(), rating=1,
        text="效果一般，有问题加我微信 cheapshop88 私聊，比店里便宜一半",
    )
    entry = Entry.objects.filter(challenge=challenges[Challenge.Kind.DESIGN]).first()
    challenge_services.entry_submit(author=people["lin"], challenge_id=challenges[Challenge.Kind.DESIGN].pk,
                                    text="想要同款的打电话 13800138000 找我，便宜卖")
    challenge_services.entry_comment_post(author=people["yuki"], entry_id=entry.pk,
                                          text="加我微信 shopvip66 领优惠券，私聊")
    target = Review.objects.filter(status=Review.Status.PUBLISHED).exclude(author=shopper).exclude(text="").first()
    moderation_services.report_create(reporter=shopper, content_type="review", object_id=target.pk,
                                      reason=Report.Reason.SPAM, message="Looks like an ad to me")
    rejected, _ = community_services.review_post(
        author=shopper, product=Product.objects.exclude(reviews__author=shopper).first(), rating=2,
        text="不太好用，有问题加我微信 xiaomei2024 私聊",
    )
    case = Case.objects.get(content_type="review", object_id=rejected.pk)
    if case.state != Case.State.REJECTED:
        moderation_services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="spam")
    moderation_services.appeal_create(author=shopper, case_id=case.pk, message="这是我的真实体验，联系方式是误写的。")
    audit.audit_draw(day=audit.site_today())
    fakerate.fakerate_draw(day=audit.site_today())  # the demo's interactions: the labelling list
    # Ring cases: one open (30 accounts, 2 entries: the timeline is capped), one appealed
    # invalidation, and one of the shopper's own interactions invalidated by the scan.
    ring, _voters, _targets, _events = ring_case(members=30, entries=2)
    _c, appellants, _t, appealed = ring_case(members=3)
    integrity_actions.invalidate([e.pk for e in appealed], detector="lockstep", score=0.95,
                                 evidence="3 accounts voted for the same entry within 5 minutes")
    ring_review.ring_appeal_create(user=appellants[0], text="我是真心喜欢这个设计，没有人付钱让我投票。")
    own = InteractionEvent.objects.filter(actor=shopper, valid=True).order_by("pk").first()
    integrity_actions.invalidate([own.pk], detector="shared_signal", score=0.9,
                                 evidence="4 accounts on one device voted for each other's reviews")
    insights_services.insights_rebuild()  # brand insights: the demo's reviews and ideas

    # The rewards store: a reward the shopper redeemed (its code shows on /me/rewards/), one too dear.
    rewards = []
    for i, cost in enumerate((1, 100000)):
        reward = Reward.objects.create(brand=lumi, title_zh=f"露米旅行装小样 {i}", title_en=f"Lumi travel kit {i}",
                                       description_zh="限量", description_en="Limited", cost=cost)
        reward_codes_add(reward=reward, codes=[f"LUMI-{i}-{n:04d}-ABCDEFGHIJKLMNOP" for n in range(3)])
        rewards.append(reward)
    # spendable points of its own, whatever the demo's redemptions left the shopper
    points_award(user_id=shopper.pk, amount=5, action="test.seed", key=f"overflow-test:{shopper.pk}")
    reward_redeem(user_id=shopper.pk, reward_id=rewards[0].pk, key="overflow-test")
    return {
        "people": people,
        "shopper": shopper,
        "moderator": moderator,
        "brand_user": brand_user,
        "product": product,
        "challenges": challenges,
        "entry": entry,
        "cases": [Case.objects.filter(content_type=kind).order_by("-pk").first() for kind in ("review", "entry", "comment")],
        "appeal_case": case,
        "ring": ring,
    }


def page_urls(data):
    """{pattern name: [(roles, url), ...]}: every page with the roles that look at it."""
    shopper = data["shopper"]
    reviewed = Review.objects.filter(author=shopper).select_related("product").first().product
    trials = list(TrialProgram.objects.exclude(state=TrialProgram.State.DRAFT).order_by("pk"))
    report_trial = TrialApplication.objects.filter(user=shopper).exclude(review=None).first()
    report_trial = report_trial or TrialApplication.objects.filter(user=shopper).first()
    admin_objects = {
        "product": data["product"].pk,
        "challenge": data["challenges"][Challenge.Kind.DESIGN].pk,
        "trialprogram": trials[0].pk,
    }
    return {
        "community:home": [(ROLES, "/")],
        "community:product_list": [(PUBLIC, "/products/")],
        "community:product_detail": [(PUBLIC, f"/products/{p.slug}/")
                                     for p in Product.objects.filter(photo_review_count__gt=0)[:2]]
        + [(PUBLIC, f"/products/{reviewed.slug}/")],
        "community:review_details": [(SIGNED_IN, f"/products/{reviewed.slug}/review/")],
        "community:profile": [(SIGNED_IN + MODERATION + (BRAND,), "/me/")],
        "community:notifications": [(SIGNED_IN, "/notifications/")],
        "community:incentives": [(PUBLIC, "/help/reviews-and-rewards/")],
        "community:trial_list": [(PUBLIC, "/trials/")],
        "community:trial_detail": [(PUBLIC, f"/trials/{t.pk}/") for t in trials],
        "community:trial_report": [(SIGNED_IN, f"/trials/{report_trial.program_id}/report/")],
        "community:my_trials": [(SIGNED_IN, "/me/trials/")],
        "community:brand_detail": [(PUBLIC, f"/brands/{b.slug}/") for b in Brand.objects.order_by("pk")[:2]],
        "community:challenge_list": [(PUBLIC, "/challenges/")],
        "community:challenge_detail": [(PUBLIC, f"/challenges/{c.pk}/")
                                       for c in Challenge.objects.exclude(state=Challenge.State.DRAFT)],
        "community:entry_detail": [(PUBLIC, f"/entries/{data['entry'].pk}/")]
        + [(PUBLIC, f"/entries/{e.pk}/") for e in Entry.objects.filter(is_winner=True)[:1]],
        "community:user_public": [(PUBLIC, f"/u/{shopper.pk}/")],
        "community:my_entries": [(SIGNED_IN, "/me/entries/")],
        "community:my_votes": [(SIGNED_IN, "/me/votes/")],
        "privacy:policy": [(PUBLIC, "/privacy/")],
        "privacy:page": [(SIGNED_IN, "/me/privacy/")],
        "privacy:consent": [(SIGNED_IN, "/me/privacy/consent/")],
        "privacy:access": [(SIGNED_IN, "/me/privacy/access/")],
        "gamification:points": [(SIGNED_IN, "/me/points/")],
        "gamification_public:badge_list": [(PUBLIC, "/badges/")],
        "gamification_public:badge_detail": [(PUBLIC, f"/badges/{b.slug}/") for b in Badge.objects.all()[:2]],
        "gamification_public:leaderboard": [(PUBLIC, "/leaderboards/"), (PUBLIC, "/leaderboards/?period=all")],
        "gamification_public:reward_store": [(PUBLIC, "/rewards/")],
        "gamification_public:my_rewards": [(SIGNED_IN, "/me/rewards/")],
        "moderation:queue": [(MODERATION, "/moderation/")],
        "moderation:case": [(MODERATION, f"/moderation/cases/{c.pk}/") for c in data["cases"]],
        "moderation:appeal": [(SIGNED_IN, f"/moderation/cases/{data['appeal_case'].pk}/appeal/")],
        "moderation:audit": [(MODERATION, "/moderation/audit/")],
        "moderation:audit_prevalence": [(MODERATION, "/moderation/audit/prevalence/")],
        "moderation:ops": [(MODERATION, f"/moderation/ops/?days={d}") for d in (7, 365)],
        "moderation:fakerate": [(MODERATION, "/moderation/fakerate/")],
        "moderation:rings": [(MODERATION, "/moderation/rings/"), (MODERATION, "/moderation/rings/?sort=new")],
        "moderation:ring_case": [(MODERATION, f"/moderation/rings/{data['ring'].pk}/")],
        "moderation:ring_appeals": [(MODERATION, "/moderation/rings/appeals/")],
        "moderation:my_invalidations": [(SIGNED_IN, "/moderation/interactions/mine/")],
        "insights:brand": [((OPERATOR, BRAND), "/dashboard/brand/insights/"),
                           ((OPERATOR,), f"/dashboard/brand/insights/?brand=lumi&product={data['product'].pk}")],
        "dashboard:operator": [((OPERATOR,), "/dashboard/"), ((OPERATOR,), "/dashboard/?kind=review&language=en")],
        "dashboard:brand": [((BRAND,), "/dashboard/brand/")],
        "account_login": [((ANON,), "/accounts/login/")],
        "account_signup": [((ANON,), "/accounts/signup/")],
        "account_inactive": [((ANON,), "/accounts/inactive/")],
        "account_email_verification_sent": [((ANON,), "/accounts/confirm-email/")],
        "account_confirm_email": [((ANON,), "/accounts/confirm-email/not-a-real-key/")],
        "account_reset_password": [((ANON,), "/accounts/password/reset/")],
        "account_reset_password_done": [((ANON,), "/accounts/password/reset/done/")],
        "account_reset_password_from_key": [((ANON,), "/accounts/password/reset/key/1-not-a-real-key/")],
        "account_reset_password_from_key_done": [((ANON,), "/accounts/password/reset/key/done/")],
        "account_email": [(SIGNED_IN, "/accounts/email/")],
        "account_change_password": [(SIGNED_IN, "/accounts/password/change/")],
        # The Django admin, for the operator and brand staff (not walked: it is Django's own).
        "admin": [((OPERATOR, BRAND), url) for url in (
            "/admin/",
            "/admin/community/review/",
            "/admin/community/product/",
            f"/admin/community/product/{admin_objects['product']}/change/",
            "/admin/cocreation/challenge/",
            "/admin/cocreation/challenge/add/",
            f"/admin/cocreation/challenge/{admin_objects['challenge']}/change/",
            "/admin/cocreation/entry/",
            "/admin/trials/trialprogram/",
            f"/admin/trials/trialprogram/{admin_objects['trialprogram']}/change/",
            "/admin/trials/trialapplication/",
        )] + [((OPERATOR,), url) for url in (
            "/admin/gamification/reward/",
            "/admin/community/user/",
            "/admin/gamification/rule/",
            "/admin/gamification/badge/",
            "/admin/gamification/pointsentry/",
            "/admin/moderation/case/",
            "/admin/moderation/wordentry/",
        )],
    }


WIDEST = """(limit) => {
    // Elements that end past the edge, or whose content (a long word, a wide table) spills past it.
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        const right = Math.max(r.right, r.left + (el.clientWidth ? el.scrollWidth : 0));
        if (r.width && right > limit + 1) {
            const cls = (el.getAttribute('class') || '').trim().split(/\\s+/).slice(0, 2).join('.');
            out.push(`${el.tagName.toLowerCase()}${cls ? '.' + cls : ''}→${Math.round(right)}`);
        }
    }
    return out.slice(-5);  // the innermost ones come last
}"""


def session_cookie(live_server, user):
    client = Client()
    client.force_login(user)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}


def test_every_page_has_no_horizontal_overflow_on_a_phone(site, chromium):
    data = seed()
    pages = page_urls(data)
    walked = site_pages()
    missing = sorted(str(name) for name in walked if name not in pages and name not in SKIP)
    assert not missing, f"pages neither visited nor skipped (add them to PAGES or SKIP with a reason): {missing}"
    assert not [name for name in SKIP if name not in walked], "SKIP names a pattern that no longer exists"

    users = {SHOPPER: data["shopper"], MODERATOR: data["moderator"], BRAND: data["brand_user"],
             OPERATOR: data["people"]["admin"]}
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # only this run's pages
    SCREENSHOTS.mkdir(parents=True)
    host = site.url.split("//", 1)[1].split(":")[0]
    too_wide, errors, visited = [], [], 0
    for role in ROLES:
        context = chromium.new_context(**PHONE)
        context.add_cookies([{"name": "django_language", "value": LANGUAGE[role], "domain": host, "path": "/"}]
                            + ([session_cookie(site, users[role])] if role in users else []))
        page = context.new_page()
        try:
            for visits in pages.values():
                for roles, url in visits:
                    if role not in roles:
                        continue
                    response = page.goto(site.url + url, wait_until="load")
                    visited += 1
                    if response is None or response.status >= 400 or "/accounts/login/" in page.url and role != ANON:
                        errors.append(f"{role} {url}: HTTP {response and response.status} at {page.url}")
                    width = page.evaluate("document.documentElement.scrollWidth")
                    slug = f"{role}-" + (re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home")
                    page.screenshot(path=str(SCREENSHOTS / f"{slug}.png"))
                    if width > WIDTH or width > page.evaluate("window.innerWidth"):
                        too_wide.append(f"{role} {url}: {width} px ({', '.join(page.evaluate(WIDEST, WIDTH))})")
        finally:
            context.close()
    assert visited > 80, visited
    assert not (errors or too_wide), (
        "pages that did not open:\n" + "\n".join(errors)
        + f"\npages wider than the {WIDTH} px phone:\n" + "\n".join(too_wide)
    )
