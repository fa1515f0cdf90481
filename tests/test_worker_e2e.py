"""End to end through a real Celery worker process, Redis broker and PostgreSQL.

The worker fixtures (``celery_worker_process``, ``celery_not_eager``) live in
tests/worker.py: a separate `celery -A config worker` process on the test database,
the same Redis broker, this test's MEDIA_ROOT and a queue of its own.
"""
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community import services
from community.models import ReviewPhoto
from tests.worker import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

TASK_TIMEOUT = 30


def _photo_bytes(size=(1600, 1200)):
    buf = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def test_thumbnail_is_made_by_a_real_worker(celery_worker_process, celery_not_eager, shopper, product, monkeypatch):
    make_thumbnail = services.review_photo_make_thumbnail

    def not_in_this_process(**kwargs):
        raise AssertionError("the thumbnail task ran in the test process, not in the worker")

    monkeypatch.setattr(services, "review_photo_make_thumbnail", not_in_this_process)

    review, _ = services.review_post(author=shopper, product=product, rating=5, text="拍了几张实物图")
    photo = services.review_photo_add(
        author=shopper,
        review=review,
        upload=SimpleUploadedFile("real.jpg", _photo_bytes(), "image/jpeg"),
    )

    wait_for(
        lambda: bool(ReviewPhoto.objects.get(pk=photo.pk).thumbnail),
        TASK_TIMEOUT,
        "the worker to set ReviewPhoto.thumbnail",
        celery_worker_process,
        "see the worker log below",
    )

    photo.refresh_from_db()
    image_path, thumb_path = Path(photo.image.path), Path(photo.thumbnail.path)
    assert Path(settings.MEDIA_ROOT) in thumb_path.parents, "the worker wrote into this test's MEDIA_ROOT"
    assert thumb_path.is_file() and image_path.is_file()
    assert thumb_path.stat().st_size < image_path.stat().st_size
    with Image.open(thumb_path) as thumb:
        assert thumb.format == "JPEG"
        assert max(thumb.size) <= 360
        assert thumb.size[0] / thumb.size[1] == pytest.approx(1600 / 1200, rel=0.01)

    # The task is idempotent: running the service again finds the work done.
    monkeypatch.setattr(services, "review_photo_make_thumbnail", make_thumbnail)
    assert services.review_photo_make_thumbnail(photo_id=photo.pk) is False
