"""Helpers for ``manage.py bench_web``: processes, locust results, CPU shares, query inspection."""
import csv
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent  # devtools/ sits at the project root
VENV_BIN = Path(sys.executable).parent


@dataclass
class Target:
    key: str
    label: str
    path: str
    goal_p95_ms: float | None = None


@dataclass
class Result:
    target: Target
    requests: int = 0
    failures: int = 0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    average: float = 0.0
    rps: float = 0.0
    cpu: dict = field(default_factory=dict)  # process group -> share of one core (1.0 = a whole core)
    error: str = ""


def manage(args, env, *, stdout=None):
    """Run ``manage.py <args>`` with ``env``; returns the CompletedProcess (raises on failure)."""
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, cwd=BASE_DIR, check=True, stdout=stdout,
        text=True,
    )


def http_status(url, timeout=10.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def wait_until_up(url, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http_status(url, timeout=2) == 200:
            return True
        time.sleep(0.3)
    return False


def start_gunicorn(*, env, bind, workers, threads, log_path):
    log = open(log_path, "ab")
    cmd = [
        str(VENV_BIN / "gunicorn"), "devtools.benchwsgi:application",
        "-w", str(workers), "--threads", str(threads), "-b", bind,
        "--log-level", "warning", "--timeout", "60",
    ]
    # Its own session, so stopping it stops exactly its workers and nothing else.
    return subprocess.Popen(cmd, env=env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_process_group(proc, timeout=15):
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class CpuMeter:
    """CPU used between start() and stop(), in cores (1.0 = one core busy for the whole window).

    Groups: the gunicorn and locust trees we started, PostgreSQL and Redis server
    processes (sampled read-only by name), "other" (everything else busy on the
    machine, from the system-wide counters) and "idle".

    Processes are sampled every ``INTERVAL`` seconds, not only at both ends: a PostgreSQL
    backend that exits inside the window (Django closes a connection older than CONN_MAX_AGE
    and the next request opens another) took its CPU with it, and that CPU showed up as "other
    processes" instead of "postgres" (seen: the signed-in API's 0.17 of a core). Now at most
    its last interval is lost. The sampling itself costs the benchmark process about 1% of a
    core, counted under "other processes".
    """

    INTERVAL = 0.5

    def __init__(self, roots):
        self.roots = roots  # name -> psutil.Process

    def _groups(self):
        groups = {}
        for name, root in self.roots.items():
            try:
                groups[name] = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                groups[name] = []
        groups["postgres"], groups["redis"] = [], []
        for proc in psutil.process_iter(["name"]):
            pname = (proc.info.get("name") or "").lower()
            if pname.startswith("postgres"):
                groups["postgres"].append(proc)
            elif pname.startswith("redis-server"):
                groups["redis"].append(proc)
        return groups

    def _sample(self):
        usage = {}
        for name, procs in self._groups().items():
            for proc in procs:
                try:
                    t = proc.cpu_times()
                    usage[(name, proc.pid)] = t.user + t.system
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
        system = psutil.cpu_times()
        idle = system.idle + getattr(system, "iowait", 0.0)
        return usage, idle

    def _accumulate(self):
        usage, idle = self._sample()
        for key, used in usage.items():
            # A process first seen after start() began inside the window: all its CPU counts.
            self.seconds[key[0]] = self.seconds.get(key[0], 0.0) + max(0.0, used - self.last.get(key, 0.0))
            self.last[key] = used
        self.idle1 = idle

    def _run(self):
        while not self._stopping.wait(self.INTERVAL):
            self._accumulate()

    def start(self):
        self.t0 = time.monotonic()
        self.last, self.idle0 = self._sample()
        self.seconds = {}
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self):
        self._stopping.set()
        self._thread.join()
        self._accumulate()
        elapsed = time.monotonic() - self.t0
        cores = {name: sec / elapsed for name, sec in self.seconds.items()}
        for name in [*self.roots, "postgres", "redis"]:
            cores.setdefault(name, 0.0)
        idle = max(0.0, (self.idle1 - self.idle0) / elapsed)
        busy = max(0.0, (os.cpu_count() or 1) - idle)
        cores["other processes"] = max(0.0, busy - sum(cores.values()))
        cores["idle"] = idle
        return {name: round(value, 2) for name, value in cores.items()}


def run_locust(*, host, target, users, duration, csv_prefix, env, gunicorn_proc, locustfile=None, extra_args=()):
    """Run locust headless against one target while measuring CPU; ``locustfile`` defaults
    to bench_web's, ``extra_args`` go on locust's command line."""
    env = {**env, "BENCH_PATH": target.path}
    cmd = [
        str(VENV_BIN / "locust"), "-f", str(locustfile or Path(__file__).with_name("bench_locustfile.py")),
        "--headless", "-u", str(users), "-r", str(users), "-t", f"{duration}s", *extra_args,
        "--host", host, "--csv", str(csv_prefix), "--only-summary", "--loglevel", "WARNING",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    meter = CpuMeter({"gunicorn": psutil.Process(gunicorn_proc.pid), "locust": psutil.Process(proc.pid)})
    # Measure CPU while the clients run: from 2 s in until 1 s before locust stops.
    time.sleep(2.0)
    meter.start()
    time.sleep(max(1.0, duration - 3.0))
    cpu = meter.stop()
    output, _ = proc.communicate()
    result = parse_locust_csv(target, Path(f"{csv_prefix}_stats.csv"))
    result.cpu = cpu
    if proc.returncode not in (0, 1):  # 1 means "some requests failed": reported as failures
        result.error = f"locust exited with {proc.returncode}: {output[-2000:]}"
    return result, output


def parse_locust_csv(target, path):
    result = Result(target)
    if not path.exists():
        result.error = f"no locust stats at {path}"
        return result
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("Name") == "Aggregated":
                result.requests = int(row["Request Count"])
                result.failures = int(row["Failure Count"])
                result.average = float(row["Average Response Time"])
                result.p50 = float(row["50%"])
                result.p95 = float(row["95%"])
                result.p99 = float(row["99%"])
                result.rps = float(row["Requests/s"])
    return result


def inspect_queries(paths, *, explain_over_ms=1.0, stdout=print):
    """Request each path in-process and list its SQL: count, time, and EXPLAIN ANALYZE of slow ones.

    Runs inside a Django process whose settings point at the bench database.
    The first request is cold (empty cache); the second shows the steady state.
    Query times are measured around cursor.execute, in microseconds, including
    the fetch of the rows.
    """
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    for path in paths:
        for run in ("cold", "warm"):
            queries = []

            def timed(execute, sql, params, many, context):
                t = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    cursor = context["cursor"]
                    text = connection.ops.last_executed_query(cursor, sql, params)
                    queries.append({"sql": text, "ms": (time.perf_counter() - t) * 1000})

            with connection.execute_wrapper(timed):
                t = time.perf_counter()
                # "{rand}" (cache-busting targets) gets a fresh value per request, as under load.
                response = client.get(path.replace("{rand}", str(random.randrange(1 << 30))))
                wall = (time.perf_counter() - t) * 1000
            sql_ms = sum(q["ms"] for q in queries)
            stdout(f"\n{path} [{run}] HTTP {response.status_code}: {wall:.1f} ms wall, "
                   f"{len(queries)} queries, {sql_ms:.1f} ms in SQL, {len(response.content):,} bytes")
            for i, q in enumerate(queries, 1):
                stdout(f"  {i:>2}. {q['ms']:7.2f} ms  {q['sql'][:400]}")
        for q in sorted(queries, key=lambda q: -q["ms"]):
            if q["ms"] < explain_over_ms or not q["sql"].lstrip().upper().startswith("SELECT"):
                continue
            stdout(f"\n  EXPLAIN ANALYZE ({q['ms']:.2f} ms): {q['sql']}")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                for (line,) in cursor.fetchall():
                    stdout("    " + line)
