"""`manage.py rollups bench`: the incremental run, a full rebuild and the page's p95 under
concurrent staff, on whatever data the database holds (say its size with the figures)."""
import os
import statistics
import threading
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Min
from django.test import Client
from django.utils import timezone

from community.integrity.models import InteractionEvent
from community.models import HelpfulVote, Review
from dashboard import kpis, rollups, runs


def _load():
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average unknown"


def _timed_requests(url, user, *, users, requests):
    times, errors = [], []
    per = max(1, requests // users)

    def worker():
        try:
            client = Client(SERVER_NAME="localhost")
            client.force_login(user)
            client.get(url)  # warm the session
            for _ in range(per):
                t = time.perf_counter()
                status = client.get(url).status_code
                times.append(time.perf_counter() - t)
                if status != 200:
                    errors.append(status)
        except Exception as exc:  # noqa: BLE001 - reported with the figures
            errors.append(repr(exc)[:120])
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    return times, errors


def _p(times, q):
    return times[min(len(times) - 1, int(q * len(times)))] * 1000 if times else float("nan")


def _burst(n, start, end):
    """Add ``n`` helpful votes stamped between ``start`` and ``end`` (random existing reviews and
    users, duplicates skipped), as a day of typical traffic would leave them; returns the largest
    id before them (the rows above it are deleted after)."""
    import random
    rng = random.Random(12 + n)
    review_ids = list(Review.objects.order_by("-id").values_list("id", flat=True)[:200_000])
    user_ids = list(get_user_model().objects.order_by("-id").values_list("id", flat=True)[:200_000])
    top = HelpfulVote.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if not review_ids or not user_ids:
        return top
    span = max(1, int((end - start).total_seconds()))
    for i in range(0, n, 20_000):
        HelpfulVote.objects.bulk_create([
            HelpfulVote(review_id=rng.choice(review_ids), user_id=rng.choice(user_ids), helpful=True,
                        created_at=start + timedelta(seconds=rng.randrange(span)))
            for _ in range(min(20_000, n - i))], ignore_conflicts=True, batch_size=5_000)
    return top


def _end_of_day_burst(n, today):
    """The incremental run at 23:55 site time of a day of ``n`` interactions: ``n`` - ``n``/288
    helpful votes stamped from midnight to 23:50 (a catch-up run takes them in), then the last
    five minutes' ``n``/288 stamped 23:50-23:55, and the run that takes those in is timed. Side by
    side, the window the run recomputed before hourly windows: all of today (``recompute_day``)."""
    start, _ = rollups.day_bounds(today)
    end_of_day = start + timedelta(hours=23, minutes=55)
    five = end_of_day - timedelta(minutes=5)
    slice_ = max(1, n // 288)
    t = time.perf_counter()
    first = _burst(n - slice_, start, five)
    yield (f"added {HelpfulVote.objects.filter(id__gt=first).count():,} helpful votes stamped today 00:00-23:50 "
           f"({time.perf_counter() - t:.0f}s); {_load()}")
    t = time.perf_counter()
    windows = rollups.rollups_run(now=five)
    yield f"catch-up run at 23:50 ({len(windows)} windows): {time.perf_counter() - t:.2f}s; {_load()}"
    t = time.perf_counter()
    _burst(slice_, five, end_of_day)
    yield (f"added the last 5 minutes: {HelpfulVote.objects.filter(id__gt=first).count():,} votes today in all "
           f"({time.perf_counter() - t:.1f}s)")
    t = time.perf_counter()
    rollups.recompute_day(today)
    yield f"BEFORE (whole-day window, what each 5-minute run recomputed): {time.perf_counter() - t:.2f}s; {_load()}"
    rollups.recompute_windows(rollups.windows_between(start, five, today))  # back to hours, as of the 23:50 run
    timings = {}
    t = time.perf_counter()
    windows = runs.run(now=end_of_day, timings=timings)
    yield (f"AFTER (the beat task at 23:55, a 5-minute window: {', '.join(map(rollups.window_label, windows))}): "
           f"{time.perf_counter() - t:.2f}s ({_steps(timings)}); {_load()}")
    t = time.perf_counter()
    rollups.recompute_day(today)
    yield f"BEFORE again (whole-day window): {time.perf_counter() - t:.2f}s; {_load()}"
    HelpfulVote.objects.filter(id__gt=first).delete()
    now = timezone.now()
    for hour in range(24):  # back to today as it is: its hours up to now, nothing after
        rollups.write_window(today, hour, {}, {})
    rollups.rollups_rebuild(since=today, now=now)
    yield "the added votes are deleted again and today's windows recomputed"


def _steps(timings):
    return ", ".join(f"{name} {seconds:.2f}s" for name, seconds in timings.items())


def _cache_miss(repeat=3):
    """The figures computed without the cache (what the first request after a rollup run pays),
    for the page's default filters as an operator: the median of ``repeat`` computations."""
    start, end = kpis.default_period()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        kpis.dashboard_data(start=start, end=end, operator=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, (start, end)


def _http(seconds, users):
    """The page and the API through gunicorn (4 workers) under ``users`` concurrent locust clients,
    side by side with the trivial view: ``manage.py bench_web`` on this database (its name must
    contain "bench"; bench_web flushes REDIS_URL's database first)."""
    import subprocess
    import sys

    from django.conf import settings

    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    cmd = [sys.executable, "manage.py", "bench_web", "--skip-seed", "--database-url", url,
           "--redis-url", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), "--users", str(users),
           "--duration", str(seconds), "--only", "dashboard", "--only", "dashboard-api", "--only", "trivial",
           "--port", "8797", "--out", "/tmp/cocreate-bench-dashboard"]
    yield "through gunicorn: " + " ".join(cmd[1:])
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=settings.BASE_DIR, check=False)
    yield from (proc.stdout + proc.stderr).rstrip().splitlines()


def run_bench(*, users=10, requests=200, skip_rebuild=False, burst=0, http=0):
    first = InteractionEvent.objects.aggregate(m=Min("at"))["m"]
    since = f" (the first {first:%Y-%m-%d})" if first else ""
    yield (f"data: {get_user_model().objects.count():,} users, {Review.objects.count():,} reviews, "
           f"{HelpfulVote.objects.count():,} helpful votes, {InteractionEvent.objects.count():,} logged "
           f"interactions{since}; database {connection.vendor}; {_load()}")
    today = rollups.site_day(timezone.now())
    start, end = rollups.day_bounds(today)
    yield f"today so far: {InteractionEvent.objects.filter(at__gte=start, at__lt=end).count():,} logged interactions"
    timings = {}
    t = time.perf_counter()
    runs.run(timings=timings)
    yield f"beat task (first, catches up): {time.perf_counter() - t:.2f}s ({_steps(timings)})"
    timings = {}
    t = time.perf_counter()
    windows = runs.run(timings=timings)
    yield (f"beat task, incremental (now: {', '.join(map(rollups.window_label, windows))}): "
           f"{time.perf_counter() - t:.2f}s ({_steps(timings)}); {_load()}")
    if burst:
        yield from _end_of_day_burst(burst, today)
    if not skip_rebuild:
        timings = {}
        t = time.perf_counter()
        windows = runs.rebuild(timings=timings)
        yield (f"full rebuild: {len(windows)} windows (days and today's hours) in {time.perf_counter() - t:.1f}s "
               f"({_steps(timings)}); {_load()}")
    t = time.perf_counter()
    kpis.warm_default_views()
    yield (f"the beat task's warm-up of the operators' default view (every language): "
           f"{time.perf_counter() - t:.2f}s; {_load()}")
    miss_ms, (miss_from, miss_to) = _cache_miss()
    yield (f"figures computed without the cache (operator, {miss_from}..{miss_to}), median of 3: "
           f"{miss_ms:.0f} ms; {_load()}")
    staff = get_user_model().objects.filter(is_superuser=True).first()
    if staff is None:
        staff = get_user_model().objects.create_superuser(username="bench-dashboard", email="bench-dashboard@example.com",
                                                          password=None)
    for label, url in (("trivial page /privacy/", "/privacy/"), ("dashboard /dashboard/", "/dashboard/"),
                       ("API /api/dashboard/kpis/", "/api/dashboard/kpis/")):
        times, errors = _timed_requests(url, staff, users=users, requests=requests)
        yield (f"in one process, {label}: {len(times)} requests by {users} concurrent staff threads: "
               f"median {_p(times, 0.5):.0f} ms, p95 {_p(times, 0.95):.0f} ms, "
               f"mean {(statistics.mean(times) * 1000 if times else 0):.0f} ms"
               f"{'; errors ' + str(errors[:5]) if errors else ''}; {_load()}")
    if http:
        yield from _http(http, users)
