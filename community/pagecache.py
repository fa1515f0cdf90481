"""Fragments of the product page shared by every viewer (issue 16, signed-in pages).

A review card looks the same to everyone except in a few places: the viewer's own card (its
status, no vote buttons), the viewer's vote (which button is pressed), the CSRF token and the
``next`` path of its forms. So each card is rendered once per *version* and kept in the cache;
a page assembles the shared cards and renders live only the viewer's own card. The viewer's vote
presses its button by a fixed substitution (``_press``), and the CSRF token and the ``next`` path
are markers in the stored fragment, replaced per request.

The version is a digest of everything the card shows: the review's row (text, rating, counts,
status, incentive, edit time), its tags and photos (prefetched with the page, as before), its
author's public name, avatar and activity, whether they consented to a public profile (only
then their level and badges, from gamification's per-user caches, are shown), the language, the viewer's time zone (dates) and whether the viewer is signed in. An edit, a vote, a
moderation decision or a new badge gives a new key, so a change is visible to everyone on the
next request, exactly and at once: nothing is invalidated by hand, and old fragments simply
age out (``PAGE_FRAGMENT_SECONDS``). The rating summary and tag counts are kept the same way,
keyed by the product's rating caches.

Whole anonymous pages (the product page, the review list API) are kept for a few seconds with
the public-profile generation they were built at (``shared_page_get`` / ``shared_page_set``):
giving or withdrawing that consent retires them all at once.
"""
import hashlib
import re

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from community.privacy.selectors import PUBLIC_PROFILE_GENERATION_KEY
from community.reviewversions import review_list_changed
from community.templatetags.cocreate import valid_timezone
from core import localcache
from core.versions import version_bump, version_read

CARD_TEMPLATE = "community/_review_card.html"
SUMMARY_TEMPLATE = "community/_product_summary.html"


_markers: dict = {}


def _marker(name, length) -> str:
    """A digest of the site's secret, stable across processes (stored parts are shared), not
    guessable from outside; computed once per process and secret."""
    key = (settings.SECRET_KEY, name, length)
    found = _markers.get(key)
    if found is None:
        found = _markers[key] = salted_hmac("cocreate.views.page-cache", name).hexdigest()[:length]
    return found


def csrf_marker():
    return "csrf-" + _marker("csrf-marker", 32)


# Stands for the request's path in a stored fragment: letters and dashes only, so neither
# HTML escaping nor URL encoding changes it.
PATH_MARKER = "path-" + salted_hmac("cocreate.views.page-cache", "path-marker").hexdigest()[:32]


def _ttl():
    """How long an unused fragment stays; 0 turns the fragments off (every card rendered live)."""
    return int(getattr(settings, "PAGE_FRAGMENT_SECONDS", 3600) or 0)


def _digest(parts) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def _obj_state(obj):
    return sorted((k, v) for k, v in vars(obj).items() if not k.startswith("_"))


def shared_page_keys(key, *, also=None) -> list:
    """The cache keys ``shared_page_get`` reads."""
    return [key, PUBLIC_PROFILE_GENERATION_KEY] + ([also] if also else [])


def shared_page_get(key, *, also=None, found=None):
    """A whole page (or response body) stored for every anonymous visitor, and the current
    public-profile generation, in one cache round trip. The page comes back only when it was
    built at that generation: after someone gives or withdraws public-profile consent, no
    stored page shows their level or badges as they were (community.privacy.selectors).
    ``also``: one more key read in the same round trip; its value is returned third.
    ``found``: the values of ``shared_page_keys`` as another round trip read them ({key: value},
    as ``cache.get_many``), instead of reading them here."""
    if found is None:
        found = cache.get_many(shared_page_keys(key, also=also))
    generation = int(found.get(PUBLIC_PROFILE_GENERATION_KEY) or 0)
    entry = found.get(key)
    page = entry[1] if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == generation else None
    return (page, generation, found.get(also)) if also else (page, generation)


def shared_page_set(key, value, generation, seconds):
    """Store ``value`` as built at ``generation`` (read by ``shared_page_get`` before building)."""
    cache.set(key, (generation, value), seconds)


def review_card_version(review, *, signed_in, zone=None) -> str:
    author = review.author
    return _digest((
        review.pk, review.author_id, review.rating, review.text, review.status, review.incentive,
        _trial_id(review),
        review.has_photos, review.helpful_count, review.created_at, review.edited_at, review.product_id,
        [(t.pk, t.label, t.negative) for t in review.tags.all()],
        [(p.pk, p.image.name, p.thumbnail.name if p.thumbnail else "") for p in review.photos.all()],
        (author.public_name, author.avatar.name if author.avatar else "", author.is_active),
        bool(getattr(review, "author_public", False)),
        sorted((getattr(review, "author_level", None) or {}).items()),
        [_obj_state(b) for b in getattr(review, "author_badges", [])],
        get_language(), str(zone or ""), bool(signed_in),
    ))


def _trial_id(review):
    try:
        application = review.trial_application
    except Exception:  # noqa: BLE001 - no application: the reverse one-to-one raises
        return None
    return application.pk if application is not None else None


class _MarkerRequest:
    """What the card template reads of the request, with the path left as a marker."""

    _messages = ()

    def __init__(self, user):
        self.user = user

    def get_full_path(self):
        return PATH_MARKER


def _fill(html, request, *, signed_in, keep_csrf_marker=False):
    from urllib.parse import quote

    path = request.get_full_path()
    # Signed in, the path sits in form values (HTML-escaped); signed out, in a login link's
    # query string (URL-encoded, as the template's |urlencode filter does).
    html = html.replace(PATH_MARKER, escape(path) if signed_in else quote(path, safe="/"))
    if keep_csrf_marker:  # the whole page is stored for everyone: the token goes in when it is served
        return mark_safe(html)
    return mark_safe(html.replace(csrf_marker(), request_csrf_token(request)))


def request_csrf_token(request):
    """The request's masked CSRF token, made once: a page filled from several stored parts uses
    one token in all its forms, as a page rendered whole does (masking costs a random string)."""
    token = getattr(request, "_cocreate_csrf_token", None)
    if token is None:
        token = request._cocreate_csrf_token = get_token(request)
    return token


# The vote buttons of a stored card (rendered with no vote) and how the viewer's vote changes
# them: the pressed button's value empties (a second tap withdraws) and aria-pressed turns true.
# tests/test_page_fragments.py compares such cards with live ones.
_BUTTON = 'value="{v}" data-vote="{v}" class="vote-btn" aria-pressed="false"'
_PRESSED = 'value="" data-vote="{v}" class="vote-btn" aria-pressed="true"'


def _press(html, my_vote):
    if my_vote is None:
        return html
    v = "1" if my_vote else "0"
    return mark_safe(html.replace(_BUTTON.format(v=v), _PRESSED.format(v=v), 1))


def _zone(request):
    """The viewer's time zone as the layout's {% timezone %} sets it (None: the site's)."""
    user = request.user
    return valid_timezone(getattr(user, "timezone", "")) if user.is_authenticated else None


def rating_rows_html(request, rows, *, keep_csrf_marker=False, raw=False):
    """The star-only ratings listed under the reviews, one fragment keyed by what they show:
    the rows, whether the viewer is signed in (a report form, or a link to log in) and which
    row is the viewer's own (no report control on it). The CSRF token and the ``next`` path
    of the report forms are markers, filled per request as in the cards. Nothing when the
    request carries messages to show next to a row."""
    from django.contrib import messages

    if not rows or not _ttl() or len(messages.get_messages(request)):
        return None
    user = request.user
    signed_in = user.is_authenticated
    zone = _zone(request)
    key = "cocreate:ratings:" + _digest((
        [(r.pk, r.rating, r.status, r.created_at, r.author_id, r.author.public_name, r.author.is_active,
          bool(getattr(r, "is_own", False))) for r in rows],
        get_language(), str(zone or ""), signed_in,
    ))
    html = cache.get(key)
    if html is None:
        marker_request = _MarkerRequest(user)
        with timezone.override(zone):
            html = "".join(
                "<li>" + render_to_string("community/_rating_row.html", {
                    "review": r, "request": marker_request, "user": user, "csrf_token": csrf_marker(),
                }) + "</li>" for r in rows)
        cache.set(key, html, _ttl())
    if raw:  # for a stored page body: the token and path are filled when it is served
        return mark_safe(html)
    return _fill(html, request, signed_in=signed_in, keep_csrf_marker=keep_csrf_marker)


def review_cards_attach(request, reviews, *, show_votes=True, keep_csrf_marker=False, raw=False):
    """Give each shared card its HTML (``review.card_html``) from the cache, rendering and
    storing the missing ones in one ``set_many``. The viewer's own card is left to the template
    (rendered live); their votes are pressed in the shared cards. Nothing when the request
    carries messages to show next to a card."""
    from django.contrib import messages

    if not _ttl() or len(messages.get_messages(request)):
        return reviews
    user = request.user
    signed_in = user.is_authenticated
    shared = [r for r in reviews if r.has_content and not getattr(r, "is_own", False)]
    if not shared:
        return reviews
    # The layout shows dates in the viewer's zone ({% timezone %} in base.html): the cards too.
    zone = _zone(request)
    keys = {f"cocreate:card:{review_card_version(r, signed_in=signed_in, zone=zone)}": r for r in shared}
    found = cache.get_many(list(keys))
    fresh = {}
    marker_request = _MarkerRequest(user)
    for key, review in keys.items():
        html = found.get(key)
        if html is None:
            with timezone.override(zone):
                html = render_to_string(CARD_TEMPLATE, {
                    "review": review, "show_votes": show_votes, "request": marker_request, "user": user,
                    "csrf_token": csrf_marker(),
                })
            fresh[key] = html
        if raw:  # for a stored page body: votes, token and path are filled when it is served
            review.card_html = mark_safe(html)
            continue
        review.card_html = _press(_fill(html, request, signed_in=signed_in, keep_csrf_marker=keep_csrf_marker),
                                  getattr(review, "my_vote", None))
    if fresh:
        cache.set_many(fresh, _ttl())
    return reviews


def summary_html(request, product, summary):
    """The rating summary and tag counts, kept by the product's rating caches."""
    key = "cocreate:summary:" + _digest((
        product.pk, product.rating_histogram, product.tag_counts, product.content_review_count,
        product.rating_only_count, [(i["tag"].pk, str(i["tag"].label), i["tag"].negative) for i in summary["tags"]],
        get_language(),
    ))
    html = cache.get(key) if _ttl() else None
    if html is None:
        html = render_to_string(SUMMARY_TEMPLATE, {"summary": summary})
        if _ttl():
            cache.set(key, html, _ttl())
    return mark_safe(html)


# --- the shared product page body (issue 16, signed-in pages) ---------------------------------
#
# The part of the product page that is the same for everyone (hero, summary, photo strip, sort
# tabs, review cards, star-only rows, pagination) is stored whole, per product *page version*,
# language, time zone, signed in or not, sort, filter and page number. Per request only the
# person's parts are put in place: their panel (rating, details form, own review), their own card
# where it is listed, their votes, the CSRF token and the path.
#
# The page version is a pair of random tokens in the cache, replaced on commit by any write that
# changes what a product page shows (community.receivers): one per product (its reviews, votes,
# photos, tags, images, its row) and one for everything (names, avatars, brands, categories, tags,
# trials). A reader takes the tokens *before* it reads the data it renders, so a page built from
# data older than a commit is stored under a token that commit has already retired. Levels and
# badges (gamification's per-user caches) and public-profile consent are checked on every hit.

PAGE_VERSION_KEY = "cocreate:pagever:{}"
ALL_PRODUCTS = "all"
BODY_TEMPLATE = "community/_product_body.html"
PERSON_TEMPLATE = "community/_product_person.html"


def _slot(name) -> str:
    # Inside an HTML comment; user text is escaped, so it can never forge one ("<" becomes "&lt;").
    return "<!--slot-" + _marker("slot-marker", 24) + f"-{name}-->"


def page_version_bump(product_id=None):
    """Retire the stored product page bodies of one product (or of all, ``product_id=None``): now,
    and again when the current transaction commits, since a page rendered in between read the
    data before the commit under the new token. A product's stored review list answers (the API,
    ``community.reviewversions``) go with its page."""
    if product_id is not None:
        review_list_changed(product_id)
    version_bump([PAGE_VERSION_KEY.format(ALL_PRODUCTS if product_id is None else int(product_id))], None)


def _page_version_keys(product_id):
    return [PAGE_VERSION_KEY.format(product_id), PAGE_VERSION_KEY.format(ALL_PRODUCTS), PUBLIC_PROFILE_GENERATION_KEY]


def page_versions(product_id, *, found=None):
    """The product's and the global page tokens, in one cache round trip (created when missing).
    ``found``: a ``get_many`` result that already asked for them."""
    keys = _page_version_keys(product_id)
    if found is None:
        found = cache.get_many(keys)
    return (version_read(keys[0], None, found=found), version_read(keys[1], None, found=found),
            int(found.get(PUBLIC_PROFILE_GENERATION_KEY) or 0))


def stored_get(key):
    """A stored part under a content-addressed key (the layout, the person panel, a page body):
    this process's copy (``core.localcache``), else the shared cache's, kept here from then on."""
    value = localcache.content_get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            localcache.content_set(key, value)
    return value


def stored_set(key, value, seconds=None):
    cache.set(key, value, page_bodies_seconds() if seconds is None else seconds)
    localcache.content_set(key, value)


PRODUCT_KEY = "cocreate:product:{}"


def product_light(slug, *, also=None):
    """The product row with its brand and category, its page versions, and what was found of the
    keys ``also(product_id)`` names: ``(product, versions, found)``; ``(None, None, None)`` for no
    active product. ``found`` is None when those keys were not read (the caller reads them).

    The row is stored with the page versions read before it, and used while they are current
    (every write to a product, its brand or its category retires them), so a signed-in page view
    usually reads it without a query. The first reader of a slug stores only its id: it read the
    row before it knew which versions to read. With the id this process last saw under the slug,
    the entry, its versions and the ``also`` keys are read in one round trip."""
    from community import selectors

    key = PRODUCT_KEY.format(_digest(slug))
    hinted = localcache.hint_get(key)
    extra = list(also(hinted)) if also is not None and hinted is not None else []
    if hinted is not None:
        found = cache.get_many([key, *_page_version_keys(hinted), *extra])
        entry = found.get(key)
    else:
        found, entry = None, cache.get(key)
    if entry is not None:
        pk, stored, stored_versions = entry
        if pk != hinted:
            localcache.hint_set(key, pk)
        versions = page_versions(pk, found=found if pk == hinted else None)
        also_found = {k: found[k] for k in extra if k in found} if pk == hinted and also is not None else None
        if stored is not None and stored_versions == versions[:2]:
            return stored, versions, also_found
        product = selectors.product_get_light(slug=slug)  # read after the versions: storable under them
        if product is not None and product.pk == pk:
            cache.set(key, (pk, product, versions[:2]), page_bodies_seconds())
            return product, versions, also_found
    else:
        product = selectors.product_get_light(slug=slug)
    if product is None:
        return None, None, None
    versions = page_versions(product.pk)
    cache.set(key, (product.pk, None, None), page_bodies_seconds())
    localcache.hint_set(key, product.pk)
    return product, versions, None


def body_key(request, product, versions, *, sort, show_all, page_number):
    return "cocreate:body:" + _digest((
        versions, product.pk, _obj_state(product), sort, show_all, page_number, get_language(),
        str(_zone(request) or ""), request.user.is_authenticated,
    ))


def authors_stamp(author_ids):
    """What the cards show of their authors from gamification's caches: levels and badges."""
    from community import hooks

    if not author_ids:
        return ""
    levels = hooks.user_levels(author_ids)
    badges = hooks.badges_for_users(author_ids)
    return _digest((sorted((i, sorted(v.items()) if isinstance(v, dict) else repr(v)) for i, v in levels.items()),
                    sorted((i, [_obj_state(b) for b in bs]) for i, bs in badges.items())))


class BodyRequest(_MarkerRequest):
    """The request a stored body is rendered with: the path is a marker, and the query string
    holds only what the page reads (sort, filter, page), so links are the same for everyone."""

    def __init__(self, user, params):
        from django.http import QueryDict

        super().__init__(user)
        self.GET = QueryDict(mutable=True)
        self.GET.update(params)


def _cut_at_slots(html, slots) -> list:
    """``html`` cut at every marker of ``slots`` ({marker: value}) in the order they stand in it:
    text, the marker's value, text, ..., text."""
    parts, pos = [], 0
    if slots:
        for found in re.finditer("|".join(re.escape(marker) for marker in slots), html):
            parts.extend([html[pos:found.start()], slots[found.group(0)]])
            pos = found.end()
    parts.append(html[pos:])
    return parts


def body_render(request, context, *, reviews, rating_only):
    """Render the shared body once: each shared card and the person's panel as slots.
    Returns the entry to store: {"parts": [...], "cards": {pk: html}, ...}."""
    body_context = dict(context)
    cards = {}
    for review in reviews:
        html = getattr(review, "card_html", None)
        if html is not None:
            cards[review.pk] = str(html)
            review.card_html = mark_safe(_slot(f"card-{review.pk}"))
    body_context["person_slot"] = mark_safe(_slot("person"))
    with timezone.override(_zone(request)):
        html = render_to_string(BODY_TEMPLATE, body_context)
    # Cut at every slot in the order they stand in the page (the person's panel comes before the
    # cards): text, slot, text, ... where a slot is a card's id or None for the panel.
    slots = {_slot(f"card-{pk}"): pk for pk in cards}
    slots[_slot("person")] = None
    return {"parts": _cut_at_slots(html, slots), "cards": cards,
            "review_ids": [r.pk for r in reviews], "rating_only_ids": [r.pk for r in rating_only]}


def page_bodies_on() -> bool:
    return bool(_ttl())


def page_bodies_seconds() -> int:
    return _ttl()


def body_fill(request, entry, *, person_html, votes, own_card_html=None, own_id=None, keep_csrf_marker=False):
    """The stored body for this viewer: their panel, own card and votes in place, the token and path."""
    out = []
    for part in entry["parts"]:
        if part is None:
            out.append(person_html)
        elif isinstance(part, int):
            if part == own_id and own_card_html is not None:
                out.append(own_card_html)
            else:
                out.append(_press(entry["cards"][part], votes.get(part)))
        else:
            out.append(part)
    return _fill("".join(out), request, signed_in=request.user.is_authenticated, keep_csrf_marker=keep_csrf_marker)


# --- the layout around a stored body, for signed-in viewers --------------------------------------
#
# The header, navigation, policy banner and footer (base.html) cost about as much to render as the
# rest of a signed-in product page once its body is stored. They differ between viewers only in
# the header's counts (unread notifications, the moderation link), the policy banner, the CSRF
# token and the path: the first two are part of the key, the last two are markers filled per
# request. Signed-out pages are not shelled: their login links carry the path URL-encoded, which
# a single path marker cannot tell from the form values that carry it HTML-escaped.

SHELL_SLOT_NAME = "main"


class _ShellRequest(_MarkerRequest):
    def __init__(self, request, header):
        super().__init__(request.user)
        self.resolver_match = request.resolver_match
        self._header_counts = header  # read by the {% header_counts %} tag


_deploy_tokens: dict = {}


def _deploy_token():
    """Part of every stored layout's and form's key: the hashed name of the site's stylesheet,
    which a deployment that changes the templates' look changes too. Asked once per process and
    static-files configuration (the manifest is read once per process anyway)."""
    from django.templatetags.static import static

    config = (settings.STATIC_URL, repr(getattr(settings, "STORAGES", {}).get("staticfiles")))
    token = _deploy_tokens.get(config)
    if token is None:
        token = _deploy_tokens[config] = static("css/app.css")
    return token


def shell_wrap(request, template, context, *, identity, body):
    """``template`` (which extends base.html and shows ``page_body``) around ``body`` for a
    signed-in viewer, its layout rendered once per ``identity`` (what the page's own blocks show,
    e.g. the title), language, header counts, policy banner and URL name, then filled."""
    from community.privacy.context_processors import policy_banner_for
    from community.templatetags.site_header import header_counts_for

    user = request.user
    header = header_counts_for(request)
    banner = policy_banner_for(request)
    match = request.resolver_match
    key = "cocreate:shell:" + _digest((
        template, identity, get_language(), (header["unread"], header["moderator"]),
        getattr(banner, "version", None), match.url_name, match.app_name, _deploy_token(),
    ))
    parts = stored_get(key)
    if parts is None:
        slot = _slot(SHELL_SLOT_NAME)
        html = render_to_string(template, {
            **context, "page_body": mark_safe(slot), "request": _ShellRequest(request, header), "user": user,
            "csrf_token": csrf_marker(), "privacy_policy_banner": banner,
        })
        before, _sep, after = html.partition(slot)
        parts = (before, after)
        stored_set(key, parts)
    before, after = parts
    return _fill(before, request, signed_in=True) + body + _fill(after, request, signed_in=True)


def shell_page(request, template, body_template, context, *, identity="", body_identity=None, live=()):
    """A signed-in page from its stored layout (``shell_wrap``) around ``body_template``, in the
    viewer's time zone as the layout's {% timezone %} would set it. ``template`` shows
    ``page_body`` when given one, else includes ``body_template``.

    The body is rendered live for this request, unless ``body_identity`` is given: then it is
    stored too (``stored_body``), with the context values named in ``live`` put in per request."""
    if body_identity is not None:
        body = stored_body(request, body_template, context, identity=body_identity, live=live)
    else:
        with timezone.override(_zone(request)):
            body = render_to_string(body_template, context, request)
    return shell_wrap(request, template, context, identity=identity, body=body)


STORED_BODY_SECONDS = 300


def stored_body(request, body_template, context, *, identity, live):
    """``body_template`` rendered once per ``identity`` (everything the body shows but the
    ``live`` values; it must not read the request or the user), language, time zone and
    deployment, with a slot for each ``live`` value, then filled for this request: the live
    values, the CSRF token and the path."""
    zone = _zone(request)
    key = "cocreate:storedbody:" + _digest((body_template, identity, get_language(), str(zone or ""),
                                             _deploy_token(), tuple(live)))
    parts = stored_get(key)
    if parts is None:
        slots = {_slot(f"live-{name}"): name for name in live}
        with timezone.override(zone):
            html = render_to_string(body_template, {
                **context, **{name: mark_safe(marker) for marker, name in slots.items()},
                "request": _MarkerRequest(request.user), "csrf_token": csrf_marker(),
            })
        parts = tuple(_cut_at_slots(html, {marker: (name,) for marker, name in slots.items()}))
        # Keyed by counts that change with every decision: kept a few minutes, not the hour others are.
        stored_set(key, parts, min(page_bodies_seconds(), STORED_BODY_SECONDS))
    # The token and path go into the stored text only: a live value is put in as it is.
    return mark_safe("".join(str(context[part[0]]) if isinstance(part, tuple) else _fill(part, request, signed_in=True)
                             for part in parts))


def page_with_stored_layout(request, template, body_template, context, *, status=200, body_identity=None, live=()):
    """The response of a signed-in page whose layout may be stored: from it (``shell_page``) when
    stored parts are on and the page is a plain 200 with no message to show; else rendered whole
    (the stored layout has no place for messages). ``body_identity`` and ``live``: the body is
    stored too (``stored_body``)."""
    if page_bodies_on() and status == 200 and not len(messages.get_messages(request)):
        return HttpResponse(shell_page(request, template, body_template, context,
                                       body_identity=body_identity, live=live))
    return render(request, template, context, status=status)


def unbound_form_html(form, template):
    """``template`` rendered for an unbound ``form`` (its fields: labels, widgets, help), stored
    under a digest of everything that output depends on: the form's class, its initial values and
    choices, the language and the deployment's static token. Content-addressed, so nothing has
    to retire it: a person who changes their name or time zone gets another key. Django renders
    every widget, and every option of a select, through templates: a quarter of the own profile
    page's CPU (docs/benchmarks.md)."""
    choices = tuple((name, tuple(getattr(field, "choices", ()) or ())) for name, field in form.fields.items())
    key = "cocreate:form:" + _digest((
        type(form).__module__, type(form).__qualname__, template, sorted(form.initial.items()), choices,
        get_language(), _deploy_token(),
    ))
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, {"form": form})
        cache.set(key, html, page_bodies_seconds())
    return mark_safe(html)  # rendered by the template engine, which escaped it


def person_panel_key(request, product, versions, *, photo_limit):
    """The person's panel when they have no review of this product: the same for every such
    viewer but for the CSRF token (a marker here), so it is stored too."""
    return "cocreate:person:" + _digest((versions, product.pk, get_language(), request.user.is_authenticated,
                                         photo_limit))
