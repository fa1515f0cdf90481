"""The brand insights page (/dashboard/brand/insights/) and adopting an idea from it.

Brand staff see their own brands only; a brand or product outside them answers 404, whatever
the URL says. Operators (``selectors.sees_all_brands``) pick any brand."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.insights import selectors, services
from core.errors import ServiceError


def _brand_for(request, slug):
    brands = list(selectors.brands_visible(request.user))
    if not brands:
        if not request.user.is_staff:
            raise PermissionDenied(_("Brand insights are for brand staff and operators."))
        return brands, None
    if not slug:
        return brands, brands[0]
    brand = next((b for b in brands if b.slug == slug), None)
    if brand is None:
        raise Http404(_("No such brand."))
    return brands, brand


@login_required
def brand_insights(request):
    brands, brand = _brand_for(request, (request.GET.get("brand") or "").strip())
    product, products, data, error = None, [], None, ""
    if brand is not None:
        products = selectors.brand_products(brand.pk)
        raw = (request.GET.get("product") or "").strip()
        if raw:
            if not raw.isdigit():
                error = _("Pick a product from the list.")
            else:
                product = next((p for p in products if p.pk == int(raw)), None)
                if product is None:
                    raise Http404(_("No such product."))
        data = selectors.brand_insights(brand_id=brand.pk, product_id=product.pk if product else None)
    return render(request, "insights/brand_insights.html", {
        "brands": brands, "brand": brand, "products": products, "product": product, "data": data, "error": error,
        "sees_all": selectors.sees_all_brands(request.user),
    }, status=400 if error else 200)


@login_required
@require_POST
def idea_adopt(request, entry_id):
    _brands, brand = _brand_for(request, (request.POST.get("brand") or "").strip())
    if brand is None:
        raise Http404(_("No such brand."))
    back = f"{reverse('insights:brand')}?brand={brand.slug}#ideas"
    try:
        services.idea_adopt(actor=request.user, brand_id=brand.pk, entry_id=entry_id, note=request.POST.get("note"))
    except ServiceError as exc:
        if exc.status_code == 404:
            raise Http404(exc.message) from exc
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("Idea adopted: it now shows on your brand page under “You said, we did”."))
    return redirect(f"{reverse('community:brand_detail', args=[brand.slug])}#adopted-title")
