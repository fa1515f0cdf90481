"""The Content-Security-Policy (django-csp): only the site's own scripts and styles.

Every page answers with the header; templates carry no inline script, style element or style
attribute (values a page computes are classes: static/css/scales.css); the API docs' inline
set-up carries the request's nonce; the 500 page, rendered without a request, is allowed by
the hash of its style block. A real browser (Debian's Chromium) loads the pages with the
policy on and reports no violation, and their scripts still work.
"""
import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import path

from community import services
from config.urls import urlpatterns as site_urlpatterns
from tests import factories
from tests.browser import ARTIFACTS, DESKTOP, PHONE, tap_star

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"
PASSWORD = "pass12345!"


def policy_of(resp):
    header = resp["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def sha256(text):
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


@pytest.fixture
def rated_product(db, django_capture_on_commit_callbacks):
    product = factories.ProductFactory(name_en="Vacuum flask", slug="flask")
    with django_capture_on_commit_callbacks(execute=True):  # the rating caches update after commit
        for rating in (5, 4):
            services.review_post(author=factories.UserFactory(display_name=f"Shopper {rating}"), product=product,
                                 rating=rating)
    return product


# --- the header -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/products/flask/", "/accounts/login/", "/admin/login/", "/api/docs/",
                                 "/api/redoc/", "/no-such-page/"])
def test_every_page_has_the_policy(client, rated_product, url):
    resp = client.get(url)
    assert resp.status_code in (200, 404)
    policy = policy_of(resp)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert policy[directive][0] == "'self'"
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "https:", "http:"} & set(policy[directive])
    assert not {"*", "https:", "http:"} & set(policy["img-src"] + policy["worker-src"])


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_api_docs_inline_code_carries_the_request_nonce(client, url):
    resp = client.get(url)
    body = resp.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", resp["Content-Security-Policy"]).group(1)
    assert f"'nonce-{nonce}'" in policy_of(resp)["script-src"]
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body) + re.findall(r"<style([^>]*)>", body)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline), inline
    assert "fonts.googleapis.com" not in body  # Redoc's template loads Google Fonts; ours does not
    assert client.get(url)["Content-Security-Policy"] != resp["Content-Security-Policy"]  # a nonce per request


def test_pages_without_a_nonce_have_none_in_the_policy(client, db):
    """The nonce is only in the header when the page used it: elsewhere nothing inline runs."""
    assert "nonce-" not in client.get("/")["Content-Security-Policy"]


# --- no inline code in templates ----------------------------------------------------------------------


def test_templates_have_no_inline_scripts_styles_or_handlers():
    found = []
    for tpl in sorted(TEMPLATES.rglob("*.html")):
        text = tpl.read_text(encoding="utf-8")
        name = str(tpl.relative_to(TEMPLATES))
        for match in re.finditer(r"<script\b([^>]*)>", text):
            if "src=" not in match.group(1) and "nonce=" not in match.group(1):
                found.append(f"{name}: inline <script>")
        for match in re.finditer(r"<style\b([^>]*)>", text):
            if "nonce=" not in match.group(1) and name != "500.html":
                found.append(f"{name}: <style> without a nonce")
        found += [f"{name}: style attribute" for _ in re.finditer(r"\sstyle=", text)]
        found += [f"{name}: {m.group(1)} handler" for m in re.finditer(r"\s(on[a-z]+)=", text)]
        found += [f"{name}: javascript: URL" for _ in re.finditer(r"javascript:", text, flags=re.IGNORECASE)]
    assert found == []


@pytest.mark.django_db
def test_rendered_pages_carry_no_style_attribute(client, rated_product):
    """Includes what template tags emit, not only the template files."""
    client.force_login(factories.UserFactory())
    for url in ["/", "/products/", f"/products/{rated_product.slug}/", "/me/", "/leaderboards/", "/badges/"]:
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert not re.search(r"\sstyle=", resp.content.decode()), url
    body = client.get(f"/products/{rated_product.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # One 5 and one 4: two bars at 50%, three empty; stars filled to 4.5 of 5 (90%).
    assert body.count('class="bar-fill pct-50"') == 2 and body.count('class="bar-fill pct-0"') == 3
    assert 'class="stars-fill pct-90"' in body and 'aria-label="4.5 out of 5 stars"' in body
    assert f"hue-{rated_product.pk * 47 % 360}" in body


def _boom(request):
    raise RuntimeError("deliberate")


urlpatterns = [path("boom/", _boom), *site_urlpatterns]


@pytest.mark.django_db
def test_the_500_page_style_is_allowed_by_its_hash(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    resp = Client(raise_request_exception=False).get("/boom/")
    assert resp.status_code == 500
    style = re.search(r"<style>(.*?)</style>", resp.content.decode(), flags=re.DOTALL).group(1)
    assert sha256(style) in policy_of(resp)["style-src"]


# --- a real browser, with the policy on ---------------------------------------------------------------

# Registered before any page script runs; Playwright's init scripts are not subject to the policy.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _watch(context):
    context.add_init_script(WATCH_VIOLATIONS)
    messages = []
    page = context.new_page()
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    return page, messages


def _violations(page, messages):
    return page.evaluate("window.__cspViolations") + messages


def _log_in(page, site, user, next_url):
    page.goto(f"{site.url}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click(".auth-card button[type=submit]")
    page.wait_for_url(f"**{next_url}")


@pytest.mark.browser
def test_pages_work_in_a_browser_with_no_violation(site, chromium):
    product = factories.ProductFactory(name_zh="真空保温杯", name_en="Vacuum flask", slug="flask")
    for rating in (5, 4):
        services.review_post(author=factories.UserFactory(display_name=f"小雨{rating}"), product=product, rating=rating)
    shopper = factories.UserFactory()
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page, messages = _watch(context)
    try:
        # Home: our stylesheets apply, colours included (hue classes instead of style attributes).
        page.goto(f"{site.url}/")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("getComputedStyle(document.querySelector('.product-thumb')).getPropertyValue('--hue')"
                             ).strip() == str(product.pk * 47 % 360)
        assert _violations(page, messages) == []

        # Product page, signed in through the log-in form: the bars have their widths, and a
        # star tap posts with fetch (app.js) and updates the page without reloading it.
        _log_in(page, site, shopper, f"/products/{product.slug}/")
        widths = page.evaluate("""[...document.querySelectorAll('.bars .bar-fill')].map(
            el => Math.round(100 * el.getBoundingClientRect().width / el.parentElement.getBoundingClientRect().width))""")
        assert widths == [50, 50, 0, 0, 0]
        tap_star(page, 4)
        page.screenshot(path=str(ARTIFACTS / "csp-product-phone.png"), full_page=True)
        assert _violations(page, messages) == []

        # Swagger UI renders the schema (its script ran) under the nonce.
        page.goto(f"{site.url}/api/docs/")
        page.wait_for_selector(".opblock", timeout=15000)
        assert page.locator(".opblock").count() > 10
        assert _violations(page, messages) == []
    finally:
        context.close()


@pytest.mark.browser
def test_redoc_renders_and_only_its_third_party_logo_is_refused(site, chromium):
    context = chromium.new_context(**DESKTOP)
    page, messages = _watch(context)
    try:
        page.goto(f"{site.url}/api/redoc/")
        page.wait_for_selector("h1:has-text('Cocreate API')", timeout=15000)
        page.wait_for_selector("[role=menuitem]")
        page.wait_for_load_state("networkidle")
        # Redoc's own styles are in (styled-components got the nonce): the menu is laid out.
        assert page.evaluate("getComputedStyle(document.querySelector('.menu-content')).position") != "static"
        refused = [v for v in page.evaluate("window.__cspViolations")
                   if v != "img-src https://cdn.redoc.ly/redoc/logo-mini.svg"]
        assert refused == []
        assert not [m for m in messages if "cdn.redoc.ly" not in m]
    finally:
        context.close()


@pytest.mark.browser
def test_moderation_queue_and_admin_work_with_no_violation(site, chromium):
    product = factories.ProductFactory(slug="flask")
    author = factories.UserFactory()
    services.review_post(author=author, product=product, rating=2, text="有问题加我微信 warmshop88 私聊便宜卖")
    moderator = factories.UserFactory(is_staff=True, is_superuser=True)
    moderator.groups.add(Group.objects.get_or_create(name="moderators")[0])
    context = chromium.new_context(locale="en-US", **DESKTOP)
    page, messages = _watch(context)
    try:
        _log_in(page, site, moderator, "/moderation/")
        assert page.locator("li.mod-item").count() == 1
        assert page.evaluate("getComputedStyle(document.querySelector('.risk')).color") != ""
        # moderation.js: N claims the top item and opens it.
        with page.expect_navigation():
            page.keyboard.press("n")
        assert re.search(r"/moderation/cases/\d+/", page.url)
        assert page.locator("#lease").is_visible()
        assert _violations(page, messages) == []

        for url in ["/moderation/audit/prevalence/", "/moderation/ops/", "/admin/", "/admin/community/product/",
                    f"/admin/community/product/{product.pk}/change/"]:
            page.goto(f"{site.url}{url}")
            page.wait_for_load_state("networkidle")
            assert _violations(page, messages) == [], url
    finally:
        context.close()
