"""Test settings: the embedded default, or PostgreSQL + Redis when DATABASE_URL /
REDIS_URL are set (as .ci/run does). Celery stays eager here; the end-to-end
tests start a real worker and switch eager off themselves."""
from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Generous limits so ordinary tests never trip them; the throttling test lowers them.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "10000/min", "user": "10000/min", "writes": "10000/min"},
}
ACCOUNT_RATE_LIMITS = False
# Fixtures across the suite post one-word texts ("Nice", "Mine") and expect them published;
# holding low quality is tested with the production threshold in moderation/tests/test_quality*.py.
QUALITY_HOLD_BELOW = 0
