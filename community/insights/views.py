"""The brand insights page (/dashboard/brand/insights/) and adopting an idea from it.

Brand staff see their own brands only; a brand or product outside them answers 404, whatever
the URL says. Operators (``selectors.sees_all_brands``) pick any brand."""
import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
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


def _product_for(request, brand):
    """The brand's products and the one ``?product=`` names (None for the whole brand), or an
    error message for a value that is not a product id; another brand's product is a 404."""
    products = selectors.brand_products(brand.pk)
    raw = (request.GET.get("product") or "").strip()
    if not raw:
        return products, None, ""
    if not raw.isdigit():
        return products, None, _("Pick a product from the list.")
    product = next((p for p in products if p.pk == int(raw)), None)
    if product is None:
        raise Http404(_("No such product."))
    return products, product, ""


@login_required
def brand_insights(request):
    brands, brand = _brand_for(request, (request.GET.get("brand") or "").strip())
    product, products, data, error = None, [], None, ""
    if brand is not None:
        products, product, error = _product_for(request, brand)
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


CSV_TABLES = ("aspects", "ideas")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """A CSV cell a spreadsheet will not run: shoppers' text starting like a formula gets a quote."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@login_required
def brand_insights_csv(request, table):
    """The page's figures as CSV: ``aspects`` (per aspect: mentions, polarity counts and shares,
    the previous period, the change and the rising test) or ``ideas`` (themes with their votes).
    Scoped exactly like the page; no quotes and no shopper appear in either."""
    if table not in CSV_TABLES:
        raise Http404
    _brands, brand = _brand_for(request, (request.GET.get("brand") or "").strip())
    if brand is None:
        raise Http404(_("No such brand."))
    _products, product, error = _product_for(request, brand)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    if table == "aspects":
        data = selectors.brand_insights(brand_id=brand.pk, product_id=product.pk if product else None)
        header = ["aspect", "label", "mentions", "positive", "negative", "positive_share", "negative_share",
                  "mentions_before", "negative_before", "negative_share_before", "change", "rising", "p_value"]
        rows = [[a["aspect"], a["label"], a["mentions"], a["positive"], a["negative"], a["positive_share"],
                 a["negative_share"], a["mentions_before"], a["negative_before"], a["negative_share_before"],
                 a["change"], "yes" if a["rising"] else "no", a["p"]] for a in data["aspects"]]
        period = f"{data['start']:%Y-%m-%d}-{data['end']:%Y-%m-%d}"
    else:
        if product is not None:
            return HttpResponse(_("Ideas are listed for the whole brand, not per product."), status=400,
                                content_type="text/plain; charset=utf-8")
        header = ["theme", "votes", "similar_ideas", "adopted"]
        rows = [[t.text, t.votes, t.size, "yes" if t.adopted else "no"]
                for t in selectors.idea_themes(brand_id=brand.pk)]
        period = "current"
    name = f"insights-{table}-{brand.slug}{f'-product-{product.pk}' if product else ''}-{period}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return response
