"""The upload pipeline (community/images.py) against real hostile and awkward files.

Every refused upload is driven through ``review_photo_add`` as well, to prove the
refusal happens before anything reaches the database or MEDIA_ROOT. Accepted files are
checked by walking the stored bytes (tests/fixtures/image_files.py), not Pillow's
``info``: no metadata block of any kind may survive. The same files through HTTP are
in test_upload_fuzz.py.
"""
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from community import services
from community.images import image_clean, image_thumbnail
from community.models import ReviewPhoto
from core.errors import ServiceError
from tests import factories
from tests.fixtures.image_files import (
    GPS_IFD,
    gif_with_comment,
    jpeg_segments,
    jpeg_with_comment,
    jpeg_with_everything,
    jpeg_with_gps,
    jpeg_with_xmp_and_iptc,
    metadata_blocks,
    noise_jpeg,
    png_bomb,
    png_with_text_chunks,
    swapped_rgb_profile,
    truncated,
    webp_with_metadata,
)

# --- building the inputs ---------------------------------------------------------------


def _gif_with_html_tail():
    buf = io.BytesIO()
    Image.new("P", (16, 16), 3).save(buf, format="GIF")
    return buf.getvalue() + b"<html><script>alert(document.cookie)</script></html>"


def _jpeg_with_profile(icc_profile, mode="RGB", color=(200, 30, 30)):
    buf = io.BytesIO()
    Image.new(mode, (64, 48), color).save(buf, format="JPEG", quality=95, icc_profile=icc_profile)
    return buf.getvalue()


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
    "truncated_jpeg": ("cut.jpg", lambda: truncated(noise_jpeg()), "image_invalid"),
    "jpeg_magic_then_html": ("x.jpg", b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>", "image_invalid"),
    "svg_with_script": ("logo.png", SVG_SCRIPT, "image_invalid"),
    "html_page": ("page.jpg", b"<!doctype html><html><body onload=alert(1)>hi</body></html>", "image_invalid"),
    "bmp": ("old.bmp", lambda: factories.image_bytes("BMP"), "image_format"),
    "tiff": ("scan.tif", lambda: factories.image_bytes("TIFF"), "image_format"),
    # 49 MP: under Pillow's own bomb threshold, so our COCREATE_IMAGE_MAX_PIXELS refuses it.
    "over_our_pixel_limit": ("big.png", lambda: png_bomb(7000, 7000), "image_too_many_pixels"),
    # 100 MP: Pillow warns (the pipeline turns the warning into a refusal).
    "png_bomb_100mp": ("bomb.png", lambda: png_bomb(10_000, 10_000), "image_too_many_pixels"),
    # 900 MP: Pillow refuses outright at open.
    "png_bomb_900mp": ("bomb.png", lambda: png_bomb(30_000, 30_000), "image_too_many_pixels"),
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
    data = png_bomb(10_000, 10_000)
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
    cut = truncated(noise_jpeg())
    with Image.open(io.BytesIO(cut)) as probe:  # the header alone looks like a healthy JPEG
        assert probe.format == "JPEG" and probe.size == (640, 480)
    with pytest.raises(ServiceError) as err:
        image_clean(_upload("cut.jpg", cut))
    assert err.value.code == "image_invalid"


# --- accepted, and cleaned ---------------------------------------------------------------


def test_exif_and_gps_are_stripped_and_orientation_applied():
    data = jpeg_with_gps(size=(80, 40))
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
        photo = services.review_photo_add(author=shopper, review=own_review, upload=_upload("t.jpg", jpeg_with_gps()))
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


# --- pixels only: no metadata block of any kind survives -----------------------------------

METADATA = {
    # name: (bytes maker, blocks the input carries (prefixes), format the pipeline stores)
    "jpeg_exif_gps": (jpeg_with_gps, ["JPEG APP1 b'Exif"], "JPEG"),
    "jpeg_com_html": (jpeg_with_comment, ["JPEG COM"], "JPEG"),
    "jpeg_xmp_iptc": (jpeg_with_xmp_and_iptc, ["JPEG APP1 b'http://ns.adob", "JPEG APP13"], "JPEG"),
    "jpeg_icc": (lambda: _jpeg_with_profile(swapped_rgb_profile()), ["JPEG APP2 b'ICC_PROFILE"], "JPEG"),
    "jpeg_everything": (
        jpeg_with_everything,
        ["JPEG APP1 b'Exif", "JPEG APP1 b'http", "JPEG APP2", "JPEG APP13", "JPEG COM", "JPEG trailing data"],
        "JPEG",
    ),
    "png_text_icc_exif": (png_with_text_chunks, ["PNG tEXt", "PNG zTXt", "PNG iTXt", "PNG iCCP", "PNG eXIf"], "JPEG"),
    # With alpha the result stays a PNG: Pillow's PNG encoder copies an ICC profile from info.
    "png_alpha_text_icc_exif": (
        lambda: png_with_text_chunks("RGBA", (200, 80, 40, 128)),
        ["PNG tEXt", "PNG zTXt", "PNG iTXt", "PNG iCCP", "PNG eXIf"],
        "PNG",
    ),
    # Pillow's JPEG encoder writes a GIF's comment back as a COM segment.
    "gif_comment": (gif_with_comment, ["GIF comment extension", "GIF trailing data"], "JPEG"),
    "gif_transparent_comment": (
        lambda: gif_with_comment(transparent=True), ["GIF comment extension", "GIF trailing data"], "PNG"
    ),
    "webp_exif_xmp_icc": (webp_with_metadata, ["WebP EXIF", "WebP XMP", "WebP ICCP"], "JPEG"),
}


def _has_block(found, prefix):
    return any(block.startswith(prefix) for block in found)


@pytest.mark.parametrize("case", list(METADATA))
def test_no_metadata_block_survives(case):
    make, carried, stored_format = METADATA[case]
    data = make()
    found = metadata_blocks(data)
    assert all(_has_block(found, prefix) for prefix in carried), found  # the input really carries them

    content, width, height = image_clean(_upload("upload.bin", data))
    out = content.read()
    assert metadata_blocks(out) == []
    for payload in (b"secret", b"<script", b"<html", b"SpyCam", b"ICC_PROFILE", b"Photoshop"):
        assert payload not in out
    with Image.open(io.BytesIO(out)) as cleaned:
        assert cleaned.format == stored_format
        assert cleaned.size == (width, height)
    assert content.name == "upload." + {"JPEG": "jpg", "PNG": "png"}[stored_format]


def test_jpeg_walker_sees_a_comment_left_in_a_reencoded_file():
    """The parser the tests rely on finds a COM segment Pillow writes itself."""
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="JPEG", comment=b"kept")
    assert (0xFE, b"kept") in jpeg_segments(buf.getvalue())
    assert metadata_blocks(buf.getvalue()) == ["JPEG COM"]


def test_icc_profile_is_converted_to_srgb_then_dropped():
    # (200, 30, 30) in a space whose red and green primaries are swapped is sRGB green.
    data = _jpeg_with_profile(swapped_rgb_profile(), color=(200, 30, 30))
    content, _w, _h = image_clean(_upload("wide.jpg", data))
    out = content.read()
    assert metadata_blocks(out) == []
    with Image.open(io.BytesIO(out)) as cleaned:
        red, green, blue = cleaned.getpixel((32, 24))
    assert green > 170 and red < 60 and blue < 60, (red, green, blue)


def test_icc_conversion_keeps_alpha():
    img = Image.new("RGBA", (32, 32), (200, 30, 30, 120))
    img.putpixel((0, 0), (0, 0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG", icc_profile=swapped_rgb_profile())

    content, _w, _h = image_clean(_upload("sticker.png", buf.getvalue(), "image/png"))
    out = content.read()
    assert metadata_blocks(out) == []
    with Image.open(io.BytesIO(out)) as cleaned:
        assert cleaned.format == "PNG" and cleaned.mode == "RGBA"
        assert cleaned.getpixel((0, 0))[3] == 0
        red, green, blue, alpha = cleaned.getpixel((5, 5))
    assert alpha == 120 and green > 170 and red < 60, (red, green, blue, alpha)


@pytest.mark.parametrize(
    "icc_profile, mode, color",
    [
        (b"not an ICC profile at all " * 8, "RGB", (200, 30, 30)),
        (swapped_rgb_profile(), "L", 90),  # an RGB profile on greyscale pixels
    ],
    ids=["unreadable", "wrong_colour_space"],
)
def test_unusable_icc_profile_is_dropped_and_the_photo_kept(icc_profile, mode, color):
    data = _jpeg_with_profile(icc_profile, mode=mode, color=color)
    assert _has_block(metadata_blocks(data), "JPEG APP2 b'ICC_PROFILE")

    content, width, height = image_clean(_upload("odd.jpg", data))
    out = content.read()
    assert metadata_blocks(out) == [] and (width, height) == (64, 48)
    with Image.open(io.BytesIO(out)) as cleaned:
        pixel = cleaned.getpixel((32, 24))
    expected = color if mode == "RGB" else (color,) * 3
    assert all(abs(a - b) <= 6 for a, b in zip(pixel, expected)), pixel  # colours left as decoded


def test_thumbnail_keeps_pixels_only():
    """A photo stored before the pipeline dropped comments and profiles still gets a clean thumbnail."""
    thumb = image_thumbnail(jpeg_with_everything()).read()
    assert metadata_blocks(thumb) == []
    assert b"secret" not in thumb and b"<script" not in thumb
    with Image.open(io.BytesIO(thumb)) as img:
        assert img.format == "JPEG" and img.size == (64, 48)


def test_thumbnail_of_a_profiled_png_is_converted_to_srgb():
    buf = io.BytesIO()
    Image.new("RGB", (720, 360), (200, 30, 30)).save(buf, format="PNG", icc_profile=swapped_rgb_profile())
    thumb = image_thumbnail(buf.getvalue()).read()
    assert metadata_blocks(thumb) == []
    with Image.open(io.BytesIO(thumb)) as img:
        assert img.size == (360, 180)
        red, green, _blue = img.getpixel((100, 100))
    assert green > 170 and red < 60
