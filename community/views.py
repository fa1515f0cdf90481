"""Server-rendered pages. Interfaces only: parse input, call one service or selector, render.

Pages that JavaScript enhances (star tap, helpful vote) answer JSON when the
request says ``Accept: application/json`` and redirect back with a message
otherwise, so everything works without JavaScript.
"""
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community import hooks, pagecache, selectors, services, usercache
from community.forms import ProfileForm, ReviewDetailsForm
from community.models import Notification, Review
from community.pagecache import (
    csrf_marker,
    rating_rows_html,
    review_cards_attach,
    shared_page_get,
    shared_page_set,
    summary_html,
)
from community.templatetags.site_header import header_counts_for
from core import localcache
from core.errors import ServiceError
from core.http import ANCHOR_TAG, safe_next, wants_json
from core.pagination import KnownCountPaginator
from core.ratelimit import writes_limited

REVIEWS_PER_PAGE = 10
PRODUCTS_PER_PAGE = 12
PROFILE_REVIEWS_PER_PAGE = 10
NOTIFICATIONS_PER_PAGE = 20
STAR_VALUES = (1, 2, 3, 4, 5)
REVIEW_SORTS = (
    ("helpful", gettext_lazy("Most helpful")),
    ("newest", gettext_lazy("Newest")),
    ("photos", gettext_lazy("With photos")),
    ("quality", gettext_lazy("Best written")),
)
REVIEW_SORT_KEYS = {key for key, _label in REVIEW_SORTS}
# Star-only ratings listed in the collapsed line under the reviews; ?show=all lists them all.
RATING_ONLY_SHOWN = 20
# Anonymous product pages are cached whole for this long (a "microcache"): under load a hot
# page is rendered a few times a minute instead of on every request. Each stored page carries
# the product's page version (community.pagecache), so a change shows at once all the same.
# Signed-in visitors get the stored shared body with their own parts put in place.
PRODUCT_PAGE_CACHE_SECONDS = 10


# --- helpers --------------------------------------------------------------------



def _login_url(next_url):
    return f"{reverse('account_login')}?{urlencode({'next': next_url})}"



def _product_url(product):
    return reverse("community:product_detail", kwargs={"slug": product.slug})


def _get_product_or_404(slug):
    product = selectors.product_get(slug=slug)
    if product is None:
        raise Http404(_("No such product."))
    return product


def _error_json(error):
    return JsonResponse(
        {"ok": False, "error": str(error.message), "code": error.code, "fields": error.fields},
        status=error.status_code,
    )


def _decorate_reviews(reviews, viewer, *, personal=True):
    """Attach what a review card shows beyond the row: author level and badges (only for
    authors with a public profile), viewer's vote, ownership.

    Works on already-fetched rows only (no queries except one for the viewer's votes).
    """
    reviews = list(reviews)
    viewer_id = viewer.pk if viewer is not None and viewer.is_authenticated else None
    # personal=False: the shared body of a page (no votes, no own card; the viewer's badges are
    # still fetched with the authors', for their own card).
    votes = selectors.helpful_votes_for_user(user=viewer, review_ids=[r.pk for r in reviews]) if viewer_id and personal else {}
    levels = hooks.user_levels({review.author_id for review in reviews})
    # At most one query for the page; the viewer is included so their own review card,
    # decorated separately, finds its badges in the cache.
    badges = hooks.badges_for_users({review.author_id for review in reviews} | {viewer_id})
    for review in reviews:
        # Level and badges are part of the public profile: shown only when the author consented
        # (``author_public``, annotated by the selector); otherwise the card shows the name alone.
        public = bool(getattr(review, "author_public", False))
        review.author_level = levels[review.author_id] if public else None
        review.author_badges = badges.get(review.author_id, []) if public else []
        review.my_vote = votes.get(review.pk)
        review.is_own = personal and review.author_id == viewer_id
    return reviews


def _has_message_at(request, kind, object_ids):
    """Whether a message of this request is addressed to one of these items (core.http.message_at)."""
    if not object_ids or not len(messages.get_messages(request)):
        return False
    anchors = {f"{ANCHOR_TAG}{kind}-{pk}" for pk in object_ids}
    return any(anchors & set((m.extra_tags or "").split()) for m in messages.get_messages(request))


def _attach_appeal_links(reviews):
    """The moderation case id of each of the viewer's own rejected reviews, so the card can
    link the appeal page; one query, and none when nothing is rejected."""
    rejected = [r for r in reviews if r.status == Review.Status.REJECTED]
    if not rejected:
        return reviews

    case_ids = hooks.case_ids_for("review", [r.pk for r in rejected])
    for review in rejected:
        review.case_id = case_ids.get(review.pk)
    return reviews


def _own_quality(review):
    """The author's own review: its quality band and hints (one query, none when unscored)."""
    if review.quality_score is None:
        return None

    return hooks.quality_summary(content_type="review", object_id=review.pk)


def _details_form_kwargs(request, product, own):
    return {
        "aspect_tags": product.category.aspect_tags.all(),
        "photos": own.photos.all() if own is not None else (),
        "photo_limit": services.review_photo_limit(request.user),
    }


def _details_initial(review):
    if review is None:
        return {}
    return {"rating": review.rating, "tags": [tag.pk for tag in review.tags.all()], "text": review.text}


def _rated_message(rating):
    return ngettext(
        "Thank you! You gave %(n)d star.", "Thank you! You gave %(n)d stars.", rating
    ) % {"n": rating}


# --- anonymous page cache ------------------------------------------------------------
#
# Most product-page views are anonymous and identical but for the CSRF token in the
# forms. Those pages are rendered once with a marker in place of the token and stored
# whole; each response swaps in a fresh token for its visitor (which also sets the CSRF
# cookie). Signed-in visitors see their own review, votes and messages: never cached.




def _page_cacheable(request):
    return not request.user.is_authenticated and not len(messages.get_messages(request))


def _page_cache_key(name, request):
    raw = "|".join([name, get_language() or "", request.get_full_path()])
    return "cocreate:page:" + hashlib.sha256(raw.encode()).hexdigest()


def _cached_page_response(request, html):
    return HttpResponse(html.replace(csrf_marker(), get_token(request)))


# --- pages ------------------------------------------------------------------------


def home(request):
    products = selectors.product_list().prefetch_related("images")[:8]
    reviews = _decorate_reviews(selectors.review_list_recent(limit=6), request.user)
    # Open trials and challenges (one query each) come from the apps that own them.
    sections = {name: list(fetch()) for name, fetch in hooks.HOME_SECTIONS.items()}
    return render(request, "community/home.html", {"products": products, "reviews": reviews, **sections})


def product_list(request):
    q = (request.GET.get("q") or "").strip()[:100]
    brand = (request.GET.get("brand") or "").strip()[:60]
    category = (request.GET.get("category") or "").strip()[:60]
    products = selectors.product_list(q=q or None, brand=brand or None, category=category or None)
    paginator = Paginator(products.prefetch_related("images"), PRODUCTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "community/product_list.html",
        {
            "page": page,
            "products": page.object_list,
            "q": q,
            "brand": brand,
            "category": category,
            "brands": selectors.brand_list(),
            "categories": selectors.category_list(),
            "filtered": bool(q or brand or category),
        },
    )


def product_detail(request, slug):
    cache_key, generation = None, 0
    if _page_cacheable(request):
        cache_key = _page_cache_key("product", request)
        stored, generation = shared_page_get(cache_key)
        # Stored with the product's page version: a vote, an edit or a moderation decision since
        # retires it at once, not after the few seconds it is kept.
        if isinstance(stored, tuple) and pagecache.page_versions(stored[1]) == stored[2]:
            return _cached_page_response(request, stored[0])
    if pagecache.page_bodies_on() and not len(messages.get_messages(request)):
        response = _product_detail_from_body(request, slug, cache_key)
        if response is not None:
            return response
    return _product_detail_live(request, slug, cache_key, generation)


def _product_query(request, product, *, lazy=False):
    """Sort, filter and page of the review list. ``lazy``: the page holds no queryset yet (the
    stored body may make it unneeded); ``_product_page`` gives it one."""
    sort = request.GET.get("sort")
    if sort not in REVIEW_SORT_KEYS:
        sort = "helpful"
    # By default the list holds reviews with text or photos; star-only ratings are counted in
    # the summary and listed collapsed below it. ?show=all lists every rating.
    show_all = request.GET.get("show") == "all"
    count = selectors.review_count_cached(product, content=_content(show_all), photos_only=sort == "photos")
    page = KnownCountPaginator([] if lazy else _reviews(product, sort, show_all), REVIEWS_PER_PAGE,
                               count=count).get_page(request.GET.get("page"))
    return sort, show_all, page


def _content(show_all):
    return "all" if show_all else "with_content"


def _reviews(product, sort, show_all):
    # Published reviews only; the viewer's own review (in any state) is shown on its own above the list.
    return selectors.review_list_for_product(product=product, sort=sort, content=_content(show_all))


def _product_page(product, sort, show_all, page):
    return KnownCountPaginator(_reviews(product, sort, show_all), REVIEWS_PER_PAGE,
                               count=page.paginator.count).page(page.number)


def _own_review(request, product):
    own = selectors.review_get_own(product=product, user=request.user)
    if own is not None:
        _decorate_reviews([own], None)
        _attach_appeal_links([own])
        own.is_own = True
        own.quality = _own_quality(own)
    return own


def _person_context(request, product, own):
    form = None
    if request.user.is_authenticated:
        form = ReviewDetailsForm(
            initial=_details_initial(own), auto_id="details_%s", **_details_form_kwargs(request, product, own)
        )
    # The details panel opens right after a star tap; once the review has details, editing
    # moves to the review page (JavaScript re-opens the panel when a star is tapped again).
    show_details = own is not None and not (own.text or own.has_photos or own.tags.all())
    return {"own": own, "form": form, "show_details": show_details, "star_values": STAR_VALUES}


def _product_detail_from_body(request, slug, cache_key):
    """The page from its stored shared body (community.pagecache), the person's parts put in place.
    None when this viewer's page cannot be assembled from it (their own star-only rating is listed)."""
    # The versions are read before anything the body shows; the header's counts and the viewer's
    # own-review id with them when this process knows the slug's product.
    product, versions, found = pagecache.product_light(
        slug, also=lambda product_id: usercache.prime_keys(request.user, product_id))
    if product is None:
        raise Http404(_("No such product."))
    sort, show_all, page = _product_query(request, product, lazy=True)
    key = pagecache.body_key(request, product, versions, sort=sort, show_all=show_all, page_number=page.number)
    # The body (this process's copy when it has one: its key names its content), and the
    # per-person keys if they were not read with the product, in one round trip.
    entry = localcache.content_get(key)
    wanted = [*([key] if entry is None else []), *(usercache.prime_keys(request.user, product) if found is None else [])]
    found = {**(found or {}), **(cache.get_many(wanted) if wanted else {})}
    if entry is None and found.get(key) is not None:
        entry = found[key]
        localcache.content_set(key, entry)
    if request.user.is_authenticated:
        header_counts_for(request, found=found)
    if entry is not None and entry["stamp"] != pagecache.authors_stamp(entry["authors"]):
        entry = None  # an author's level or badges changed
    prefetched = False
    if entry is None:
        selectors.product_prefetch(product)
        prefetched = True
        page = _product_page(product, sort, show_all, page)
        reviews = _decorate_reviews(page.object_list, request.user, personal=False)  # votes, own card: later
        pagecache.review_cards_attach(request, reviews, raw=True)
        rating_only = []
        if not show_all and product.rating_only_count:
            rating_only = list(selectors.review_list_rating_only(product=product, limit=RATING_ONLY_SHOWN))
            for row in rating_only:
                row.is_own = False
        summary = selectors.product_rating_summary(product)
        body_request = pagecache.BodyRequest(request.user, _body_params(request, sort, show_all, page))
        entry = pagecache.body_render(request, {
            "product": product,
            "summary": summary,
            "summary_html": summary_html(request, product, summary),
            "photos": list(selectors.review_photos_strip(product=product)),
            "page": page,
            "reviews": reviews,
            "sort": sort,
            "sorts": REVIEW_SORTS,
            "show_all": show_all,
            "rating_only": rating_only,
            "rating_rows_html": rating_rows_html(request, rating_only, raw=True),
            "rating_only_open": False,
            "request": body_request,
            "user": request.user,
            "csrf_token": csrf_marker(),
        }, reviews=reviews, rating_only=rating_only)
        entry["authors"] = sorted({r.author_id for r in reviews if getattr(r, "author_public", False)})
        entry["stamp"] = pagecache.authors_stamp(entry["authors"])
        pagecache.stored_set(key, entry)

    # Most viewers have no review of the product: a light query says so, the full one follows if not.
    own = (_own_review(request, product)
           if usercache.own_review_id(product=product, user=request.user, found=found) else None)
    own_card = None
    if own is not None:
        if own.pk in entry["rating_only_ids"] or (own.pk in entry["review_ids"] and own.pk not in entry["cards"]):
            return None  # their own star-only row is listed (no report control on it): rendered live
        if own.pk in entry["cards"]:
            own_card = render_to_string("community/_review_card.html",
                                        {"review": own, "show_votes": True, "user": request.user}, request)
    votes = selectors.helpful_votes_for_user(user=request.user, review_ids=entry["cards"])
    person = _person_panel(request, product, own, prefetched=prefetched, versions=versions)
    body = pagecache.body_fill(request, entry, person_html=person, votes=votes, own_card_html=own_card,
                               own_id=own.pk if own is not None else None, keep_csrf_marker=cache_key is not None)
    if cache_key is None:  # signed in: the layout around the body is stored too
        return HttpResponse(pagecache.shell_wrap(request, "community/product_detail.html", {"product": product},
                                                 identity=(product.pk, str(product.name)), body=body))
    context = {"product": product, "page_body": body}
    context["csrf_token"] = csrf_marker()  # the view's context wins over the csrf context processor
    html = render_to_string("community/product_detail.html", context, request)
    shared_page_set(cache_key, (html, product.pk, versions), versions[2], PRODUCT_PAGE_CACHE_SECONDS)
    return _cached_page_response(request, html)


def _body_params(request, sort, show_all, page):
    """The query string a stored body's links are built from: only what the page reads."""
    params = {}
    if request.GET.get("sort") == sort:
        params["sort"] = sort
    if show_all:
        params["show"] = "all"
    if "page" in request.GET:
        params["page"] = str(page.number)
    return params


def _person_panel(request, product, own, *, prefetched, versions):
    """The rating panel, the details form and the own review: live for a viewer with a review of
    this product, else one stored fragment per product version and photo limit (the same for
    everyone but the CSRF token)."""
    def render_panel():
        if not prefetched:
            selectors.product_prefetch(product, images=False)  # the details form's aspect tags
        return render_to_string("community/_product_person.html", {
            "product": product, "user": request.user, "csrf_token": csrf_marker(),
            **_person_context(request, product, own)})

    if own is not None:
        return mark_safe(render_panel())
    photo_limit = services.review_photo_limit(request.user) if request.user.is_authenticated else None
    key = pagecache.person_panel_key(request, product, versions, photo_limit=photo_limit)
    html = pagecache.stored_get(key)
    if html is None:
        html = render_panel()
        pagecache.stored_set(key, html)
    return mark_safe(html)


def _product_detail_live(request, slug, cache_key, generation):
    """The whole page rendered for this request (fragments off, or messages to show in it)."""
    product = _get_product_or_404(slug)
    versions = pagecache.page_versions(product.pk) if cache_key is not None else None
    sort, show_all, page = _product_query(request, product)
    page_reviews = review_cards_attach(request, _decorate_reviews(page.object_list, request.user),
                                       keep_csrf_marker=cache_key is not None)
    rating_only = []
    if not show_all and product.rating_only_count:
        rating_only = list(selectors.review_list_rating_only(product=product, limit=RATING_ONLY_SHOWN))
        viewer_id = request.user.pk if request.user.is_authenticated else None
        for row in rating_only:
            row.is_own = row.author_id == viewer_id  # no report control on one's own rating

    own = _own_review(request, product)
    summary = selectors.product_rating_summary(product)
    context = {
        "product": product,
        "summary": summary,
        "summary_html": summary_html(request, product, summary),
        "photos": list(selectors.review_photos_strip(product=product)),
        "page": page,
        "reviews": page_reviews,
        "sort": sort,
        "sorts": REVIEW_SORTS,
        "show_all": show_all,
        "rating_only": rating_only,
        "rating_rows_html": rating_rows_html(request, rating_only, keep_csrf_marker=cache_key is not None),
        # A report sent without JavaScript comes back to its row with the answer: the collapsed
        # list opens to show it.
        "rating_only_open": _has_message_at(request, "review", [r.pk for r in rating_only]),
        **_person_context(request, product, own),
    }
    if cache_key is None:
        return render(request, "community/product_detail.html", context)
    context["csrf_token"] = csrf_marker()  # the view's context wins over the csrf context processor
    html = render_to_string("community/product_detail.html", context, request)
    shared_page_set(cache_key, (html, product.pk, versions), generation, PRODUCT_PAGE_CACHE_SECONDS)
    return _cached_page_response(request, html)


@require_POST
@writes_limited
def product_rate(request, slug):
    """One-click review: a single star tap posts a rating."""
    product = _get_product_or_404(slug)
    back = _product_url(product)
    if not request.user.is_authenticated:
        login_url = _login_url(back + "#rate")
        if wants_json(request):
            return JsonResponse(
                {"ok": False, "error": _("Log in to rate this product."), "login_url": login_url}, status=401
            )
        messages.info(request, _("Log in or sign up first, then tap your star again."))
        return redirect(login_url)
    try:
        review, created = services.review_post(author=request.user, product=product, rating=request.POST.get("rating"))
    except ServiceError as error:
        if wants_json(request):
            return _error_json(error)
        messages.error(request, error.message)
        return redirect(back + "#rate")
    message = _rated_message(review.rating)
    if wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "created": created,
                "message": message,
                "review": {
                    "id": review.pk,
                    "rating": review.rating,
                    "status": review.status,
                    "status_label": review.get_status_display(),
                },
            },
            status=201 if created else 200,
        )
    messages.success(request, message + " " + _("Add tags, photos or a few words below if you like."))
    return redirect(back + "#details")


@login_required
@require_http_methods(["GET", "POST"])
@writes_limited
def review_details(request, slug):
    """Add tags, photos and text to the viewer's review (the panel on the product page posts here too)."""
    product = _get_product_or_404(slug)
    own = selectors.review_get_own(product=product, user=request.user)
    status = 200
    if request.method == "POST":
        form = ReviewDetailsForm(request.POST, request.FILES, **_details_form_kwargs(request, product, own))
        if form.is_valid():
            done = _save_review_details(request, product, own, form)
            if done:
                return redirect(_product_url(product) + "#my-review")
            own = selectors.review_get_own(product=product, user=request.user)  # its photos as they are now
        status = 400
    else:
        form = ReviewDetailsForm(initial=_details_initial(own), **_details_form_kwargs(request, product, own))
    if own is not None:
        _decorate_reviews([own], None)
        _attach_appeal_links([own])
        own.is_own = True
        own.quality = _own_quality(own)
    return render(
        request,
        "community/review_details.html",
        {"product": product, "own": own, "form": form, "star_values": STAR_VALUES},
        status=status,
    )


def _save_review_details(request, product, own, form):
    """Save rating, tags and text, then each photo; returns True when everything was saved.

    Rating, tags and text are saved first, so a bad photo never loses them; each
    photo that fails is named in the message next to the photo field.
    """
    data = form.cleaned_data
    rating = data["rating"] or (own.rating if own is not None else None)
    if rating is None:
        form.add_error("rating", _("Tap a star to rate first."))
        return False
    try:
        review, _created = services.review_post(
            author=request.user, product=product, rating=rating, tag_ids=data["tags"], text=data["text"]
        )
    except ServiceError as error:
        form.add_service_error(error)
        return False
    removed = set(data["remove_photos"])
    for photo_id in sorted(removed):
        try:
            services.review_photo_remove(author=request.user, photo_id=photo_id)
        except ServiceError as error:
            form.add_error("photos", error.message)
    # Removed first, so the photos that replace them fit under the limit.
    added = {}  # index in the uploaded files -> the stored photo's id
    for number, upload in enumerate(data["photos"], start=1):
        try:
            photo = services.review_photo_add(author=request.user, review=review, upload=upload)
        except ServiceError as error:
            form.add_error(
                "photos",
                _("Photo %(n)d (%(name)s) was not added: %(reason)s")
                % {"n": number, "name": upload.name, "reason": error.message},
            )
        else:
            added[number - 1] = photo.pk
    if data["photo_order"]:
        order = [added.get(n) if kind == "n" else n for kind, n in data["photo_order"]]
        try:
            services.review_photos_reorder(
                author=request.user, review_id=review.pk,
                photo_ids=[pk for pk in order if pk is not None and pk not in removed],
            )
        except ServiceError as error:
            form.add_error("photos", error.message)
    added = len(added)
    if form.errors:
        saved = _("Your rating, tags and words are saved.")
        if added:
            saved += " " + ngettext("%(n)d photo was added.", "%(n)d photos were added.", added) % {"n": added}
        messages.success(request, saved)
        return False
    messages.success(request, _("Thank you! Your review is saved."))
    return True


@require_POST
@writes_limited
def review_helpful(request, review_id):
    """Vote a review helpful ("1"), not helpful ("0"), or withdraw the vote ("")."""
    review = selectors.review_get_for_user(review_id=review_id, user=request.user)
    if review is None:
        raise Http404(_("No such review."))
    back = safe_next(request) or f"{_product_url(review.product)}#review-{review.pk}"
    if not request.user.is_authenticated:
        login_url = _login_url(back)
        if wants_json(request):
            return JsonResponse({"ok": False, "error": _("Log in to vote."), "login_url": login_url}, status=401)
        messages.info(request, _("Log in or sign up to vote on reviews."))
        return redirect(login_url)
    choice = (request.POST.get("helpful") or "").strip().lower()
    votes = {"1": True, "true": True, "0": False, "false": False, "": None, "none": None}
    if choice not in votes:
        error = ServiceError(_("Choose helpful or not helpful."), code="vote_invalid")
        if wants_json(request):
            return _error_json(error)
        messages.error(request, error.message)
        return redirect(back)
    helpful = votes[choice]
    try:
        review = services.review_vote_helpful(user=request.user, review_id=review.pk, helpful=helpful)
    except ServiceError as error:
        if wants_json(request):
            return _error_json(error)
        messages.error(request, error.message)
        return redirect(back)
    message = _("Vote withdrawn.") if helpful is None else _("Thanks for your vote.")
    if wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "my_vote": helpful,
                "helpful_count": review.helpful_count,
                "not_helpful_count": review.not_helpful_count,
            }
        )
    messages.success(request, message)
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, current_timezone=user.timezone)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.user_profile_update(
                    user=user,
                    display_name=data["display_name"],
                    avatar=data["avatar"] or None,
                    timezone_name=data["timezone"],
                    email_notifications=data["email_notifications"],
                )
            except ServiceError as error:
                user.refresh_from_db()  # the service may have changed the in-memory user before failing
                form.add_service_error(error)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("community:profile")
        status = 400
    else:
        form = ProfileForm(
            initial={"display_name": user.display_name, "timezone": user.timezone,
                     "email_notifications": user.email_notifications},
            current_timezone=user.timezone,
        )
    page = Paginator(selectors.review_list_for_author(user=user), PROFILE_REVIEWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    reviews = _attach_appeal_links(_decorate_reviews(page.object_list, None))  # one's own: no votes to show
    for review in reviews:
        review.is_own = True
    context = {"form": form, "page": page, "reviews": reviews, "level": hooks.user_level(user)}  # read with the user
    if pagecache.page_bodies_on() and not form.is_bound:
        context["form_fields"] = pagecache.unbound_form_html(form, "community/_profile_fields.html")
    # The layout around the page (header, navigation, footer) is the same on every view: stored.
    return pagecache.page_with_stored_layout(request, "community/profile.html", "community/_profile_body.html",
                                             context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    """The viewer's notifications, newest first; POST marks them all read."""
    if request.method == "POST":
        marked = services.notification_mark_read(user=request.user)
        if marked:
            messages.success(
                request, ngettext("%(n)d notification marked as read.", "%(n)d notifications marked as read.", marked)
                % {"n": marked}
            )
        return redirect("community:notifications")
    page = Paginator(Notification.objects.filter(user=request.user), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for note in page.object_list:
        note.safe_url = _notification_url(note)
    return render(request, "community/notifications.html", {"page": page, "notes": page.object_list})


def _notification_url(note):
    # Only links inside the site are followed (the url column is written by services, but be sure).
    return note.url if note.url.startswith("/") and not note.url.startswith("//") else ""


@login_required
@require_http_methods(["GET"])
def notification_open(request, notification_id):
    """Follow a notification's link and mark it read (only the viewer's own). A plain link,
    so it opens in a new tab too; the one side effect, "read", is harmless to repeat."""
    note = get_object_or_404(Notification, pk=notification_id, user=request.user)
    services.notification_mark_read(user=request.user, ids=[note.pk])
    return redirect(_notification_url(note) or reverse("community:notifications"))


@require_http_methods(["GET"])
def incentives(request):
    """How reviews and rewards go together: the disclosure policy the footer and the labels link to."""
    return render(request, "community/incentives.html")
