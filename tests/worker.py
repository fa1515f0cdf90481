"""A real Celery worker process for end-to-end tests (fixtures shared through tests/conftest.py).

The worker is a separate `celery -A config worker` process on the non-eager base
settings, pointed at the test database pytest-django created, the same Redis
broker, this test's MEDIA_ROOT and a queue of its own (so it never takes work of
anything else sharing the Redis). ``celery_not_eager`` switches this process's
Celery app off eager for the duration, so `enqueue_on_commit` really sends to the
broker after commit.

Tests using these need ``transactional_db`` (the worker must see committed rows),
PostgreSQL and Redis: mark them ``postgres``, ``redis`` and ``worker``.
"""
import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

READY_TIMEOUT = 60


def database_url():
    """The URL of the database this process uses (the test database, by the time fixtures run)."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


def log_text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else "(no worker log)"


def wait_for(predicate, timeout, what, proc, hint="see the worker log below", interval=0.25):
    """Poll ``predicate`` until it is truthy (and return its value); fail on timeout or if the worker died."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail(f"the worker died while waiting for {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}; {hint}")
        time.sleep(interval)


def worker_queues(worker_queue):
    """The default queue and the prefixed screening / batch / email queues of one test's worker."""
    return [worker_queue, *(f"{worker_queue}.{kind}" for kind in ("screening", "batch", "email"))]


@pytest.fixture
def worker_queue():
    return f"e2e-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def celery_worker_process(transactional_db, worker_queue, tmp_path):
    """A real worker consuming this test's queues (``worker_queues``); always terminated, log
    printed on teardown. ``proc.log_path`` is the worker's log file."""
    with running_worker(worker_queues(worker_queue), worker_queue=worker_queue, log_path=tmp_path / "worker.log") as proc:
        yield proc


@contextmanager
def running_worker(queues, *, worker_queue, log_path):
    """A `celery worker -P solo` process consuming ``queues``, with this test's queue names."""
    redis_url = os.environ["REDIS_URL"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",  # non-eager because REDIS_URL is set
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": worker_queue,
        # screening / batch / email get this worker's own names too (config/queues.py).
        "CELERY_QUEUE_PREFIX": f"{worker_queue}.",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    # Workers read the primary only (core/dbrouting.py); the replica's name is not the test database's.
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DATABASE_REPLICA_URLS"):
        env.pop(name, None)
    node = f"{'-'.join(q.rsplit('.', 1)[-1] for q in queues)}-{worker_queue}"
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "-l", "info", "-P", "solo", "-Q", ",".join(queues),
        "-n", f"{node}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    proc.log_path = log_path
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while " ready." not in log_text(log_path):
            if proc.poll() is not None:
                pytest.fail(f"celery worker exited with {proc.returncode}:\n{log_text(log_path)}")
            if time.monotonic() > deadline:
                pytest.fail(f"celery worker not ready after {READY_TIMEOUT}s:\n{log_text(log_path)}")
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
        print(f"----- celery worker log ({' '.join(cmd)}) -----\n{log_text(log_path)}")


@pytest.fixture
def celery_not_eager(worker_queue):
    """Make this process publish to the broker (and to the worker's queue) instead of running tasks inline."""
    conf = celery_app.conf
    saved = {k: conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue", "queue_prefix")}
    conf.task_always_eager = False
    conf.broker_url = os.environ["REDIS_URL"]
    conf.task_default_queue = worker_queue
    conf.queue_prefix = f"{worker_queue}."
    try:
        yield
    finally:
        # The broker connection pool is left open: eager apply_async acquires a producer from it too.
        conf.update(saved)
