"""A real browser (Chromium through Playwright) on issue 15 item 10, the brand's trial funnel
(community/trials/admin.py, templates/admin/trials/trialprogram/funnel.html), at a laptop's
1280x800 in English and a tablet's 768x1024 in Chinese: brand staff open the brand's funnel and
one trial's funnel, built from applications in every state; the step counts and conversions
shown are exactly the data's, overdue testers are listed by display name, no e-mail address is
anywhere on the page and nothing scrolls sideways. Screenshots: artifacts/browser/trial-funnel-*.png.
"""
import re

import pytest
from django.contrib.auth.models import Permission

from community.trials import services as trial_services
from community.trials.models import TrialApplication
from tests import factories
from tests.browser import ARTIFACTS, admin_log_in
from tests.test_brand_admin import _funnel, _program

pytestmark = pytest.mark.browser

App = TrialApplication.Status
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
VIEWPORTS = {
    "laptop": ({"width": 1280, "height": 800}, "en-US"),
    "tablet": ({"width": 768, "height": 1024}, "zh-CN"),
}
TEXTS = {
    "en-US": {"steps": ["Applications", "Selected", "Samples shipped", "Reports submitted", "Reports overdue"],
              "rate": "{}% of the step before", "reports": "{} on time · {} late", "due": "{} more still due",
              "none_overdue": "No overdue reports.", "not_yet": "not yet"},
    "zh-CN": {"steps": ["申请", "已入选", "已寄样品", "已交测评", "测评逾期"],
              "rate": "上一步的 {}%", "reports": "按时 {} · 逾期提交 {}", "due": "另有 {} 份未到截止时间",
              "none_overdue": None, "not_yet": None},
}


def _no_sideways_scroll(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page is {width}px wide in a {inner}px window"


def _uses_the_width(page):
    """The hidden navigation sidebar leaves no empty column: the page's content spans the window."""
    content, inner = page.evaluate(
        "[document.querySelector('#content').getBoundingClientRect().right, window.innerWidth]")
    assert content >= inner - 60, f"the content ends at {content}px in a {inner}px window"


def _steps(page):
    """The funnel steps as shown: [(label, count, [rate texts])]."""
    return page.evaluate("""() => [...document.querySelectorAll('.funnel-steps > li')].map(li => [
        li.querySelector('.step').innerText.trim(), li.querySelector('.count').innerText.trim(),
        [...li.querySelectorAll('.rate')].map(r => r.innerText.trim().replace(/\\s+/g, ' '))])""")


def _expected_steps(texts, counts):
    """What the page must show for ``counts`` (applied, selected, shipped, reported, on_time,
    late, overdue, due), conversions worked out here from the data, rounded to whole percent."""
    applied, selected, shipped, reported, on_time, late, overdue, due = counts
    rate = texts["rate"].format
    labels = texts["steps"]
    return [
        [labels[0], str(applied), []],
        [labels[1], str(selected), [rate(round(100 * selected / applied))]],
        [labels[2], str(shipped), [rate(round(100 * shipped / selected))]],
        [labels[3], str(reported), [rate(round(100 * reported / shipped)), texts["reports"].format(on_time, late)]],
        [labels[4], str(overdue), [texts["due"].format(due)]],
    ]


def _overdue_names(page):
    return page.locator(".overdue-testers tbody tr td:first-child").all_inner_texts()


def _no_email(page, users):
    text = page.inner_text("body")
    assert not EMAIL.search(text), EMAIL.search(text).group(0)
    html = page.content()
    assert not any(user.email in html for user in users)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_brand_staff_read_the_trial_funnel(site, chromium, device):
    viewport, locale = VIEWPORTS[device]
    texts = TEXTS[locale]
    brand = factories.BrandFactory(name="暖暖 WarmCo", slug=f"warmco-{device}")
    staff = factories.UserFactory(is_staff=True, display_name="品牌小助手")
    factories.BrandMembershipFactory(user=staff, brand=brand)
    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="trials", codename__in=["view_trialprogram", "view_trialapplication"]))

    # The oven trial's deadline passed two days ago: 12 applicants, 7 selected, 6 shipped,
    # 2 reported on time and 1 late; 4 owe a report (3 shipped, 1 never shipped) and are marked
    # overdue by the nightly job; of the 5 not selected, 2 were told so and 3 still wait.
    oven = _program(brand, deadline_days=-2, title_zh="烤箱试用")
    oven_apps = _funnel(oven, applied=12, selected=7, shipped=6, on_time=2, late=1)
    assert trial_services.trials_mark_overdue() == 4
    TrialApplication.objects.filter(pk__in=[a.pk for a in oven_apps[7:9]]).update(status=App.NOT_SELECTED)
    # The earbuds trial runs for ten more days: 5 applicants, 3 selected, 2 shipped, 1 reported.
    earbuds = _program(brand, deadline_days=10, title_zh="耳机试用")
    earbuds_apps = _funnel(earbuds, applied=5, selected=3, shipped=2, on_time=1)
    statuses = set(TrialApplication.objects.filter(program__brand=brand).values_list("status", flat=True))
    assert statuses == set(App.values)  # every state is on the page
    # Another brand's trial, overdue too: never counted or listed here.
    elsewhere = _program(factories.BrandFactory(name="别家"), deadline_days=-1, title_zh="别家的试用")
    elsewhere_apps = _funnel(elsewhere, applied=3, selected=2, shipped=2, on_time=0)
    users = [staff] + [a.user for a in oven_apps + earbuds_apps + elsewhere_apps]
    overdue_names = [a.user.display_name for a in oven_apps[3:7]]  # longest overdue first, then by id

    context = chromium.new_context(locale=locale, viewport=viewport)
    page = context.new_page()
    try:
        admin_log_in(page, site.url, staff)

        # The brand's funnel: both of its trials added up.
        page.goto(f"{site.url}/admin/trials/trialprogram/funnel/")
        assert page.locator("h1").inner_text().strip().endswith("暖暖 WarmCo")
        assert _steps(page) == _expected_steps(texts, (17, 10, 8, 4, 3, 1, 4, 2))
        rows = {cells[0]: cells[1:] for cells in page.evaluate(
            """() => [...document.querySelectorAll('.funnel-table:not(.overdue-testers) tbody tr')].map(
                tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()))""")}
        assert {name: cells[1:] for name, cells in rows.items()} == {
            "烤箱试用": ["12", "7", "6", "3", "2", "4"],
            "耳机试用": ["5", "3", "2", "1", "1", "0"],
        }
        assert _overdue_names(page) == overdue_names
        assert "别家的试用" not in page.inner_text("body")
        _no_email(page, users)
        _no_sideways_scroll(page)
        _uses_the_width(page)
        page.screenshot(path=str(ARTIFACTS / f"trial-funnel-{device}-brand.png"), full_page=True)

        # One trial's funnel, reached from its row.
        page.click(f".funnel-table a[href$='/{oven.pk}/funnel/']")
        page.wait_for_url(f"{site.url}/admin/trials/trialprogram/{oven.pk}/funnel/")
        assert "烤箱试用" in page.locator("h1").inner_text()
        assert _steps(page) == _expected_steps(texts, (12, 7, 6, 3, 2, 1, 4, 0))
        assert _overdue_names(page) == overdue_names
        shipped = page.locator(".overdue-testers tbody tr td:nth-child(4)").all_inner_texts()
        assert len(shipped) == 4 and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", s.strip()) for s in shipped[:3])
        if texts["not_yet"]:
            assert shipped[3].strip() == texts["not_yet"]  # selected, never shipped, overdue all the same
        _no_email(page, users)
        _no_sideways_scroll(page)
        _uses_the_width(page)
        page.screenshot(path=str(ARTIFACTS / f"trial-funnel-{device}-program.png"), full_page=True)

        # The running trial: nothing overdue yet, two reports still due.
        page.goto(f"{site.url}/admin/trials/trialprogram/{earbuds.pk}/funnel/")
        assert _steps(page) == _expected_steps(texts, (5, 3, 2, 1, 1, 0, 0, 2))
        assert page.locator(".overdue-testers tbody tr").count() == 1
        if texts["none_overdue"]:
            assert page.inner_text(".overdue-testers tbody").strip() == texts["none_overdue"]
        _no_email(page, users)
        _no_sideways_scroll(page)
    finally:
        context.close()
