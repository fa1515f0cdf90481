"""End to end through a real Celery worker process, Redis broker and PostgreSQL.

The worker is a separate `celery -A config worker` process on the non-eager base
settings, pointed at the test database pytest-django created, the same Redis
broker, this test's MEDIA_ROOT and a queue of its own (so it never takes work of
anything else sharing the Redis). This process switches the Celery app off eager
for the duration, so `enqueue_on_commit` really sends to the broker after commit.
"""
import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from community import services
from community.models import ReviewPhoto
from config.celery import app as celery_app

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
]

READY_TIMEOUT = 60
TASK_TIMEOUT = 30


def _database_url():
    db = connection.settings_dict  # NAME is the test database's name by now
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


def _log_text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else "(no worker log)"


@pytest.fixture
def worker_queue():
    return f"e2e-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def celery_worker_process(transactional_db, worker_queue, tmp_path):
    """A real worker consuming only ``worker_queue``; always terminated, log printed on teardown."""
    redis_url = os.environ["REDIS_URL"]
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",  # non-eager because REDIS_URL is set
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": worker_queue,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(name, None)
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "-l", "info", "-P", "solo", "-Q", worker_queue,
        "-n", f"{worker_queue}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while " ready." not in _log_text(log_path):
            if proc.poll() is not None:
                pytest.fail(f"celery worker exited with {proc.returncode}:\n{_log_text(log_path)}")
            if time.monotonic() > deadline:
                pytest.fail(f"celery worker not ready after {READY_TIMEOUT}s:\n{_log_text(log_path)}")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        # Captured by pytest and shown only when the test fails.
        print(f"----- celery worker log ({' '.join(cmd)}) -----\n{_log_text(log_path)}")


@pytest.fixture
def celery_not_eager(worker_queue):
    """Make this process publish to the broker (and to the worker's queue) instead of running tasks inline."""
    conf = celery_app.conf
    saved = {k: conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    conf.task_always_eager = False
    conf.broker_url = os.environ["REDIS_URL"]
    conf.task_default_queue = worker_queue
    try:
        yield
    finally:
        # The broker connection pool is left open: eager apply_async acquires a producer from it too.
        conf.update(saved)


def _photo_bytes(size=(1600, 1200)):
    buf = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _wait_for(predicate, timeout, what, proc, log_hint):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            pytest.fail(f"the worker died while waiting for {what}")
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout}s waiting for {what}; {log_hint}")


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

    _wait_for(
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
