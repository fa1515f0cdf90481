"""Fixtures for the tests in this folder (the shared ones live in the root conftest.py)."""
from tests.worker import celery_not_eager, celery_worker_process, worker_queue  # noqa: F401  (fixtures)
