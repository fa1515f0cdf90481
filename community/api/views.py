"""The community JSON API: interfaces only. Each view parses input with an input
serializer, calls one selector or service, and renders an output serializer.

Errors of every kind leave through core.api.errors.exception_handler as
``{"error": {"code", "message", "fields"}}``.
"""
import hashlib
from functools import partial

from axes.helpers import get_lockout_message
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from community import hooks, selectors, services
from community.api import serializers as s
from community.models import Review
from community.pagecache import shared_page_get, shared_page_keys, shared_page_set
from community.reviewversions import review_list_version, review_list_version_key
from core import localcache
from core.api.parsers import JSONParser
from core.api.throttling import AnonRateThrottle
from core.api.base import (
    ApiPagination,
    BaseApi,
    WritesRateThrottle,
    check_id,
    error_responses,
    parse_input,
)
from core.errors import PermissionDeniedError, ServiceError
from core import pagination
from core.pagination import DepthCappedPaginator, KnownCountPaginator

# --- review plumbing ----------------------------------------------------------------


class KnownCountPagination(ApiPagination):
    """Uses a count the caller already has (a product's cached review count) instead of a
    COUNT(*) over thousands of rows on every request; ``known_count=None`` counts. Page
    numbers stop at ``MAX_PAGINATION_DEPTH`` reviews (deep OFFSETs are slow)."""

    django_paginator_class = DepthCappedPaginator
    invalid_page_message = gettext_lazy(
        "Page {page_number} is past the first %(n)d reviews that pages reach: narrow the list with the "
        "filters (stars, tag, photos) or another sort."
    )

    def __init__(self, known_count=None):
        super().__init__()
        self.invalid_page_message = str(self.invalid_page_message) % {"n": pagination.MAX_PAGINATION_DEPTH}
        if known_count is not None:
            self.django_paginator_class = partial(KnownCountPaginator, count=known_count)


# A review list answer, as an anonymous visitor sees it, is stored for this long under its
# product's list version (community.reviewversions): votes, edits, new reviews and moderation
# decisions retire it at once; only an author's level can lag this long.
REVIEW_LIST_SHARED_SECONDS = 30


def _review_context(request, reviews, viewer=None):
    """What review cards need beyond the rows, fetched once for the whole page (as seen by
    ``viewer``, the request's user unless given)."""
    reviews = list(reviews)
    viewer = request.user if viewer is None else viewer
    levels = hooks.user_levels({r.author_id for r in reviews})
    # A level is part of the public profile: only for authors who consented (``author_public``,
    # annotated by the selector in the page's query); the others show their name alone.
    public = {r.author_id for r in reviews if getattr(r, "author_public", False)}
    return {
        "request": request,
        "viewer_id": viewer.pk if viewer.is_authenticated else None,
        "levels": {user_id: level for user_id, level in levels.items() if user_id in public},
        "votes": selectors.helpful_votes_for_user(user=viewer, review_ids=[r.pk for r in reviews]),
    }


def _review_or_404(request, review_id):
    check_id(review_id, _("Review not found."))
    review = selectors.review_get_for_user(review_id=review_id, user=request.user)
    if review is None:
        raise NotFound(_("Review not found."))
    return review


def _review_response(request, review_id, *, status_code=status.HTTP_200_OK):
    review = _review_or_404(request, review_id)
    data = s.ReviewDetailOutputSerializer(review, context=_review_context(request, [review])).data
    return Response(data, status=status_code)




# --- the review list's shared answer -------------------------------------------------------

# How every card of a shared answer ends (``is_own`` and ``my_vote`` are the card's last fields);
# a string value cannot contain it, as its quotes would be escaped.
_CARD_TAIL = b'"is_own":false,"my_vote":null}'
_JSON_VALUES = {True: b"true", False: b"false", None: b"null"}
_UNKNOWN = object()


def _product_id_hint(slug) -> str:
    """The key of this process's hint slug -> product id (``core.localcache``): only a hint for
    which list version to read with the stored answer (a renamed product's version changes in the
    admin, retiring what was stored for it)."""
    return "api-review-list-product:" + slug


def _shared_list_key(request):
    """The stored answer's key (language, scheme, host and full path: the answer's links
    carry them), or None when the answer is not plain compact JSON (the browsable API, an
    ``indent``), which is built per request."""
    renderer = getattr(request, "accepted_renderer", None)
    if not REVIEW_LIST_SHARED_SECONDS or type(renderer) is not JSONRenderer \
            or request.accepted_media_type != renderer.media_type:
        return None
    raw = f"{get_language()}|{request.scheme}|{request.get_host()}|{request.get_full_path()}"
    return "api:reviews:shared:" + hashlib.sha256(raw.encode()).hexdigest()


def _stored_list(key, slug, product_id, found):
    """(the stored answer if its product's list version is still the current one, or None; the
    public-profile generation), from ``found``, what ``cache_reads`` read. ``product_id``: the
    slug's product as this process last saw it, whose version was read with the answer (an answer
    built for another id is not used); None: the version is read here, for the answer's product."""
    if product_id is None:
        entry, generation = shared_page_get(key, found=found)
        if not isinstance(entry, dict):
            return None, generation
        localcache.hint_set(_product_id_hint(slug), entry["product_id"])  # the next request: one round trip
        version = cache.get(review_list_version_key(entry["product_id"]))
    else:
        entry, generation, version = shared_page_get(key, also=review_list_version_key(product_id), found=found)
        if not isinstance(entry, dict) or entry["product_id"] != product_id:
            return None, generation
    return (entry if entry["version"] == version else None), generation


def _viewer_state(product_id, viewer, review_ids):
    """The viewer's own review of the product, (status, status_reason) or None, and their votes
    on the listed reviews: one query signed in, none signed out."""
    if not viewer.is_authenticated:
        return None, {}
    return selectors.review_list_viewer_state(product_id=product_id, user=viewer, review_ids=review_ids)


def _sees_shared_list(own):
    """Whether the viewer's list is everyone's: not when their own review of the product is
    unpublished (listed for them alone, with its status) or carries a status reason."""
    return own is None or (own[0] == Review.Status.PUBLISHED and not own[1])


def _shared_list_for_viewer(entry, viewer, votes):
    """The stored answer with the viewer's own card and votes marked."""
    body = entry["body"]
    if not viewer.is_authenticated:
        return body
    parts, start = [], 0
    for review_id, author_id, at in entry["cards"]:
        mine, vote = author_id == viewer.pk, votes.get(review_id)
        if mine or vote is not None:
            parts += [body[start:at], b'"is_own":%s,"my_vote":%s}' % (_JSON_VALUES[mine], _JSON_VALUES[vote])]
            start = at + len(_CARD_TAIL)
    if not parts:
        return body
    parts.append(body[start:])
    return b"".join(parts)


# --- products -------------------------------------------------------------------------


class ProductListApi(BaseApi):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="products_list",
        parameters=[s.ProductListFilterSerializer],
        responses={200: s.ProductListOutputSerializer(many=True), **error_responses(400, 404, 429)},
    )
    def get(self, request):
        filters = parse_input(s.ProductListFilterSerializer, request.query_params)
        products = selectors.product_list(**filters)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(products, request, view=self)
        data = s.ProductListOutputSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


class ProductDetailApi(BaseApi):
    @extend_schema(
        operation_id="products_retrieve",
        responses={200: s.ProductDetailOutputSerializer, **error_responses(404, 429)},
    )
    def get(self, request, slug):
        product = selectors.product_get(slug=slug)
        if product is None:
            raise NotFound(_("Product not found."))
        return Response(s.ProductDetailOutputSerializer(product, context={"request": request}).data)


class ProductReviewListApi(BaseApi):
    pagination_class = ApiPagination

    list_key = list_product_id = None

    def cache_reads(self, request):
        """The stored answer, the public-profile generation and (once this process knows the slug's
        product) its list version: read with the rate limits, the answer's one round trip."""
        self.list_key = _shared_list_key(request)
        if self.list_key is None:
            return []
        self.list_product_id = localcache.hint_get(_product_id_hint(self.kwargs["slug"]))
        version_key = review_list_version_key(self.list_product_id) if self.list_product_id is not None else None
        return shared_page_keys(self.list_key, also=version_key)

    @extend_schema(
        operation_id="products_reviews_list",
        parameters=[s.ReviewListFilterSerializer],
        responses={200: s.ReviewOutputSerializer(many=True), **error_responses(400, 404, 429)},
    )
    def get(self, request, slug):
        key, own = self.list_key, _UNKNOWN
        if key is not None:
            entry, generation = _stored_list(key, slug, self.list_product_id, self.cache_found)
            if entry is not None:
                own, votes = _viewer_state(entry["product_id"], request.user, [card[0] for card in entry["cards"]])
                if _sees_shared_list(own):
                    return HttpResponse(_shared_list_for_viewer(entry, request.user, votes),
                                        content_type=request.accepted_renderer.media_type)
        filters = parse_input(s.ReviewListFilterSerializer, request.query_params)
        product = selectors.product_get_for_review(slug=slug)
        if product is None:
            raise NotFound(_("Product not found."))
        localcache.hint_set(_product_id_hint(slug), product.pk)
        if key is not None and own is _UNKNOWN:
            own = _viewer_state(product.pk, request.user, [])[0]
        if key is not None and _sees_shared_list(own):
            # Read before the rows: a change committed meanwhile replaces it, retiring what is built here.
            version = review_list_version(product.pk)
            entry = self._shared_list(request, product, filters, version)
            if entry is not None:
                shared_page_set(key, entry, generation, REVIEW_LIST_SHARED_SECONDS)
                votes = selectors.helpful_votes_for_user(user=request.user, review_ids=[c[0] for c in entry["cards"]])
                return HttpResponse(_shared_list_for_viewer(entry, request.user, votes),
                                    content_type=request.accepted_renderer.media_type)
        # The viewer's own review is not published (it is listed for them alone, with its
        # status), or the answer is not plain JSON: built for this request only.
        reviews = selectors.review_list_for_product(product=product, viewer=request.user, **filters)
        paginator = KnownCountPagination(known_count=self._known_count(product, request.user, filters))
        page = paginator.paginate_queryset(reviews, request, view=self)
        data = s.ReviewOutputSerializer(page, many=True, context=_review_context(request, page)).data
        return paginator.get_paginated_response(data)

    @staticmethod
    def _known_count(product, viewer, filters):
        if filters.get("rating") or filters.get("tag"):
            return None  # counted
        photos_only = filters.get("sort") == "photos" or filters.get("with_photos")
        # Signed in, the viewer's own review (any state) is listed too: counted with one small query.
        return selectors.review_count_for_viewer(product, viewer, content=filters["content"], photos_only=photos_only)

    def _shared_list(self, request, product, filters, version):
        """The answer as everyone but the cards' authors and voters sees it (published reviews,
        no vote, nothing one's own), rendered, with where each card's personal fields sit."""
        anonymous = AnonymousUser()
        reviews = selectors.review_list_for_product(product=product, viewer=anonymous, **filters)
        paginator = KnownCountPagination(known_count=self._known_count(product, anonymous, filters))
        page = paginator.paginate_queryset(reviews, request, view=self)
        data = s.ReviewOutputSerializer(page, many=True, context=_review_context(request, page, anonymous)).data
        response = paginator.get_paginated_response(data)
        body = request.accepted_renderer.render(response.data, request.accepted_media_type, {"request": request})
        offsets, at = [], body.find(_CARD_TAIL)
        while at != -1:
            offsets.append(at)
            at = body.find(_CARD_TAIL, at + 1)
        if len(offsets) != len(page):
            return None  # not the shape the splicing expects: never serve it
        return {"version": version, "product_id": product.pk, "body": body,
                "cards": [(r.pk, r.author_id, at) for r, at in zip(page, offsets)]}

# --- reviews -----------------------------------------------------------------------------


class ReviewPostApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="reviews_post",
        summary="Create or update your review of a product",
        description=(
            "One review per user and product: posting again updates it. A rating alone is the "
            "one-click path. 201 when created, 200 when updated."
        ),
        request=s.ReviewPostInputSerializer,
        responses={
            201: s.ReviewDetailOutputSerializer,
            200: s.ReviewDetailOutputSerializer,
            **error_responses(400, 401, 403, 429),
        },
    )
    def post(self, request):
        data = parse_input(s.ReviewPostInputSerializer, request.data)
        review, created = services.review_post(
            author=request.user,
            product=data["product"],
            rating=data["rating"],
            tag_ids=data.get("tags"),
            text=data.get("text"),
            language=data.get("language"),
        )
        return _review_response(
            request, review.pk, status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ReviewDetailApi(BaseApi):
    @extend_schema(
        operation_id="reviews_retrieve",
        responses={200: s.ReviewDetailOutputSerializer, **error_responses(404, 429)},
    )
    def get(self, request, review_id):
        return _review_response(request, review_id)

    @extend_schema(
        operation_id="reviews_partial_update",
        summary="Edit your review",
        request=s.ReviewUpdateInputSerializer,
        responses={200: s.ReviewDetailOutputSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def patch(self, request, review_id):
        review = _review_or_404(request, review_id)
        if review.author_id != request.user.pk:
            raise PermissionDeniedError(_("You can only edit your own review."))
        data = parse_input(s.ReviewUpdateInputSerializer, request.data)
        if data:
            services.review_post(
                author=request.user,
                product=review.product,
                rating=data.get("rating", review.rating),
                tag_ids=data.get("tags"),
                text=data.get("text"),
                language=data.get("language"),
            )
        return _review_response(request, review.pk)


class ReviewPhotoAddApi(BaseApi):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="reviews_photos_create",
        summary="Add a photo to your review",
        request={"multipart/form-data": s.ReviewPhotoAddInputSerializer},
        responses={201: s.ReviewPhotoOutputSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request, review_id):
        review = _review_or_404(request, review_id)
        data = parse_input(s.ReviewPhotoAddInputSerializer, request.data)
        try:
            photo = services.review_photo_add(author=request.user, review=review, upload=data["image"])
        except ServiceError as exc:
            # The image pipeline names the pages' field ("photos"); here the field is "image".
            if exc.code.startswith("image_") and "photos" in exc.fields:
                exc.fields = {"image": exc.fields["photos"]}
            raise
        data = s.ReviewPhotoOutputSerializer(photo, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class ReviewPhotoRemoveApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="reviews_photos_destroy",
        summary="Remove a photo from your review",
        responses={204: None, **error_responses(401, 403, 404, 429)},
    )
    def delete(self, request, review_id, photo_id):
        review = _review_or_404(request, review_id)
        check_id(photo_id, _("Photo not found."))
        if review.author_id != request.user.pk:
            raise PermissionDeniedError(_("You can only remove photos from your own review."))
        if not any(photo.pk == photo_id for photo in review.photos.all()):
            raise NotFound(_("Photo not found."))
        services.review_photo_remove(author=request.user, photo_id=photo_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewPhotoOrderApi(BaseApi):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="reviews_photos_order_update",
        summary="Put your review's photos in order",
        request=s.ReviewPhotoOrderInputSerializer,
        responses={200: s.ReviewDetailOutputSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def put(self, request, review_id):
        review = _review_or_404(request, review_id)
        if review.author_id != request.user.pk:
            raise PermissionDeniedError(_("You can only order the photos of your own review."))
        data = parse_input(s.ReviewPhotoOrderInputSerializer, request.data)
        services.review_photos_reorder(author=request.user, review_id=review.pk, photo_ids=data["photo_ids"])
        return _review_response(request, review.pk)


class ReviewHelpfulVoteApi(BaseApi):
    permission_classes = [IsAuthenticated]

    def _vote(self, request, review_id, helpful):
        check_id(review_id, _("Review not found."))
        review = services.review_vote_helpful(user=request.user, review_id=review_id, helpful=helpful)
        data = {
            "id": review.pk,
            "helpful_count": review.helpful_count,
            "not_helpful_count": review.not_helpful_count,
            "vote": helpful,
        }
        return Response(s.HelpfulVoteOutputSerializer(data).data)

    @extend_schema(
        operation_id="reviews_helpful_create",
        summary="Vote a review helpful or not helpful",
        request=s.HelpfulVoteInputSerializer,
        responses={200: s.HelpfulVoteOutputSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def post(self, request, review_id):
        data = parse_input(s.HelpfulVoteInputSerializer, request.data)
        return self._vote(request, review_id, data["helpful"])

    @extend_schema(
        operation_id="reviews_helpful_destroy",
        summary="Withdraw your helpful vote",
        responses={200: s.HelpfulVoteOutputSerializer, **error_responses(400, 401, 403, 404, 429)},
    )
    def delete(self, request, review_id):
        return self._vote(request, review_id, None)


# --- the current user ----------------------------------------------------------------------


class UserMeApi(BaseApi):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def _render(self, request, user):
        context = {
            "request": request,
            "level": hooks.user_level(user.pk),
            "review_count": selectors.review_list_for_author(user=user).count(),
        }
        return Response(s.UserMeOutputSerializer(user, context=context).data)

    @extend_schema(operation_id="me_retrieve", responses={200: s.UserMeOutputSerializer, **error_responses(401, 429)})
    def get(self, request):
        return self._render(request, request.user)

    @extend_schema(
        operation_id="me_partial_update",
        summary="Change your display name, avatar, time zone or email preference",
        request={
            "application/json": s.UserMeUpdateInputSerializer,
            "multipart/form-data": s.UserMeUpdateInputSerializer,
        },
        responses={200: s.UserMeOutputSerializer, **error_responses(400, 401, 429)},
    )
    def patch(self, request):
        data = parse_input(s.UserMeUpdateInputSerializer, request.data)
        user = services.user_profile_update(
            user=request.user,
            display_name=data.get("display_name"),
            avatar=data.get("avatar"),
            timezone_name=data.get("timezone"),
            email_notifications=data.get("email_notifications"),
            consent_method="api",
        )
        return self._render(request, user)


# --- token auth ---------------------------------------------------------------------------------


class AuthTokenObtainApi(ObtainAuthToken):
    """DRF's ObtainAuthToken with email instead of username, throttled per client and scope,
    and behind the same log-in lockout as the web form and the admin (django-axes): while the
    account or the client's address is locked out, every password, right or wrong, gets 429."""

    serializer_class = s.AuthTokenInputSerializer
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, WritesRateThrottle]
    throttle_scope = "writes"
    # ObtainAuthToken sets its own parsers; the project's JSON parser refuses deep nesting.
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    @extend_schema(
        operation_id="auth_token_create",
        summary="Exchange email and password for an API token",
        description="Send the token as `Authorization: Token <key>`. Failed attempts count towards "
        "the same lockout as the web log-in: while the account or the address is locked out the answer "
        "is 429 with the code `locked_out`.",
        request=s.AuthTokenInputSerializer,
        responses={200: s.AuthTokenOutputSerializer, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        try:
            response = super().post(request, *args, **kwargs)
        except ValidationError:
            # The serializer's authenticate(request=...) went through axes' backend, which marks
            # the request when the account or the address is locked out (this attempt included).
            if getattr(request, "axes_locked_out", False):
                raise ServiceError(get_lockout_message(), code="locked_out", status_code=429) from None
            raise
        # A password exchanged for a token is a sign-in, as on the web: it cancels a scheduled
        # account deletion (community.privacy.receivers) and records the last log-in.
        user = Token.objects.select_related("user").get(key=response.data["token"]).user
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return response
