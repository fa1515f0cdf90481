"""WSGI app for ``manage.py bench_web``: the real settings, plus /bench/trivial/.

Only ROOT_URLCONF changes, before the first request, so every other setting
(middleware, cache, database) is exactly what config.wsgi would serve.
"""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

settings.ROOT_URLCONF = "devtools.benchurls"
application = get_wsgi_application()
