"""On a 390 px phone the dashboard draws its charts (ECharts canvas, non-empty) and the table view opens."""
import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from dashboard import rollups
from dashboard.tests.helpers import review, vote
from tests.browser import ARTIFACTS, PHONE, log_in
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.browser


def test_charts_and_table_view_on_a_phone(site, chromium):
    product = ProductFactory()
    users = UserFactory.create_batch(3)
    r = review(users[0], product, timezone.now(), text="Keeps tea hot.")
    review(users[1], product, timezone.now())
    vote(users[2], r, timezone.now())
    rollups.rollups_rebuild()
    operator = UserFactory(is_staff=True)
    operator.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    context = chromium.new_context(locale="en-US", **PHONE)
    page = context.new_page()
    log_in(page, site.url, operator, next_url="/dashboard/")
    page.wait_for_selector(".kpi-chart[data-kpi=deep_share] canvas")
    drawn = page.evaluate("""() => [...document.querySelectorAll('.kpi-chart canvas')].map(c => {
        const ctx = c.getContext('2d'); const d = ctx.getImageData(0, 0, c.width, c.height).data;
        let ink = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) ink++; } return [c.width, ink]; })""")
    assert len(drawn) >= 6 and all(w > 0 and ink > 0 for w, ink in drawn)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#kpi-deep_share .kpi-table summary")
    cells = page.locator("#kpi-deep_share .kpi-table td").all_inner_texts()
    assert "33.3%" in cells  # today: one review with text of three actions (and a star tap, a vote)
    page.click(".dash-range [data-range='7']")
    assert page.get_attribute(".dash-range [data-range='7']", "aria-pressed") == "true"
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    context.close()
