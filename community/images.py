"""The safe image pipeline used by review photos, avatars and later entry images.

Every upload is checked before anything is stored: byte size, that Pillow can
verify it, an allowed format, and the pixel count (decompression bombs are
refused rather than decoded). Accepted images are re-encoded from pixels, so
EXIF (GPS included) and any trailing payload are dropped.
"""
import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import ServiceError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
THUMBNAIL_SIZE = (360, 360)


def _limit_bytes():
    return settings.COCREATE_IMAGE_MAX_BYTES


def _limit_pixels():
    return settings.COCREATE_IMAGE_MAX_PIXELS


def image_clean(upload, *, field="photos"):
    """Validate an uploaded file and return ``(ContentFile, width, height)`` of a clean JPEG/PNG.

    Raises ServiceError with a user-facing message; nothing is written anywhere.
    """
    size = getattr(upload, "size", None)
    if size is None or size == 0:
        raise ServiceError(_("The file is empty."), code="image_empty", fields={field: [_("The file is empty.")]})
    if size > _limit_bytes():
        msg = _("The image is larger than %(mb)d MB.") % {"mb": _limit_bytes() // (1024 * 1024)}
        raise ServiceError(msg, code="image_too_large", fields={field: [msg]})

    upload.seek(0)
    raw = upload.read()
    max_pixels = _limit_pixels()
    bad = _("This file is not a valid image (JPEG, PNG, WebP or GIF).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in ALLOWED_FORMATS:
                    raise ServiceError(bad, code="image_format", fields={field: [bad]})
                if width * height > max_pixels:
                    raise _TooManyPixels()
                probe.verify()
            # verify() leaves the image unusable: open again to decode the pixels.
            with Image.open(io.BytesIO(raw)) as img:
                img.load()
                img = ImageOps.exif_transpose(img)
                has_alpha = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
                img = img.convert("RGBA" if has_alpha else "RGB")
                out = io.BytesIO()
                if has_alpha:
                    img.save(out, format="PNG", optimize=True)
                    ext = "png"
                else:
                    img.save(out, format="JPEG", quality=85, optimize=True)
                    ext = "jpg"
                width, height = img.size
    except ServiceError:
        raise
    except (_TooManyPixels, Image.DecompressionBombError, Image.DecompressionBombWarning):
        msg = _("The image has too many pixels (at most %(mp)d megapixels).") % {"mp": max_pixels // 1_000_000}
        raise ServiceError(msg, code="image_too_many_pixels", fields={field: [msg]}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ServiceError(bad, code="image_invalid", fields={field: [bad]}) from None
    return ContentFile(out.getvalue(), name=f"upload.{ext}"), width, height


def image_thumbnail(data: bytes):
    """Return a ContentFile with a thumbnail of already-clean image bytes."""
    with Image.open(io.BytesIO(data)) as img:
        img = img.convert("RGB")
        img.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        img.save(out, format="JPEG", quality=80, optimize=True)
    return ContentFile(out.getvalue(), name="thumb.jpg")


class _TooManyPixels(Exception):
    pass
