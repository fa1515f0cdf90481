"""Fuzz the JSON API against its own published schema with schemathesis.

    python manage.py fuzz_api --report-dir artifacts/fuzz

In the configured database it makes a shopper with an API token and a product with a
review (idempotent: a second run reuses them). It serves the app with gunicorn on a free
127.0.0.1 port (DEBUG off as in production, throttles out of the way, Celery eager, media
in a temporary folder) and runs ``st run`` over /api/schema/ twice: anonymous, then with
the shopper's token. Every operation, a bounded number of examples each, with the checks
"no server error" and "response conforms to the schema".

Writes to --report-dir: ``<run>.junit.xml`` and ``<run>.txt`` (schemathesis' output,
with curl commands that reproduce each failure) for each run, and ``server.log`` (the
server's tracebacks). Prints a summary and exits non-zero on any failure.
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from community import services
from community.models import Product
from devtools import benchutil, demodata

SHOPPER_EMAIL = "fuzz-shopper@example.com"
AUTHOR_EMAIL = "fuzz-author@example.com"
PRODUCT_SLUG = "fuzz-product"
CHECKS = "not_a_server_error,response_schema_conformance"
# Limits far past what the fuzzer sends, so throttling (tested elsewhere) never hides an answer.
UNTHROTTLED = "1000000/min"


class Command(BaseCommand):
    help = ("Fuzz every API operation with schemathesis (anonymous and with a shopper token) against a server "
            "started on 127.0.0.1; non-zero exit on any server error or schema mismatch.")

    def add_arguments(self, parser):
        parser.add_argument("--report-dir", default="artifacts/fuzz", help="where reports and the server log go")
        parser.add_argument("--max-examples", type=int, default=25, help="test cases per operation and phase")
        parser.add_argument("--seed", type=int, default=20_260_101,
                            help="schemathesis seed (fixed by default, so a CI failure reproduces)")
        parser.add_argument("--phases", default="examples,coverage,fuzzing",
                            help="schemathesis phases (examples, coverage, fuzzing, stateful)")
        parser.add_argument("--checks", default=CHECKS, help="schemathesis checks")
        parser.add_argument("--run-timeout", type=int, default=150,
                            help="seconds one schemathesis run may take before it counts as failed")
        parser.add_argument("--only", choices=["anonymous", "shopper"], action="append",
                            help="run only these (repeatable)")
        parser.add_argument("--st-arg", action="append", default=[], metavar="ARG",
                            help="pass ARG on to `st run` (repeatable), e.g. --st-arg=--continue-on-failure")

    def handle(self, *args, **o):
        started = time.monotonic()
        report_dir = Path(o["report_dir"]).resolve()
        report_dir.mkdir(parents=True, exist_ok=True)
        token, known = self._data()
        config = report_dir / "schemathesis.toml"
        config.write_text(_config(known))
        runs = [("anonymous", None), ("shopper", token)]
        runs = [run for run in runs if not o["only"] or run[0] in o["only"]]

        media = tempfile.mkdtemp(prefix="cocreate-fuzz-media-")
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = self._serve(port, media, report_dir / "server.log")
        results = []
        try:
            if not benchutil.wait_until_up(f"{base}/api/schema/", timeout=60):
                raise CommandError(f"the server did not answer on {base}; see {report_dir / 'server.log'}")
            for name, key in runs:
                results.append(self._run(name, key, base, report_dir, config, o))
        finally:
            benchutil.stop_process_group(server)
            shutil.rmtree(media, ignore_errors=True)

        self._summary(results, time.monotonic() - started, report_dir, o["checks"])
        failed = [r for r in results if not r["ok"]]
        if failed:
            raise CommandError(
                "API fuzzing failed: " + ", ".join(r["name"] for r in failed) + f" (reports in {report_dir})"
            )

    # --- data ------------------------------------------------------------------------------

    def _data(self):
        """The shopper (with its token) and a product with reviews; returns the token key and the
        identifiers of that data, which the fuzzer mixes into the values it makes up."""
        users = get_user_model().objects
        # No password (an unusable one): the shopper signs in with its token only.
        shopper = users.filter(email=SHOPPER_EMAIL).first() or users.create_user(email=SHOPPER_EMAIL, password=None)
        author = users.filter(email=AUTHOR_EMAIL).first() or users.create_user(email=AUTHOR_EMAIL, password=None)
        token, _ = Token.objects.get_or_create(user=shopper)
        # The catalog has no service (brand staff edit it in the admin); the demo data writes it the same way.
        brands, categories = demodata.catalog_ensure()
        product, _ = Product.objects.update_or_create(
            slug=PRODUCT_SLUG,
            defaults={
                "brand": next(iter(brands.values())),
                "category": next(iter(categories.values())),
                "name_zh": "模糊测试产品",
                "name_en": "Fuzz test product",
                "description_zh": "接口模糊测试用的产品。",
                "description_en": "A product for API fuzzing.",
                "is_active": True,
            },
        )
        review, _ = services.review_post(author=author, product=product, rating=4,
                                         text="Soft, light and it lasts all day.")
        own, _ = services.review_post(author=shopper, product=product, rating=5)
        return token.key, {"slug": [product.slug], "review_id": [review.pk, own.pk]}

    # --- server and runs ---------------------------------------------------------------------

    def _serve(self, port, media, log_path):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
            "DEBUG": "false",
            "MEDIA_ROOT": media,
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "CONN_MAX_AGE": "60",  # one database connection for the run, not one per request
            "LOG_LEVEL": "WARNING",  # server.log: one line per 4xx, and the tracebacks
            "API_THROTTLE_ANON": UNTHROTTLED,
            "API_THROTTLE_USER": UNTHROTTLED,
            "API_THROTTLE_WRITES": UNTHROTTLED,
            "QUALITY_COACH_THROTTLE": UNTHROTTLED,
            "PYTHONUNBUFFERED": "1",
        }
        # One request at a time (schemathesis runs one worker): SQLite has no concurrent writers.
        cmd = [
            str(benchutil.VENV_BIN / "gunicorn"), "config.wsgi:application", "-w", "1", "--threads", "1",
            "-b", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning",
        ]
        log = open(log_path, "wb")  # noqa: SIM115 (the child owns it until it stops)
        # Its own session, so stopping it stops exactly its workers and nothing else.
        return subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def _run(self, name, token, base, report_dir, config, o):
        junit = report_dir / f"{name}.junit.xml"
        text = report_dir / f"{name}.txt"
        junit.unlink(missing_ok=True)  # a report left by an earlier run must not count for this one
        cmd = [
            str(benchutil.VENV_BIN / "st"), "--config-file", str(config), "run", f"{base}/api/schema/?format=json",
            "--checks", o["checks"],
            "--phases", o["phases"],
            "--max-examples", str(o["max_examples"]),
            "--seed", str(o["seed"]),
            "--workers", "1",
            "--request-timeout", "30",
            "--generation-database", "none",
            "--report", "junit",
            "--report-dir", str(report_dir),
            "--report-junit-path", str(junit),
            "--no-color",
        ]
        if token:
            cmd += ["--header", f"Authorization: Token {token}"]
        cmd += o["st_arg"]
        self.stdout.write(f"--> {name}: st run ... (max {o['max_examples']} examples an operation)")
        started = time.monotonic()
        timed_out = False
        # A scratch working directory: schemathesis keeps a cache (.schemathesis/) in it.
        with open(text, "w") as out, tempfile.TemporaryDirectory(prefix="cocreate-fuzz-") as scratch:
            try:
                proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=o["run_timeout"],
                                      cwd=scratch, start_new_session=True, check=False)
                code = proc.returncode
            except subprocess.TimeoutExpired:
                timed_out, code = True, None
        seconds = time.monotonic() - started
        counts = _junit_counts(junit)
        ok = code == 0 and not timed_out and counts["tests"] > 0
        result = {"name": name, "ok": ok, "code": code, "timed_out": timed_out, "seconds": seconds,
                  "text": text, "junit": junit, **counts}
        # schemathesis' failures (with curl commands that reproduce them) and summary go to the CI log too.
        self.stdout.write("\n".join(_sections(text.read_text(errors="replace"), ("FAILURES", "ERRORS", "SUMMARY"))))
        return result

    def _summary(self, results, seconds, report_dir, checks):
        self.stdout.write("")
        self.stdout.write(f"API fuzzing summary (checks: {checks})")
        for r in results:
            state = "ok" if r["ok"] else ("TIMED OUT" if r["timed_out"] else "FAILED")
            self.stdout.write(
                f"  {r['name']:<10} {state:<9} {r['tests']:>3} operations, {r['failures']} failed, "
                f"{r['errors']} errors, {r['seconds']:.0f} s  ({r['text'].name}, {r['junit'].name})"
            )
        log = report_dir / "server.log"
        tracebacks = log.read_text(errors="replace").count("Traceback (most recent call last)") if log.exists() else 0
        self.stdout.write(f"  server tracebacks: {tracebacks} (server.log)")
        self.stdout.write(f"  total {seconds:.0f} s; reports in {report_dir}")


def _config(known):
    """schemathesis.toml: half the values of these parameters are the real ones, so operations on
    existing objects are exercised (and their responses checked), not only their 404s."""
    lines = ["[dictionaries]"]
    lines += [f"fuzz-{name} = {{ values = {json.dumps(values)} }}" for name, values in known.items()]
    lines += ["", "[parameters]"]
    lines += [f'"path.{name}" = {{ dictionary = "fuzz-{name}", probability = 0.5 }}' for name in known]
    lines += ['"body.product" = { dictionary = "fuzz-slug", probability = 0.5 }', ""]
    return "\n".join(lines)


def _sections(text, titles):
    """The lines of schemathesis' ``==== TITLE ====`` sections with these titles."""
    keep, out = False, []
    for line in text.splitlines():
        if line.startswith("====") and line.endswith("===="):
            keep = any(f" {title} " in line for title in titles) or not line.strip("= ").isupper()
        if keep:
            out.append(line)
    return out


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _junit_counts(path):
    counts = {"tests": 0, "failures": 0, "errors": 0}
    if not path.exists():
        return counts
    root = ET.parse(path).getroot()
    for suite in [root] if root.tag == "testsuite" else root.iter("testsuite"):
        for key in counts:
            counts[key] += int(suite.get(key, 0))
    return counts
