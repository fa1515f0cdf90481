"""Settings in fresh interpreters: production refuses to start without its variables,
passes Django's deploy checklist with them, and the embedded default needs nothing.

Each case runs in a subprocess with a scrubbed environment, so neither this test
process's settings nor the developer's shell leak in.
"""
import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings

BASE_DIR = settings.BASE_DIR
REQUIRED = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS")
PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://cocreate:not-a-real-password@db.internal:5432/cocreate",
    "REDIS_URL": "redis://cache.internal:6379/0",
    # 50+ characters, many distinct ones, no "django-insecure-" prefix: what check --deploy wants.
    "SECRET_KEY": "t3st-" + "Qw9#vL2$kP8&zR5!mN1@xB7%cJ4^hF6*gD3(sA0)" * 2,
    "ALLOWED_HOSTS": "example.com,www.example.com",
}

DUMP_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
from config.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": db["ENGINE"],
    "DB_NAME": str(db["NAME"]),
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "APP_EAGER": app.conf.task_always_eager,
    "APP_BROKER": app.conf.broker_url,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "SECRET_KEY_LEN": len(settings.SECRET_KEY),
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "ACCOUNT_EMAIL_VERIFICATION": settings.ACCOUNT_EMAIL_VERIFICATION,
}))
"""


def _scrubbed_env(settings_module, **extra):
    """Only what a Python process needs to run, plus the given variables."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def _run(args, env, timeout=120):
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )


def _dump(settings_module, **extra):
    proc = _run(["-c", DUMP_SETTINGS], _scrubbed_env(settings_module, **extra))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- production refuses to start --------------------------------------------------------


def test_production_with_empty_environment_names_every_missing_variable():
    proc = _run(["-c", "import django; django.setup()"], _scrubbed_env("config.settings.production"))
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr
    assert "Production settings need these environment variables: " + ", ".join(REQUIRED) in proc.stderr
    assert ".env.example" in proc.stderr


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_names_the_one_missing_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    proc = _run(["-c", "import django; django.setup()"], _scrubbed_env("config.settings.production", **env))
    assert proc.returncode != 0
    line = next(ln for ln in proc.stderr.splitlines() if "Production settings need" in ln)
    assert line.endswith(f"environment variables: {missing}. See .env.example and the configuration table in README.md.")
    for present in set(REQUIRED) - {missing}:
        assert present not in line


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_treats_an_empty_value_as_missing(missing):
    env = {**PRODUCTION_ENV, missing: ""}
    proc = _run(["manage.py", "check"], _scrubbed_env("config.settings.production", **env))
    assert proc.returncode != 0
    assert f"environment variables: {missing}." in proc.stderr


def test_production_refuses_sqlite():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "sqlite:////tmp/cocreate.sqlite3"}
    proc = _run(["manage.py", "check"], _scrubbed_env("config.settings.production", **env))
    assert proc.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in proc.stderr


# --- production with everything set ------------------------------------------------------


def test_production_passes_the_deploy_checklist():
    # check --deploy opens no database or Redis connection: the hosts above need not exist.
    proc = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _scrubbed_env("config.settings.production", **PRODUCTION_ENV),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues" in proc.stdout


def test_production_values():
    values = _dump("config.settings.production", **PRODUCTION_ENV)
    assert values["DEBUG"] is False
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["CACHE"] == "django_redis.cache.RedisCache"
    assert values["EAGER"] is False and values["APP_EAGER"] is False
    assert values["APP_BROKER"] == PRODUCTION_ENV["REDIS_URL"]
    assert values["ALLOWED_HOSTS"] == ["example.com", "www.example.com"]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["ACCOUNT_EMAIL_VERIFICATION"] == "mandatory"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_production_rejects_a_weak_secret_key_in_the_deploy_check():
    """Guards the test above: the deploy check really looks at the values we pass."""
    env = {**PRODUCTION_ENV, "SECRET_KEY": "short"}
    proc = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _scrubbed_env("config.settings.production", **env),
        timeout=300,
    )
    assert proc.returncode != 0
    assert "security.W009" in proc.stdout + proc.stderr


# --- the embedded default ------------------------------------------------------------------


def test_embedded_default_runs_with_no_environment():
    env = _scrubbed_env("config.settings.base")
    assert not {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "CELERY_BROKER_URL"} & set(env)
    proc = _run(["manage.py", "check"], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues" in proc.stdout


def test_embedded_default_values():
    values = _dump("config.settings.base")
    assert values["DEBUG"] is True
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["DB_NAME"] == str(BASE_DIR / "db.sqlite3")
    assert values["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["EAGER"] is True and values["APP_EAGER"] is True  # no broker: tasks run in-process
    assert values["APP_BROKER"] == "memory://"
    assert values["EMAIL_BACKEND"] == "core.mail.ConsoleEmailBackend"  # the console, decoded, under a banner
    assert values["SECRET_KEY_LEN"] >= 50


def test_manage_py_defaults_to_the_embedded_settings():
    env = _scrubbed_env("config.settings.base")
    del env["DJANGO_SETTINGS_MODULE"]
    proc = _run(["manage.py", "diffsettings", "--output", "unified"], env)
    assert proc.returncode == 0, proc.stderr
    assert "sqlite3" in proc.stdout


def test_base_with_redis_url_uses_a_real_broker_and_cache():
    """What `make worker` relies on: a REDIS_URL alone turns eager mode off."""
    values = _dump("config.settings.base", REDIS_URL="redis://127.0.0.1:6379/3")
    assert values["EAGER"] is False and values["APP_EAGER"] is False
    assert values["APP_BROKER"] == "redis://127.0.0.1:6379/3"
    assert values["CACHE"] == "django_redis.cache.RedisCache"


# --- .env.example ------------------------------------------------------------------------------

ENV_READ = re.compile(r"""\benv(?:\.[a-z]+)?\(\s*["']([A-Z][A-Z0-9_]*)["']|os\.environ(?:\.get)?[\[(]\s*["']([A-Z][A-Z0-9_]*)""")


def test_env_example_documents_every_variable_the_settings_read():
    read = set()
    for path in (BASE_DIR / "config" / "settings").glob("*.py"):
        for match in ENV_READ.finditer(path.read_text()):
            read.add(match.group(1) or match.group(2))
    read |= set(REQUIRED)
    example = (BASE_DIR / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, flags=re.M))
    assert read - documented == set(), "add these to .env.example"
    assert "DJANGO_SETTINGS_MODULE" in documented
