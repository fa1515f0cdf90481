"""A real browser (Debian's Chromium through Playwright) walks the one-click review flow.

Screenshots go to artifacts/browser/ (git-ignored; CI keeps them as artifacts).
"""

import io



import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import re_path
from django.views.static import serve
from PIL import Image, ImageDraw

from community import services
from community.models import Review, User
from config.urls import urlpatterns as site_urlpatterns
from tests import factories
from tests.browser import ARTIFACTS, PHONE, tap_star

pytestmark = pytest.mark.browser


def _serve_media(request, path):
    # MEDIA_ROOT changes per test (conftest), so read it on every request.
    return serve(request, path, document_root=django_settings.MEDIA_ROOT)


# The site's URLs plus media files (config/urls.py serves media only with DEBUG on).
urlpatterns = [re_path(r"^media/(?P<path>.*)$", _serve_media), *site_urlpatterns]


def photo_png(hue=(230, 120, 60), label=""):
    img = Image.new("RGB", (480, 360), (250, 246, 240))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((60, 40, 420, 320), radius=40, fill=hue)
    draw.ellipse((170, 110, 310, 250), fill=(255, 255, 255))
    if label:
        draw.text((20, 330), label, fill=(60, 60, 60))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def site(live_server, transactional_db, settings):
    settings.ROOT_URLCONF = __name__
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return live_server


def make_product_with_reviews(n_reviews=6):
    brand = factories.BrandFactory(name="暖暖 WarmCo", slug="warmco")
    category = factories.CategoryFactory(name_zh="水杯", name_en="Cups", slug="cups")
    product = factories.ProductFactory(
        brand=brand,
        category=category,
        name_zh="真空保温杯 500ml",
        name_en="Vacuum flask 500 ml",
        slug="vacuum-flask",
        description_zh="316 不锈钢内胆，保温 12 小时。\n一键开盖，单手就能喝。",
        description_en="316 stainless steel, keeps drinks hot for 12 hours.\nOne-button lid.",
    )
    tags = list(category.aspect_tags.order_by("position"))
    texts = [
        "保温效果很好，早上装的热水到下午还烫。盖子密封，放包里不漏。",
        "颜色好看，就是有点重。",
        "Keeps coffee hot all morning. The lid is easy to open with one hand.",
        "",
        "送给妈妈的，她说字大的刻度很好认。",
        "性价比高，活动价很划算。",
    ]
    colors = [(230, 120, 60), (70, 140, 200), (90, 170, 120), (200, 80, 120)]
    for i in range(n_reviews):
        author = factories.UserFactory(display_name=["小雨", "Mia", "老王", "", "Leo", "阿珍"][i % 6])
        review, _ = services.review_post(
            author=author,
            product=product,
            rating=[5, 4, 5, 3, 5, 4][i % 6],
            tag_ids=[tags[i % 3].pk, tags[(i + 1) % 4].pk],
            text=texts[i % len(texts)],
            incentive="free_sample" if i == 1 else "",
        )
        if i % 2 == 0:
            services.review_photo_add(
                author=author,
                review=review,
                upload=SimpleUploadedFile(f"p{i}.png", photo_png(colors[i % 4]), content_type="image/png"),
            )
        if i:
            services.review_vote_helpful(user=author, review_id=Review.objects.order_by("id").first().pk, helpful=True)
    return product


def test_new_user_signs_up_taps_a_star_and_adds_tag_and_photo(site, chromium):
    product = make_product_with_reviews()
    value_tag = product.category.aspect_tags.get(slug="value")
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    try:
        # Sign up through allauth (email verification is optional in test settings, so this logs in).
        page.goto(f"{site.url}/accounts/signup/?next=/products/{product.slug}/")
        page.fill("input[name=display_name]", "新来的")
        page.fill("input[name=email]", "newbie@example.com")
        page.fill("input[name=password1]", "Tea-and-biscuits-42")
        page.fill("input[name=password2]", "Tea-and-biscuits-42")
        page.click(".auth-card button[type=submit]")
        page.wait_for_url(f"**/products/{product.slug}/")
        assert User.objects.filter(email="newbie@example.com").exists()
        assert page.locator("#details").is_hidden()

        # One tap on the fourth star: posted with fetch, no reload, the details panel appears.
        tap_star(page, 4)
        assert page.locator(".rate-star.is-on").count() == 4
        review = Review.objects.get(author__email="newbie@example.com", product=product)
        assert review.rating == 4

        # Add details: tick a tag, attach a photo, a few words, submit (plain multipart POST).
        page.click(f"#details .chip:has-text('{value_tag.label_zh}')")
        assert page.is_checked(f"#details input[name=tags][value='{value_tag.pk}']")
        page.set_input_files(
            "#details input[type=file]",
            files=[{"name": "flask.png", "mimeType": "image/png", "buffer": photo_png((240, 170, 40))}],
        )
        page.wait_for_selector("#details [data-photo-grid] .photo-tile img")
        page.fill("#details textarea", "保温很好，一整天都是热的。")
        page.click("#details button[type=submit]")
        page.wait_for_url("**#my-review")

        own = page.locator("#my-review .review-card")
        assert value_tag.label_zh in own.locator(".tag-list").inner_text()
        assert "保温很好" in own.inner_text()
        photo = own.locator(".review-photos img")
        assert photo.count() == 1
        photo.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
        review.refresh_from_db()
        assert list(review.tags.values_list("slug", flat=True)) == ["value"]
        assert review.photos.count() == 1
        page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)

        # A helpful vote on someone else's review: posted with fetch, count updated in place.
        card = page.locator("#reviews .review-card").first
        helpful = card.locator("button[data-vote='1']")
        before = int(helpful.locator("[data-count=helpful]").inner_text())
        page.evaluate("window.__sameDocument = true")
        with page.expect_response(lambda r: "/helpful/" in r.url) as voted:
            helpful.click()
        assert voted.value.status == 200
        page.wait_for_function("b => b.getAttribute('aria-pressed') === 'true'", arg=helpful.element_handle())
        assert int(helpful.locator("[data-count=helpful]").inner_text()) == before + 1
        assert page.evaluate("window.__sameDocument") is True
    finally:
        context.close()


def test_screenshots_for_design_review(site, chromium):
    """Phone and desktop screenshots of the main pages, for a human (or agent) to look at."""
    product = make_product_with_reviews(n_reviews=12)
    shopper = factories.UserFactory(display_name="看图的人")
    services.review_post(author=shopper, product=product, rating=5)

    phone = chromium.new_context(locale="zh-CN", **PHONE)
    page = phone.new_page()
    try:
        page.goto(f"{site.url}/products/{product.slug}/")
        page.wait_for_load_state("networkidle")
        # Stars and layout come from our own CSS: check it loaded.
        assert page.evaluate("getComputedStyle(document.querySelector('.rate-star')).borderRadius") != "0px"
        page.screenshot(path=str(ARTIFACTS / "product-phone.png"), full_page=True)
        page.screenshot(path=str(ARTIFACTS / "product-phone-fold.png"))
        # Every tappable thing on the product page is at least 44px tall.
        small = page.evaluate(
            """() => [...document.querySelectorAll('main button, main .btn, main .tab, main .chip span')]
                .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
                .map(el => el.outerHTML.slice(0, 80))"""
        )
        assert small == []
        page.goto(f"{site.url}/")
        page.screenshot(path=str(ARTIFACTS / "home-phone.png"), full_page=True)
        page.goto(f"{site.url}/products/")
        page.screenshot(path=str(ARTIFACTS / "products-phone.png"), full_page=True)
        page.goto(f"{site.url}/accounts/login/")
        page.screenshot(path=str(ARTIFACTS / "login-phone.png"), full_page=True)
    finally:
        phone.close()

    # Signed-in pages: log in through allauth, then the profile and the standalone review page.
    phone = chromium.new_context(locale="zh-CN", **PHONE)
    page = phone.new_page()
    try:
        page.goto(f"{site.url}/accounts/login/?next=/me/")
        page.fill("input[name=login]", shopper.email)
        page.fill("input[name=password]", "pass12345!")
        page.click(".auth-card button[type=submit]")
        page.wait_for_url("**/me/")
        assert "看图的人" in page.inner_text("h1")
        page.screenshot(path=str(ARTIFACTS / "profile-phone.png"), full_page=True)
        page.goto(f"{site.url}/products/{product.slug}/review/")
        page.fill("textarea[name=text]", "杯盖很好拧。")
        page.set_input_files(
            "input[type=file]",
            files=[{"name": "not-a-photo.png", "mimeType": "image/png", "buffer": b"this is not an image"}],
        )
        page.click(".details-form button[type=submit]")
        page.wait_for_selector(".field-error")
        assert "not-a-photo.png" in page.inner_text(".has-error .field-error")
        page.screenshot(path=str(ARTIFACTS / "review-details-error-phone.png"), full_page=True)
    finally:
        phone.close()

    desktop = chromium.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = desktop.new_page()
    try:
        page.goto(f"{site.url}/products/{product.slug}/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / "product-desktop.png"), full_page=True)
    finally:
        desktop.close()
