"""Brand staff manage only their own brand's catalog in the Django admin."""
import pytest
from django.contrib.auth.models import Permission

from community.models import Product
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, brand_staff):
    perms = Permission.objects.filter(
        content_type__app_label__in=("community", "cocreation", "trials"),
        codename__in=["view_product", "change_product", "add_product", "view_brand", "view_review"],
    )
    brand_staff.user_permissions.add(*perms)
    client.force_login(brand_staff)
    return client


def test_changelist_shows_only_own_brand(staff_client, product):
    other = factories.ProductFactory(name_en="Rival gadget")
    resp = staff_client.get("/admin/community/product/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert product.name_zh in body
    assert other.name_zh not in body


def test_other_brand_product_by_url_is_unreachable(staff_client):
    other = factories.ProductFactory()
    resp = staff_client.get(f"/admin/community/product/{other.pk}/change/")
    assert resp.status_code in (302, 404)
    if resp.status_code == 302:  # Django redirects to the changelist with "doesn't exist"
        assert f"/{other.pk}/" not in resp["Location"]
    resp = staff_client.post(f"/admin/community/product/{other.pk}/change/", {"name_zh": "hijacked"})
    other.refresh_from_db()
    assert other.name_zh != "hijacked"


def test_forged_brand_foreign_key_is_rejected(staff_client, product, category):
    other_brand = factories.BrandFactory()
    data = {
        "brand": other_brand.pk,
        "category": category.pk,
        "name_zh": "偷梁换柱",
        "name_en": "Swap",
        "slug": "swap",
        "description_zh": "",
        "description_en": "",
        "is_active": "on",
        "created_at_0": "2026-01-01",
        "created_at_1": "00:00:00",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
    }
    resp = staff_client.post("/admin/community/product/add/", data)
    assert resp.status_code == 200  # form redisplayed with an error
    assert not Product.objects.filter(slug="swap").exists()
    data["brand"] = product.brand_id
    resp = staff_client.post("/admin/community/product/add/", data)
    assert resp.status_code == 302
    assert Product.objects.get(slug="swap").brand_id == product.brand_id


def test_brand_staff_cannot_grant_themselves_wider_rights(staff_client, brand_staff):
    resp = staff_client.get(f"/admin/community/user/{brand_staff.pk}/change/")
    assert resp.status_code == 403
    resp = staff_client.post(
        f"/admin/community/user/{brand_staff.pk}/change/", {"is_superuser": "on", "email": brand_staff.email}
    )
    brand_staff.refresh_from_db()
    assert resp.status_code == 403 and not brand_staff.is_superuser
    assert staff_client.get("/admin/community/brandmembership/").status_code == 403
