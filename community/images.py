"""The safe image pipeline: review photos, avatars, challenge entry images, poll option
images and product images all pass through it.

Every upload is checked before anything is stored: byte size, that Pillow can
verify it, an allowed format, and the pixel count (decompression bombs are
refused rather than decoded). An accepted image keeps its pixels and nothing else:
its colours are converted to sRGB when it carries an ICC profile, and the result is
copied into a new image whose ``info`` dict is empty before it is encoded. Pillow's
encoders write back what they find in ``info`` (a JPEG or GIF comment becomes a JPEG
COM segment, a PNG keeps its ICC profile), so re-encoding the decoded image alone is
not enough. No metadata block survives: EXIF (GPS included), XMP, IPTC, comments, ICC
profiles, PNG text chunks, nor any payload trailing the image data.
"""
import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from core.errors import ServiceError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
THUMBNAIL_SIZE = (360, 360)
# Modes LittleCMS converts from directly into each output mode; others are converted first.
_PROFILE_INPUT_MODES = {"RGB": ("RGB", "CMYK", "L"), "RGBA": ("RGBA",)}


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
                has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
                icc_profile = img.info.get("icc_profile")
                ImageOps.exif_transpose(img, in_place=True)
                srgb = _to_srgb(img, icc_profile, "RGBA" if has_alpha else "RGB")
            # Closing the decoded image above frees its pixels before the copy is made.
            clean = _pixels_only(srgb)
            del srgb
            out = io.BytesIO()
            if has_alpha:
                clean.save(out, format="PNG", optimize=True)
                ext = "png"
            else:
                clean.save(out, format="JPEG", quality=85, optimize=True)
                ext = "jpg"
            width, height = clean.size
    except ServiceError:
        raise
    except (_TooManyPixels, Image.DecompressionBombError, Image.DecompressionBombWarning):
        msg = _("The image has too many pixels (at most %(mp)d megapixels).") % {"mp": max_pixels // 1_000_000}
        raise ServiceError(msg, code="image_too_many_pixels", fields={field: [msg]}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ServiceError(bad, code="image_invalid", fields={field: [bad]}) from None
    return ContentFile(out.getvalue(), name=f"upload.{ext}"), width, height


def image_thumbnail(data: bytes):
    """Return a ContentFile with a thumbnail of already-clean image bytes.

    The same pixels-only rule applies, so a file stored before the pipeline dropped
    comments and profiles still gets a clean thumbnail.
    """
    with Image.open(io.BytesIO(data)) as img:
        img = _to_srgb(img, img.info.get("icc_profile"), "RGB")
    img.thumbnail(THUMBNAIL_SIZE)
    thumb = _pixels_only(img)
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=80, optimize=True)
    return ContentFile(out.getvalue(), name="thumb.jpg")


def _to_srgb(img, icc_profile, mode):
    """Return img's pixels in ``mode`` (RGB or RGBA), converted to sRGB from its ICC profile if it has one.

    A profile LittleCMS cannot read, or one that does not fit the pixels (a CMYK profile
    on an RGB image), is ignored as browsers ignore it: the photo is kept as decoded.
    """
    if icc_profile:
        source = img if img.mode in _PROFILE_INPUT_MODES[mode] else img.convert(mode)
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            return ImageCms.profileToProfile(source, profile, ImageCms.createProfile("sRGB"), outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass
    return img.convert(mode)


def _pixels_only(img):
    """A new image with img's pixels and an empty ``info``: nothing for an encoder to copy."""
    fresh = Image.new(img.mode, img.size)
    fresh.paste(img)
    return fresh


class _TooManyPixels(Exception):
    pass
