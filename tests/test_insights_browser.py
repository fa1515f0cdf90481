"""Brand insights on a 390 px phone, Chinese and English: aspects, quotes, rising complaints and
ideas render, nothing scrolls sideways, and the adopt form opens. Screenshots:
artifacts/browser/insights-*.png."""
from datetime import timedelta

import pytest
from django.utils import timezone

from community import services as community_services
from community.cocreation.models import Challenge
from community.insights import services
from community.insights.models import AspectDaily
from community.models import Review
from tests import factories
from tests.browser import ARTIFACTS, PHONE
from tests.challenge_helpers import make_challenge, published_entry
from tests.test_overflow_browser import session_cookie

pytestmark = pytest.mark.browser


def _scene():
    brand = factories.BrandFactory(name="暖暖 WarmCo 超长的品牌名称用来测试换行", slug="warmco")
    product = factories.ProductFactory(brand=brand, name_zh="暖暖气泡水 桂花乌龙味 大容量家庭装 超长名称",
                                       name_en="WarmCo sparkling water, osmanthus oolong, family size")
    staff = factories.UserFactory(is_staff=True)
    factories.BrandMembershipFactory(user=staff, brand=brand)
    texts = ["质量很好，就是物流太慢。包装没有破损，味道不太好。", "The box arrived crushed and shipping was slow!",
             "物流很快，包装严实，口感清爽。希望出无糖款！", "Great value for money. I wish it came in a bigger can."]
    for i, text in enumerate(texts * 3):
        r, _ = community_services.review_post(author=factories.UserFactory(), product=product, rating=1 + i % 5,
                                              text=text)
        community_services.review_moderate(review_id=r.pk, status="published")
        community_services.review_set_quality(review_id=r.pk, score=80)
    Review.objects.filter(product=product).update(published_at=timezone.now() - timedelta(days=1))
    challenge = make_challenge(brand, kind=Challenge.Kind.IDEA)
    published_entry(challenge, text="我想要一款桂花乌龙味的气泡水，清爽不甜，夏天喝正好。" + "很长" * 30)
    services.insights_rebuild()
    today = timezone.localdate()
    AspectDaily.objects.create(brand=brand, product=product, aspect="delivery", day=today - timedelta(days=40),
                               mentions=60, positive=54, negative=6)
    return brand, staff


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_insights_on_a_phone(site, chromium, language):
    _brand, staff = _scene()
    host = site.url.split("//", 1)[1].split(":")[0]
    context = chromium.new_context(**PHONE)
    context.add_cookies([{"name": "django_language", "value": language, "domain": host, "path": "/"},
                         session_cookie(site, staff)])
    page = context.new_page()
    try:
        response = page.goto(f"{site.url}/dashboard/brand/insights/", wait_until="load")
        assert response.status == 200
        assert page.locator(".insights-aspect").count() >= 4
        assert page.locator(".insights-quotes li").count() >= 4
        assert page.locator(".insights-rising li").count() == 1
        page.click(".insights-adopt summary")
        assert page.is_visible(".insights-adopt input[name=note]")
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        page.screenshot(path=str(ARTIFACTS / f"insights-{language}.png"), full_page=True)
        assert width <= inner == 390, f"the page is {width}px wide in a {inner}px window"
        if language == "en":  # the Chinese catalogue is merged by the lead (translations/insights.json)
            assert "Brand insights" in page.locator("h1").inner_text()
    finally:
        context.close()
