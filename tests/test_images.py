"""The upload pipeline (community/images.py) against real hostile and awkward files.

Every refused upload is driven through ``review_photo_add`` as well, to prove the
refusal happens before anything reaches the database or MEDIA_ROOT.
"""
import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from community import services
from core.errors import ServiceError
from community.images import image_clean
from community.models import ReviewPhoto
from tests import factories

GPS_IFD = 0x8825
ORIENTATION = 0x0112


# --- building the inputs ---------------------------------------------------------------


def _noise_jpeg(size=(640, 480)):
    """A JPEG big enough that cutting it in half loses real scan data."""
    buf = io.BytesIO()
    Image.effect_noise(size, 64).convert("RGB").save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of width x height all-black pixels, compressed row by row.

    10000 x 10000 is 100 megapixels and only a few kilobytes on disk: exactly what a
    decompression bomb looks like. Built by hand so the test never holds the pixels.
    """
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + packed bits
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _jpeg_with_gps(size=(80, 40)):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[ORIENTATION] = 6  # rotate 90° clockwise on display
    exif[GPS_IFD] = {1: "N", 2: (31.0, 14.0, 5.5), 3: "E", 4: (121.0, 28.0, 1.0)}
    return factories.image_bytes("JPEG", size=size, exif=exif)


def _gif_with_html_tail():
    buf = io.BytesIO()
    Image.new("P", (16, 16), 3).save(buf, format="GIF")
    return buf.getvalue() + b"<html><script>alert(document.cookie)</script></html>"


def _upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type)


def _files_under(root) -> list:
    root = Path(root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def own_review(shopper, product):
    review, _ = services.review_post(author=shopper, product=product, rating=4)
    return review


# --- refused ------------------------------------------------------------------------------

SVG_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>"
)

REFUSED = {
    # name: (filename, bytes or a callable making them, expected code)
    "empty": ("a.jpg", b"", "image_empty"),
    "text_named_jpg": ("holiday.jpg", b"this is not an image, just text pretending\n" * 20, "image_invalid"),
    "truncated_jpeg": ("cut.jpg", lambda: _truncated(_noise_jpeg()), "image_invalid"),
    "jpeg_magic_then_html": ("x.jpg", b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>", "image_invalid"),
    "svg_with_script": ("logo.png", SVG_SCRIPT, "image_invalid"),
    "html_page": ("page.jpg", b"<!doctype html><html><body onload=alert(1)>hi</body></html>", "image_invalid"),
    "bmp": ("old.bmp", lambda: factories.image_bytes("BMP"), "image_format"),
    "tiff": ("scan.tif", lambda: factories.image_bytes("TIFF"), "image_format"),
    # 49 MP: under Pillow's own bomb threshold, so our COCREATE_IMAGE_MAX_PIXELS refuses it.
    "over_our_pixel_limit": ("big.png", lambda: _png_bomb(7000, 7000), "image_too_many_pixels"),
    # 100 MP: Pillow warns (the pipeline turns the warning into a refusal).
    "png_bomb_100mp": ("bomb.png", lambda: _png_bomb(10_000, 10_000), "image_too_many_pixels"),
    # 900 MP: Pillow refuses outright at open.
    "png_bomb_900mp": ("bomb.png", lambda: _png_bomb(30_000, 30_000), "image_too_many_pixels"),
    "over_10_mb": (
        "huge.jpg",
        lambda: factories.image_bytes("JPEG") + b"\0" * (10 * 1024 * 1024),
        "image_too_large",
    ),
}


def _bytes(spec):
    return spec() if callable(spec) else spec


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_uploads_raise_their_code_and_store_nothing(case, shopper, own_review):
    name, spec, code = REFUSED[case]
    data = _bytes(spec)

    with pytest.raises(ServiceError) as direct:
        image_clean(_upload(name, data))
    assert direct.value.code == code
    assert direct.value.fields.get("photos"), "the message is a field error on the photos field"

    with pytest.raises(ServiceError) as via_service:
        services.review_photo_add(author=shopper, review=own_review, upload=_upload(name, data))
    assert via_service.value.code == code
    assert not ReviewPhoto.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []
    own_review.refresh_from_db()
    assert own_review.has_photos is False


def test_bomb_is_refused_without_decoding_pixels(monkeypatch):
    """The pixel limit is checked from the header: decoding 100 MP would be the attack."""

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("a decompression bomb was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    data = _png_bomb(10_000, 10_000)
    assert len(data) < 100_000  # tiny on disk, 100 MP once decoded
    with pytest.raises(ServiceError) as err:
        image_clean(_upload("bomb.png", data, "image/png"))
    assert err.value.code == "image_too_many_pixels"


def test_pixel_limit_follows_the_setting(settings):
    settings.COCREATE_IMAGE_MAX_PIXELS = 64 * 48 - 1
    with pytest.raises(ServiceError) as err:
        image_clean(_upload("a.jpg", factories.image_bytes("JPEG", size=(64, 48))))
    assert err.value.code == "image_too_many_pixels"
    settings.COCREATE_IMAGE_MAX_PIXELS = 64 * 48
    assert image_clean(_upload("a.jpg", factories.image_bytes("JPEG", size=(64, 48))))[1:] == (64, 48)


def test_byte_limit_is_exactly_ten_megabytes():
    limit = settings.COCREATE_IMAGE_MAX_BYTES
    assert limit == 10 * 1024 * 1024
    jpeg = factories.image_bytes("JPEG")
    # Trailing bytes after the JPEG's end marker are ignored by decoders: exactly at the limit is fine.
    content, _w, _h = image_clean(_upload("edge.jpg", jpeg + b"\0" * (limit - len(jpeg))))
    assert content.size < limit
    with pytest.raises(ServiceError) as err:
        image_clean(_upload("edge.jpg", jpeg + b"\0" * (limit - len(jpeg) + 1)))
    assert err.value.code == "image_too_large"


def test_truncated_jpeg_refused_even_though_header_is_fine():
    cut = _truncated(_noise_jpeg())
    with Image.open(io.BytesIO(cut)) as probe:  # the header alone looks like a healthy JPEG
        assert probe.format == "JPEG" and probe.size == (640, 480)
    with pytest.raises(ServiceError) as err:
        image_clean(_upload("cut.jpg", cut))
    assert err.value.code == "image_invalid"


# --- accepted, and cleaned ---------------------------------------------------------------


def test_exif_and_gps_are_stripped_and_orientation_applied():
    data = _jpeg_with_gps(size=(80, 40))
    with Image.open(io.BytesIO(data)) as original:  # the input really carries GPS
        assert original.getexif().get_ifd(GPS_IFD)[1] == "N"

    content, width, height = image_clean(_upload("trip.jpg", data))
    out = content.read()
    with Image.open(io.BytesIO(out)) as cleaned:
        assert cleaned.format == "JPEG"
        assert dict(cleaned.getexif()) == {}
        assert cleaned.getexif().get_ifd(GPS_IFD) == {}
        assert "exif" not in cleaned.info
        assert cleaned.size == (40, 80)  # orientation 6 was applied to the pixels, then dropped
    assert (width, height) == (40, 80)
    assert b"Exif" not in out and b"SpyCam" not in out


def test_photo_saved_through_the_service_has_no_gps(shopper, own_review, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.review_photo_add(author=shopper, review=own_review, upload=_upload("t.jpg", _jpeg_with_gps()))
    photo.refresh_from_db()
    stored = Path(photo.image.path)
    assert stored.is_file() and Path(settings.MEDIA_ROOT) in stored.parents
    with Image.open(stored) as img:
        assert dict(img.getexif()) == {}
    assert b"SpyCam" not in stored.read_bytes()


def test_png_with_alpha_stays_png_with_alpha():
    img = Image.new("RGBA", (32, 32), (255, 0, 0, 0))
    img.putpixel((5, 5), (0, 255, 0, 200))
    buf = io.BytesIO()
    img.save(buf, format="PNG")

    content, width, height = image_clean(_upload("sticker.png", buf.getvalue(), "image/png"))
    assert content.name.endswith(".png") and (width, height) == (32, 32)
    with Image.open(io.BytesIO(content.read())) as cleaned:
        assert cleaned.format == "PNG" and cleaned.mode == "RGBA"
        assert cleaned.getpixel((0, 0))[3] == 0
        assert cleaned.getpixel((5, 5)) == (0, 255, 0, 200)


def test_gif_with_trailing_html_is_reencoded_without_the_payload():
    content, width, height = image_clean(_upload("anim.gif", _gif_with_html_tail(), "image/gif"))
    out = content.read()
    assert b"<script" not in out and b"<html" not in out
    with Image.open(io.BytesIO(out)) as cleaned:
        assert cleaned.format in {"JPEG", "PNG"} and cleaned.size == (16, 16)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_allowed_formats_are_accepted(fmt):
    content, width, height = image_clean(_upload(f"ok.{fmt.lower()}", factories.image_bytes(fmt)))
    assert (width, height) == (64, 48)
    with Image.open(io.BytesIO(content.read())) as cleaned:
        assert cleaned.format in {"JPEG", "PNG"}
