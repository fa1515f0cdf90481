"""The web benchmark: 1M reviews on PostgreSQL, gunicorn + Redis cache, locust at 20 clients.

    python manage.py bench_web                # drop + create the bench DB, seed, measure
    python manage.py bench_web --skip-seed    # measure again on the data already there
    python manage.py bench_web --skip-seed --queries   # SQL per page, EXPLAIN ANALYZE of slow ones

Each target is measured alone (all clients on one URL, no think time) and
compared with the goals: product page p95 <= 100 ms, review list API p95 <= 50
ms, product page throughput >= 40% of a trivial Django view on the same server.
The load generator runs on the same machine and takes CPU from the server; the
output shows how the cores were shared.
"""
import json
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from devtools import benchutil
from devtools.management.commands.seed import HOT_SLUG

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cocreate_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
GOAL_PRODUCT_P95 = 100.0
GOAL_API_P95 = 50.0
GOAL_THROUGHPUT_SHARE = 0.40
# Issue 16: signed-in targets against the trivial view, by throughput or server CPU per request.
SHARE_GOALS = {"product": GOAL_THROUGHPUT_SHARE, "product-signed-in": 0.25, "api-signed-in": 0.30}
GOAL_FIRST_VISITOR_CPU_MS = 10.0
BENCH_SHOPPER = "bench-shopper@bench.example"
BENCH_STAFF = "bench-staff@bench.example"
GOAL_DASHBOARD_P95 = 150.0  # issue 12: the dashboard's p95 at 10 concurrent staff users


class Command(BaseCommand):
    help = "Seed 1M reviews on PostgreSQL, serve with gunicorn, load with locust, print p50/p95/p99 and req/s."

    def add_arguments(self, parser):
        parser.add_argument("--skip-seed", action="store_true", help="reuse the data in the bench database")
        parser.add_argument("--duration", type=int, default=30, help="seconds per target")
        parser.add_argument("--users", type=int, default=20, help="concurrent locust clients")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
        parser.add_argument("--rounds", type=int, default=1,
                            help="measure every target this many times (interleaved) and report, per target, "
                                 "the round least disturbed by unrelated processes")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
        parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
        parser.add_argument("--seed-users", type=int, default=100_000)
        parser.add_argument("--seed-reviews", type=int, default=1_000_000)
        parser.add_argument("--seed-hot-reviews", type=int, default=10_000)
        parser.add_argument("--seed-products", type=int, default=2_000)
        parser.add_argument("--only", choices=["product", "product-uncached", "product-signed-in", "api",
                                               "api-signed-in", "leaderboard", "profile", "moderation-queue",
                                               "dashboard", "dashboard-api", "trivial"],
                            action="append",
                            help="measure only these targets (repeatable)")
        parser.add_argument("--out", default="/tmp/cocreate-bench", help="folder for locust CSVs and logs")
        parser.add_argument("--queries", action="store_true",
                            help="instead of load: list each page's SQL and EXPLAIN ANALYZE the slow queries")
        parser.add_argument("--inspect-in-process", action="store_true", help=argparse_hidden())
        parser.add_argument("--signed-in-setup", metavar="FILE", help=argparse_hidden())

    def handle(self, *args, **o):
        if o["signed_in_setup"]:
            self._signed_in_setup(Path(o["signed_in_setup"]))
            return
        if o["inspect_in_process"]:
            # Child of --queries: this process's settings already point at the bench database.
            from django.test.utils import override_settings

            with override_settings(ROOT_URLCONF="devtools.benchurls"):
                benchutil.inspect_queries([t.path for t in self._targets(o)], stdout=self.stdout.write)
            return
        db = urlsplit(o["database_url"])
        db_name = db.path.lstrip("/")
        if not db.scheme.startswith("postgres") or "bench" not in db_name:
            raise CommandError("The bench database must be PostgreSQL and its name must contain 'bench' "
                               f"(it is dropped and re-created): got {o['database_url']!r}.")
        out = Path(o["out"])
        out.mkdir(parents=True, exist_ok=True)
        env = self._env(o, out)

        seed_seconds = None
        if o["skip_seed"]:
            self._database_ensure(o["database_url"], drop=False)
            benchutil.manage(["migrate", "--noinput", "-v", "0"], env)
        else:
            self._database_ensure(o["database_url"], drop=True)
            self.stdout.write(f"Migrating {db_name} ...")
            benchutil.manage(["migrate", "--noinput", "-v", "0"], env)
            t = time.monotonic()
            benchutil.manage([
                "seed", "--users", str(o["seed_users"]), "--reviews", str(o["seed_reviews"]),
                "--hot-product-reviews", str(o["seed_hot_reviews"]), "--products", str(o["seed_products"]),
                "--batch", "100000",
            ], env)
            seed_seconds = time.monotonic() - t
        if not self._hot_product_exists(o["database_url"]):
            raise CommandError(f"{db_name} has no {HOT_SLUG}: run without --skip-seed first.")
        self._redis_flush(o["redis_url"])

        if o["queries"]:
            benchutil.manage(["bench_web", "--inspect-in-process", *sum((["--only", k] for k in o["only"] or []), [])],
                             env)
            return
        self._measure(o, env, out, seed_seconds)

    # --- setup -----------------------------------------------------------------------
    def _env(self, o, out):
        media = out / "media"
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DEBUG": "false",
            "DATABASE_URL": o["database_url"],
            "REDIS_URL": o["redis_url"],
            "CONN_MAX_AGE": "60",
            "MEDIA_ROOT": str(media),
            "LOG_LEVEL": "WARNING",
            "SECRET_KEY": "bench-only-secret-not-for-production-0123456789abcdef",
            # The anonymous API throttle (120/min per IP) would turn the run into 429s from one
            # client address; a high rate keeps the throttle's Redis round trip in the measurement.
            "API_THROTTLE_ANON": "100000000/min",
            "NUM_PROXIES": "1",  # locust sends X-Forwarded-For so the anon throttle sees many shoppers
            "API_THROTTLE_USER": "100000000/min",
            "PYTHONUNBUFFERED": "1",
        }

    def _signed_in_headers(self, o, env, out):
        """{target key: headers}: a session cookie for the signed-in page, a token for the API."""
        wanted = {"product-signed-in", "api-signed-in", "profile", "moderation-queue", "dashboard", "dashboard-api"}
        if not any(t.key in wanted for t in self._targets(o)):
            return {}
        path = out / "signed_in.json"
        benchutil.manage(["bench_web", "--signed-in-setup", str(path)], {**env, "COCREATE_VOTES_PER_DAY": "0"})
        data = json.loads(path.read_text())
        self.stdout.write(f"Signed-in shopper {data['user']}: voted on {data['votes']} of the first page's reviews")
        shopper, staff = (f"{data['cookie_name']}={data[key]}" for key in ("session", "staff_session"))
        return {"product-signed-in": {"Cookie": shopper},
                "api-signed-in": {"Authorization": f"Token {data['token']}"},
                "profile": {"Cookie": shopper},
                "moderation-queue": {"Cookie": staff},
                "dashboard": {"Cookie": staff},
                "dashboard-api": {"Authorization": f"Token {data['staff_token']}"}}

    def _signed_in_setup(self, path):
        """Child process on the bench database: a shopper (reused between runs) with a session,
        an API token and helpful votes on 3 of the first page's reviews."""
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.test import Client
        from rest_framework.authtoken.models import Token

        from community import selectors, services
        from community.models import MODERATORS_GROUP, HelpfulVote, Product

        User = get_user_model()
        user = User.objects.filter(email=BENCH_SHOPPER).first()
        if user is None:
            user = User(email=BENCH_SHOPPER, username=BENCH_SHOPPER, display_name="Bench shopper")
            user.set_unusable_password()
            user.save()
        product = Product.objects.get(slug=HOT_SLUG)
        shown = list(selectors.review_list_for_product(product=product, sort="helpful", content="with_content")[:10])
        for review in shown[1:8:3]:
            if not HelpfulVote.objects.filter(review=review, user=user).exists():
                services.review_vote_helpful(user=user, review_id=review.pk, helpful=True)
        client = Client()
        client.force_login(user)
        token, _ = Token.objects.get_or_create(user=user)
        # An operator for the growth dashboard's targets: staff with the dashboard permission.
        staff = User.objects.filter(email=BENCH_STAFF).first()
        if staff is None:
            staff = User(email=BENCH_STAFF, username=BENCH_STAFF, display_name="Bench operator", is_staff=True)
            staff.set_unusable_password()
            staff.save()
            staff.user_permissions.add(Permission.objects.get(codename="view_dashboard",
                                                              content_type__app_label="dashboard"))
        # ... and a moderator, for the moderation queue's target.
        staff.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
        staff_client = Client()
        staff_client.force_login(staff)
        staff_token, _ = Token.objects.get_or_create(user=staff)
        path.write_text(json.dumps({
            "user": user.pk, "votes": HelpfulVote.objects.filter(user=user, review__in=shown).count(),
            "cookie_name": settings.SESSION_COOKIE_NAME, "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "token": token.key,
            "staff_session": staff_client.cookies[settings.SESSION_COOKIE_NAME].value, "staff_token": staff_token.key,
        }))

    def _admin_conninfo(self, url):
        parts = urlsplit(url)
        return parts._replace(path="/postgres").geturl(), parts.path.lstrip("/")

    def _database_ensure(self, url, *, drop):
        import psycopg
        from psycopg import sql

        admin_url, name = self._admin_conninfo(url)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and drop:
                self.stdout.write(f"Dropping and re-creating database {name} ...")
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                exists = None
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def _hot_product_exists(self, url):
        import psycopg

        with psycopg.connect(url) as conn:
            try:
                return bool(conn.execute("SELECT 1 FROM community_product WHERE slug = %s", [HOT_SLUG]).fetchone())
            except psycopg.errors.UndefinedTable:
                return False

    def _redis_flush(self, url):
        import redis

        redis.Redis.from_url(url).flushdb()  # the bench's own Redis database: no stale pages or throttle counters

    def _targets(self, o):
        targets = [
            benchutil.Target("product", "product page", f"/products/{HOT_SLUG}/", GOAL_PRODUCT_P95),
            # Informational: a cache-busting query string forces the full render that signed-in
            # visitors (never cached) and the first anonymous visitor after expiry get.
            # The first anonymous visitor after the page's microcache expired: a full page built
            # from the shared fragments (review cards, summary) kept in the cache.
            benchutil.Target("product-uncached", "product page, first visitor",
                             f"/products/{HOT_SLUG}/?nocache={{rand}}"),
            # A signed-in shopper who voted on some of the shown reviews (session cookie): never
            # page-cached; shared fragments plus the per-person parts.
            benchutil.Target("product-signed-in", "product page, signed in", f"/products/{HOT_SLUG}/",
                             GOAL_PRODUCT_P95),
            benchutil.Target("api", "review list API", f"/api/products/{HOT_SLUG}/reviews/", GOAL_API_P95),
            benchutil.Target("api-signed-in", "review list API, signed in", f"/api/products/{HOT_SLUG}/reviews/",
                             GOAL_API_P95),
            # Informational: the public leaderboards page (gamification's cached boards).
            benchutil.Target("leaderboard", "leaderboards page", "/leaderboards/"),
            # Issue 16's scale run: the signed-in shopper's own profile, and the moderation queue
            # page as a moderator (the seed queues its pending reviews: 2% of them).
            benchutil.Target("profile", "own profile, signed in", "/me/", GOAL_PRODUCT_P95),
            benchutil.Target("moderation-queue", "moderation queue", "/moderation/", GOAL_PRODUCT_P95),
            # Issue 12: the growth dashboard and its API as an operator (10 concurrent: --users 10).
            benchutil.Target("dashboard", "growth dashboard, operator", "/dashboard/", GOAL_DASHBOARD_P95),
            benchutil.Target("dashboard-api", "dashboard KPI API, operator", "/api/dashboard/kpis/",
                             GOAL_DASHBOARD_P95),
            benchutil.Target("trivial", "trivial Django view", "/bench/trivial/"),
        ]
        return [t for t in targets if not o["only"] or t.key in o["only"]]

    # --- measurement ---------------------------------------------------------------------
    def _measure(self, o, env, out, seed_seconds):
        bind = f"127.0.0.1:{o['port']}"
        host = f"http://{bind}"
        if benchutil.http_status(host + "/bench/trivial/", timeout=1) is not None:
            raise CommandError(f"Something already listens on {bind}; stop it or pass --port.")
        gunicorn = benchutil.start_gunicorn(
            env=env, bind=bind, workers=o["workers"], threads=o["threads"], log_path=out / "gunicorn.log"
        )
        rounds = {}
        headers = self._signed_in_headers(o, env, out)
        try:
            if not benchutil.wait_until_up(host + "/bench/trivial/"):
                raise CommandError(f"gunicorn did not answer on {bind}; see {out / 'gunicorn.log'}")
            targets = []
            for target in self._targets(o):
                status = _status(host + target.path.replace("{rand}", "0"), headers.get(target.key), timeout=30)
                if status != 200:
                    self.stderr.write(f"{target.path} answers {status}: not measured.")
                    rounds[target.key] = [benchutil.Result(target, error=f"HTTP {status}")]
                    continue
                for i in range(40):  # warm every worker: connections, templates, caches
                    _status(host + target.path.replace("{rand}", str(i)), headers.get(target.key))
                targets.append(target)
            for n in range(1, o["rounds"] + 1):
                for target in targets:
                    self.stdout.write(f"Round {n}/{o['rounds']}: {target.label} {target.path}, "
                                      f"{o['users']} clients, {o['duration']}s ...")
                    result, output = benchutil.run_locust(
                        host=host, target=target, users=o["users"], duration=o["duration"],
                        csv_prefix=out / f"{target.key}_{n}", gunicorn_proc=gunicorn,
                        env={**env, "BENCH_HEADERS": json.dumps(headers.get(target.key) or {})},
                    )
                    (out / f"{target.key}_{n}_locust.log").write_text(output)
                    rounds.setdefault(target.key, []).append(result)
                    self.stdout.write(f"    p50 {result.p50:.0f} ms, p95 {result.p95:.0f} ms, p99 {result.p99:.0f} ms, "
                                      f"{result.rps:.1f} req/s, {result.failures} failed; "
                                      f"other processes used {result.cpu.get('other processes', 0):.2f} cores")
        finally:
            benchutil.stop_process_group(gunicorn)
        results = [
            min(rs, key=lambda r: (bool(r.error), r.cpu.get("other processes", 0.0)))
            for rs in (rounds[t.key] for t in self._targets(o) if t.key in rounds)
        ]
        self._report(o, results, seed_seconds, out, all_rounds=rounds)

    def _report(self, o, results, seed_seconds, out, all_rounds):
        w = self.stdout.write
        by_key = {r.target.key: r for r in results}
        cores = os.cpu_count()
        w("")
        w(f"Cocreate web benchmark, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
        w(f"Machine: {cores} cores, {platform.processor() or platform.machine()}, Python {sys.version.split()[0]}; "
          f"gunicorn -w {o['workers']} --threads {o['threads']}; locust {o['users']} clients x {o['duration']}s "
          "per target, no think time")
        if o["rounds"] > 1:
            w(f"{o['rounds']} rounds per target; each line is the round least disturbed by unrelated processes.")
        if seed_seconds is not None:
            w(f"Seed: {o['seed_reviews']:,} reviews ({o['seed_hot_reviews']:,} on the hot product), "
              f"{o['seed_users']:,} users, {o['seed_products']:,} products in {seed_seconds:.0f}s")
        w("")
        w(f"{'target':<25}{'requests':>9}{'fail':>6}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'req/s':>8}"
          f"{'cpu/req':>9}   goal")
        verdicts = []
        for r in results:
            goal = ""
            if r.error:
                goal = f"NOT MEASURED ({r.error[:60]})"
                if r.target.goal_p95_ms:
                    verdicts.append(False)
            elif r.target.goal_p95_ms:
                ok = r.p95 <= r.target.goal_p95_ms and r.failures == 0
                verdicts.append(ok)
                goal = f"p95 <= {r.target.goal_p95_ms:.0f} ms: {'PASS' if ok else 'FAIL'}"
            cpu_ms = f"{server_cpu_ms(r):.1f}ms" if server_cpu_ms(r) else "-"
            w(f"{r.target.label:<25}{r.requests:>9}{r.failures:>6}{r.p50:>8.0f}{r.p95:>8.0f}{r.p99:>8.0f}"
              f"{r.rps:>8.1f}{cpu_ms:>9}   {goal}")
        trivial = by_key.get("trivial")
        for key, goal in SHARE_GOALS.items():
            r = by_key.get(key)
            if key == "product" or not (r and trivial and not r.error and not trivial.error and trivial.rps):
                continue
            share = r.rps / trivial.rps
            cpu_share = (server_cpu_ms(trivial) / server_cpu_ms(r)) if server_cpu_ms(r) and server_cpu_ms(trivial) else 0
            # Issue 16: the share of the trivial view's throughput, and by server CPU per request too
            # (the steadier figure when locust, on the same cores, caps the trivial view).
            ok = share >= goal and cpu_share >= goal
            verdicts.append(ok)
            w(f"{r.target.label} throughput = {share:.0%} of the trivial view's, by server CPU per request "
              f"{cpu_share:.0%} (goal >= {goal:.0%} by both): {'PASS' if ok else 'FAIL'}")
        first = by_key.get("product-uncached")
        if first and not first.error and server_cpu_ms(first):
            ok = server_cpu_ms(first) <= GOAL_FIRST_VISITOR_CPU_MS
            verdicts.append(ok)
            w(f"first visitor after expiry: {server_cpu_ms(first):.1f} ms of server CPU per request "
              f"(goal <= {GOAL_FIRST_VISITOR_CPU_MS:.0f} ms): {'PASS' if ok else 'FAIL'}")
        load = os.getloadavg()
        w(f"load average at the end (1, 5, 15 min): {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
        product = by_key.get("product")
        if product and trivial and not product.error and not trivial.error and trivial.rps:
            share = product.rps / trivial.rps
            ok = share >= GOAL_THROUGHPUT_SHARE
            verdicts.append(ok)
            w(f"product page throughput = {share:.0%} of the trivial view's "
              f"(goal >= {GOAL_THROUGHPUT_SHARE:.0%}): {'PASS' if ok else 'FAIL'}")
            if server_cpu_ms(product) and server_cpu_ms(trivial):
                w(f"  by server CPU per request (steadier when other programs share the machine): "
                  f"{server_cpu_ms(trivial) / server_cpu_ms(product):.0%}")
        w("")
        w(f"CPU during each run, in cores (this machine has {cores}; 1.0 = one core busy):")
        for r in results:
            if r.cpu:
                parts = ", ".join(f"{k} {v:.2f}" for k, v in sorted(r.cpu.items(), key=lambda kv: -kv[1]))
                w(f"  {r.target.label + ':':<30} {parts}")
        w("cpu/req: CPU of gunicorn + PostgreSQL + Redis per request; 2 cores / cpu/req is the server's "
          "ceiling on this machine.")
        w(f"Note: locust runs on the same {cores} cores as gunicorn, PostgreSQL and Redis, so the figures are a "
          "lower bound on what the server alone would do. 'other processes' is CPU taken by programs that are "
          "not part of the benchmark; when it is high, run again. With N clients and no think time, mean "
          "latency = N / throughput (Little's law): a p95 goal is also a throughput goal.")
        w(f"Locust CSVs and logs: {out}")
        summary = {
            "date": datetime.now().astimezone().isoformat(timespec="seconds"),
            "cores": cores,
            "options": {k: o[k] for k in ("duration", "users", "workers", "threads")},
            "seed_seconds": seed_seconds,
            "rounds": {
                key: [{"p50_ms": r.p50, "p95_ms": r.p95, "p99_ms": r.p99, "rps": r.rps, "failures": r.failures,
                       "cpu": r.cpu, "error": r.error} for r in rs]
                for key, rs in all_rounds.items()
            },
            "results": [
                {"target": r.target.key, "path": r.target.path, "requests": r.requests, "failures": r.failures,
                 "server_cpu_ms_per_request": round(server_cpu_ms(r), 2),
                 "p50_ms": r.p50, "p95_ms": r.p95, "p99_ms": r.p99, "rps": r.rps, "cpu": r.cpu, "error": r.error}
                for r in results
            ],
            "pass": all(verdicts) if verdicts else None,
        }
        (out / "results.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        if verdicts:
            w(self.style.SUCCESS("All goals met.") if all(verdicts) else self.style.ERROR("Some goals missed."))


def _status(url, headers=None, timeout=10.0):
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def server_cpu_ms(result):
    """Milliseconds of server CPU (gunicorn, PostgreSQL, Redis) per request, or 0 when unknown."""
    cores = sum(result.cpu.get(k, 0.0) for k in ("gunicorn", "postgres", "redis"))
    return 1000 * cores / result.rps if result.rps and cores else 0.0


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS
