"""Hostile uploads through HTTP, on both ways in: the review page's photo field
(``POST /products/<slug>/review/``) and ``POST /api/reviews/<id>/photos/``.

A refused file answers 400 (the page names the photo and the reason next to the field; the
API answers ``{"error": {...}}`` with the code and an ``image`` field error), and leaves no
ReviewPhoto row and no file under MEDIA_ROOT. An accepted file is stored as a fresh JPEG or
PNG whose bytes are walked block by block (tests/fixtures/image_files.py) to prove that no
metadata survived: no EXIF / XMP / IPTC / ICC / COM segment, no PNG text or profile chunk,
no GIF comment, nothing after the end marker. The thumbnail made after commit too.
"""
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from community import services
from community.models import ReviewPhoto
from tests import factories
from tests.fixtures.image_files import (
    HTML,
    big_jpeg,
    gif_with_comment,
    jpeg_segment,
    jpeg_with_comment,
    jpeg_with_gps,
    jpeg_with_segments,
    metadata_blocks,
    noise_jpeg,
    png_bomb,
    png_with_text_chunks,
    swapped_rgb_profile,
    truncated,
)

pytestmark = pytest.mark.django_db

CHANNELS = ["page", "api"]

SVG_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>"
)


def _over_the_limit():
    jpeg = factories.image_bytes("JPEG")
    return jpeg + b"\0" * (settings.COCREATE_IMAGE_MAX_BYTES - len(jpeg) + 1)


def _jpeg_with_profile():
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format="JPEG", quality=95, icc_profile=swapped_rgb_profile())
    return buf.getvalue()


INVALID = "This file is not a valid image (JPEG, PNG, WebP or GIF)."
TOO_MANY_PIXELS = "The image has too many pixels (at most 40 megapixels)."

REFUSED = {
    # name: (file name, content type, bytes maker, error code, the reason the page shows)
    "text_renamed_jpg": ("holiday.jpg", "image/jpeg", lambda: b"just some text, honestly\n" * 40, "image_invalid", INVALID),
    "truncated_jpeg": ("cut.jpg", "image/jpeg", lambda: truncated(noise_jpeg()), "image_invalid", INVALID),
    "png_bomb_30000x30000": (
        "bomb.png", "image/png", lambda: png_bomb(30_000, 30_000), "image_too_many_pixels", TOO_MANY_PIXELS
    ),
    "jpeg_100_megapixels": (
        "huge.jpg", "image/jpeg", lambda: big_jpeg(10_000, 10_000), "image_too_many_pixels", TOO_MANY_PIXELS
    ),
    "svg_with_script": ("logo.svg", "image/svg+xml", lambda: SVG_SCRIPT, "image_invalid", INVALID),
    "gif_magic_then_html": ("x.gif", "image/gif", lambda: b"GIF89a" + HTML, "image_invalid", INVALID),
    "jpeg_magic_then_html": ("x.jpg", "image/jpeg", lambda: b"\xff\xd8\xff\xe0" + HTML, "image_invalid", INVALID),
    "over_the_limit": ("big.jpg", "image/jpeg", _over_the_limit, "image_too_large", "The image is larger than 10 MB."),
    "zero_bytes": ("empty.jpg", "image/jpeg", lambda: b"", "image_empty", "The file is empty."),
}

ACCEPTED = {
    # name: (file name, content type, bytes maker, (width, height) stored, format stored)
    "gps_exif": ("trip.jpg", "image/jpeg", jpeg_with_gps, (40, 80), "JPEG"),  # orientation 6 applied
    "com_segment": ("com.jpg", "image/jpeg", jpeg_with_comment, (64, 48), "JPEG"),
    "jpeg_html_polyglot": (
        "poly.jpg",
        "image/jpeg",
        lambda: jpeg_with_segments(jpeg_segment(0xFE, HTML), jpeg_segment(0xEF, HTML), tail=HTML),
        (64, 48),
        "JPEG",
    ),
    "icc_profile": ("wide.jpg", "image/jpeg", _jpeg_with_profile, (64, 48), "JPEG"),
    "png_text_chunks": (
        "notes.png", "image/png", lambda: png_with_text_chunks("RGBA", (200, 80, 40, 128)), (64, 48), "PNG"
    ),
    "gif_comment": ("anim.gif", "image/gif", gif_with_comment, (16, 16), "JPEG"),
    "gif_html_polyglot_transparent": (
        "poly.gif", "image/gif", lambda: gif_with_comment(transparent=True), (16, 16), "PNG"
    ),
}


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def own_review(shopper, product):
    return services.review_post(author=shopper, product=product, rating=4)[0]


@pytest.fixture(params=CHANNELS)
def channel(request):
    return request.param


@pytest.fixture
def post_photo(channel, shopper, own_review):
    """Send one file the way the channel does; returns the response."""
    client = APIClient() if channel == "api" else Client()
    client.force_login(shopper)
    if channel == "api":
        url, field = f"/api/reviews/{own_review.pk}/photos/", "image"
    else:
        url, field = f"/products/{own_review.product.slug}/review/", "photos"

    def post(name, data, content_type):
        return client.post(url, {field: SimpleUploadedFile(name, data, content_type)})

    return post


def _media_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_upload_answers_400_and_stores_nothing(case, channel, post_photo, own_review):
    name, content_type, make, code, reason = REFUSED[case]
    resp = post_photo(name, make(), content_type)

    assert resp.status_code == 400, resp.content[:500]
    if channel == "api":
        error = resp.json()["error"]
        assert error["code"] == code
        assert error["fields"]["image"] == [reason]
    else:
        body = resp.content.decode()
        assert f"Photo 1 ({name}) was not added: {reason}" in body
        assert "Your rating, tags and words are saved." in body
    assert not ReviewPhoto.objects.exists()
    assert _media_files() == []
    own_review.refresh_from_db()
    assert own_review.has_photos is False


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_accepted_upload_is_stored_without_metadata(
    case, channel, post_photo, own_review, django_capture_on_commit_callbacks
):
    name, content_type, make, size, stored_format = ACCEPTED[case]
    data = make()
    assert metadata_blocks(data), "the input carries metadata to strip"

    with django_capture_on_commit_callbacks(execute=True):  # the thumbnail task runs on commit
        resp = post_photo(name, data, content_type)

    assert resp.status_code == (201 if channel == "api" else 302), resp.content[:500]
    photo = ReviewPhoto.objects.get()
    if channel == "api":
        assert resp.json()["id"] == photo.pk
    assert (photo.width, photo.height) == size
    assert _media_files() == sorted([photo.image.name, photo.thumbnail.name])
    for stored in (photo.image, photo.thumbnail):
        raw = (Path(settings.MEDIA_ROOT) / stored.name).read_bytes()
        assert metadata_blocks(raw) == [], stored.name
        for payload in (b"<script", b"<html", b"secret", b"SpyCam"):
            assert payload not in raw
    with Image.open(Path(settings.MEDIA_ROOT) / photo.image.name) as img:
        assert img.format == stored_format and img.size == size
        if case == "icc_profile":  # (200, 30, 30) in the swapped profile is sRGB green
            red, green, _blue = img.getpixel((32, 24))
            assert green > 170 and red < 60, (red, green)
    own_review.refresh_from_db()
    assert own_review.has_photos is True
