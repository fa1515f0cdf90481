"""Concurrent voting benchmark: gunicorn + PostgreSQL, locust clients each voting with its own token.

    python manage.py bench_votes [--voters 50] [--duration 20] [--entries 20]

Drops and re-creates a dedicated PostgreSQL database (its name must contain "bench"), migrates
it, creates a brand, a challenge in the voting state, entries by other authors and voters old
enough to vote (with API tokens), serves the site with gunicorn (-w 4, DEBUG off, Redis) and drives
POST/DELETE /api/entries/<id>/vote/ with locust at --voters concurrent clients, no think time.

Prints throughput and p50/p95/p99, then checks that no vote was lost or doubled: every client's
expected set of voted entries (built from the 2xx answers it got) must equal the valid vote rows
in the database, and every entry's vote_count cache (and the challenge's) must equal its rows.
"""
import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from community.cocreation import services
from community.cocreation.models import Challenge, Entry
from community.models import Brand
from devtools import benchutil
from devtools.management.commands.bench_web import Command as BenchWeb

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cocreate_votebench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
LOCUSTFILE = Path(benchutil.__file__).with_name("bench_votes_locustfile.py")


class Command(BaseCommand):
    help = "Concurrent votes through the API under locust; prints req/s, p50/p95/p99 and checks vote integrity."

    def add_arguments(self, parser):
        parser.add_argument("--voters", type=int, default=50, help="voter accounts = concurrent locust clients")
        parser.add_argument("--duration", type=int, default=20, help="seconds of load")
        parser.add_argument("--entries", type=int, default=20, help="entries to vote on")
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument("--port", type=int, default=8766)
        parser.add_argument("--database-url", default=os.environ.get("BENCH_VOTES_DATABASE_URL", DEFAULT_DATABASE_URL))
        parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
        parser.add_argument("--out", default="/tmp/cocreate-votebench", help="folder for CSVs, logs and JSON")
        parser.add_argument("--setup-in-process", metavar="FILE", help=_hidden())

    def handle(self, *args, **o):
        if o["setup_in_process"]:
            self._setup(o, Path(o["setup_in_process"]))
            return
        db = urlsplit(o["database_url"])
        db_name = db.path.lstrip("/")
        if not db.scheme.startswith("postgres") or "bench" not in db_name:
            raise CommandError("The bench database must be PostgreSQL and its name must contain 'bench' "
                               f"(it is dropped and re-created): got {o['database_url']!r}.")
        out = Path(o["out"])
        out.mkdir(parents=True, exist_ok=True)
        web = BenchWeb(stdout=self.stdout, stderr=self.stderr)
        # The daily vote caps stay on (their INCR is part of the measured path) but far above what
        # the clients cast: a toggle loop casts hundreds of votes a minute per voter.
        env = {**web._env(o, out), "API_THROTTLE_WRITES": "100000000/min", "COCREATE_VOTES_PER_DAY": "100000000"}
        web._database_ensure(o["database_url"], drop=True)
        self.stdout.write(f"Migrating {db_name} ...")
        benchutil.manage(["migrate", "--noinput", "-v", "0"], env)
        web._redis_flush(o["redis_url"])
        setup_file = out / "setup.json"
        benchutil.manage(["bench_votes", "--setup-in-process", str(setup_file), "--voters", str(o["voters"]),
                          "--entries", str(o["entries"])], {**env, "CELERY_TASK_ALWAYS_EAGER": "true"})
        setup = json.loads(setup_file.read_text())
        self.stdout.write(f"Challenge {setup['challenge']} (voting, {setup['votes_per_user']} votes per user): "
                          f"{len(setup['entries'])} entries, {len(setup['voters'])} voters with tokens")
        web._redis_flush(o["redis_url"])
        result, expected, output = self._load(o, env, out, setup_file)
        self._report(o, out, setup, result, expected, output)

    # --- setup (child process, settings on the bench database) --------------------------------
    def _setup(self, o, path):
        from django.contrib.auth import get_user_model
        from django.db import transaction
        from django.utils import timezone
        from rest_framework.authtoken.models import Token


        User = get_user_model()
        now = timezone.now()
        joined = now - timedelta(days=60)

        def user(prefix, i):
            u = User(email=f"{prefix}{i}@bench.example", username=f"{prefix}{i}@bench.example",
                     display_name=f"{prefix} {i}", date_joined=joined)
            u.set_unusable_password()
            u.save()
            return u

        with transaction.atomic():
            brand = Brand.objects.create(name="Vote Bench Brand", slug="vote-bench-brand")
            start = now - timedelta(hours=1)
            challenge = Challenge.objects.create(
                brand=brand, title_zh="投票压测", title_en="Vote bench", brief_zh="压测用挑战",
                opens_at=start, entries_close_at=now + timedelta(days=1),
                voting_close_at=now + timedelta(days=5), closes_at=now + timedelta(days=6),
                votes_per_user=max(1000, o["entries"] + 1), min_account_age_days_to_vote=7,
            )
        services.challenge_publish(challenge_id=challenge.pk)
        entry_ids = []
        for i in range(o["entries"]):
            entry = services.entry_submit(author=user("author", i), challenge_id=challenge.pk,
                                          text=f"第{i}号创意：桂花乌龙味的气泡水，清爽不甜。")
            services.entry_moderate(entry_id=entry.pk, status=Entry.Status.PUBLISHED)
            entry_ids.append(entry.pk)
        # Entries are in; close submissions so the schedule moves the challenge to voting.
        Challenge.objects.filter(pk=challenge.pk).update(entries_close_at=timezone.now() - timedelta(seconds=1))
        challenge = services.challenge_advance_one(challenge_id=challenge.pk)
        if challenge.state != Challenge.State.VOTING or not challenge.accepts_votes:
            raise CommandError(f"challenge is {challenge.state}, not voting")
        published = Entry.objects.filter(pk__in=entry_ids, status=Entry.Status.PUBLISHED).count()
        if published != len(entry_ids):
            raise CommandError(f"only {published}/{len(entry_ids)} entries published")
        voters = []
        for i in range(o["voters"]):
            u = user("voter", i)
            voters.append({"id": u.pk, "token": Token.objects.create(user=u).key})
        path.write_text(json.dumps({"challenge": challenge.pk, "votes_per_user": challenge.votes_per_user,
                                    "entries": entry_ids, "voters": voters}))

    # --- load -----------------------------------------------------------------------------
    def _load(self, o, env, out, setup_file):
        bind = f"127.0.0.1:{o['port']}"
        host = f"http://{bind}"
        if benchutil.http_status(host + "/bench/trivial/", timeout=1) is not None:
            raise CommandError(f"Something already listens on {bind}; stop it or pass --port.")
        expected_file = out / "expected.json"
        expected_file.unlink(missing_ok=True)
        gunicorn = benchutil.start_gunicorn(env=env, bind=bind, workers=o["workers"], threads=o["threads"],
                                            log_path=out / "gunicorn.log")
        try:
            if not benchutil.wait_until_up(host + "/bench/trivial/"):
                raise CommandError(f"gunicorn did not answer on {bind}; see {out / 'gunicorn.log'}")
            for _ in range(20):  # warm the workers (connections, imports) without touching votes
                benchutil.http_status(host + "/bench/trivial/")
            target = benchutil.Target("votes", "vote API (POST/DELETE)", "/api/entries/[id]/vote/")
            users = o["voters"]
            self.stdout.write(f"Voting: {users} clients, {o['duration']}s ...")
            lenv = {**env, "BENCH_VOTES_SETUP": str(setup_file), "BENCH_VOTES_EXPECTED": str(expected_file)}
            result, output = benchutil.run_locust(
                host=host, target=target, users=users, duration=o["duration"], csv_prefix=out / "votes",
                env=lenv, gunicorn_proc=gunicorn, locustfile=LOCUSTFILE, extra_args=("--stop-timeout", "30"),
            )
            (out / "votes_locust.log").write_text(output)
        finally:
            benchutil.stop_process_group(gunicorn)
        expected = json.loads(expected_file.read_text()) if expected_file.exists() else None
        return result, expected, output

    # --- check and report -------------------------------------------------------------------
    def _db_state(self, url, challenge_id):
        import psycopg

        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT user_id, entry_id, valid FROM community_entryvote WHERE challenge_id = %s", [challenge_id]
            ).fetchall()
            counts = dict(conn.execute(
                "SELECT id, vote_count FROM community_entry WHERE challenge_id = %s", [challenge_id]).fetchall())
            ch_count = conn.execute("SELECT vote_count FROM community_challenge WHERE id = %s",
                                    [challenge_id]).fetchone()[0]
        return rows, counts, ch_count

    def _report(self, o, out, setup, result, expected, output):
        w = self.stdout.write
        w("")
        w(f"Vote API under load: gunicorn -w {o['workers']} --threads {o['threads']}, {o['voters']} locust clients "
          f"(one voter token each) x {o['duration']}s, no think time, {len(setup['entries'])} entries")
        w(f"  requests {result.requests}, failures {result.failures}, {result.rps:.1f} req/s, "
          f"p50 {result.p50:.0f} ms, p95 {result.p95:.0f} ms, p99 {result.p99:.0f} ms, avg {result.average:.1f} ms")
        if result.cpu:
            w("  CPU (cores): " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(result.cpu.items(), key=lambda kv: -kv[1])))
        for line in _per_name(out / "votes_stats.csv"):
            w("  " + line)
        problems = []
        if result.error:
            problems.append(result.error)
        if expected is None:
            problems.append("locust wrote no expected-votes file")
            expected = {}
        rows, counts, ch_count = self._db_state(o["database_url"], setup["challenge"])
        db_valid = {}
        invalid = 0
        seen = set()
        for user_id, entry_id, valid in rows:
            if (user_id, entry_id) in seen:
                problems.append(f"duplicate vote row user {user_id} entry {entry_id}")
            seen.add((user_id, entry_id))
            if valid:
                db_valid.setdefault(user_id, set()).add(entry_id)
            else:
                invalid += 1
        ok_total = sum(v["ok"] for v in expected.values())
        non2xx = {}
        mismatches = sum(v["mismatch"] for v in expected.values())
        pending = {(int(k), e) for k, v in expected.items() for _m, e in v["pending"]}
        for v in expected.values():
            for code, n in v["non2xx"].items():
                non2xx[code] = non2xx.get(code, 0) + n
        lost = doubled = 0
        ambiguous = 0
        users = {int(k) for k in expected} | set(db_valid)
        for uid in users:
            exp = set(expected.get(str(uid), {}).get("voted", []))
            got = db_valid.get(uid, set())
            for e in exp ^ got:
                if (uid, e) in pending:
                    ambiguous += 1
                elif e in exp:
                    lost += 1
                    problems.append(f"lost: user {uid} expected a vote on entry {e}, none in the DB")
                else:
                    doubled += 1
                    problems.append(f"extra: user {uid} has a vote on entry {e} the client withdrew/never got")
        per_entry = {}
        for user_id, entry_id, valid in rows:
            if valid:
                per_entry[entry_id] = per_entry.get(entry_id, 0) + 1
        cache_bad = [(e, c, per_entry.get(e, 0)) for e, c in counts.items() if c != per_entry.get(e, 0)]
        for e, c, n in cache_bad:
            problems.append(f"entry {e}: vote_count {c} but {n} valid vote rows")
        total_valid = sum(per_entry.values())
        if ch_count != total_valid:
            problems.append(f"challenge vote_count {ch_count} but {total_valid} valid vote rows")
        if mismatches:
            problems.append(f"{mismatches} responses whose 'voted' flag disagreed with the client's toggle")
        if non2xx:
            problems.append(f"non-2xx answers: {non2xx}")
        if ambiguous:
            problems.append(f"{ambiguous} (user, entry) pairs left undecided by requests cut off at the stop")
        exp_total = sum(len(v["voted"]) for v in expected.values())
        w("")
        w("Integrity check:")
        w(f"  2xx answers recorded by clients: {ok_total}; clients reporting: {len(expected)}/{len(setup['voters'])}")
        w(f"  expected votes (client sets): {exp_total}; valid vote rows: {total_valid}; invalid rows: {invalid}")
        w(f"  lost: {lost}, extra/doubled: {doubled}, duplicate rows: {len(rows) - len(seen)}, "
          f"entry caches wrong: {len(cache_bad)}/{len(counts)}, challenge cache {ch_count} vs {total_valid} rows")
        for p in problems[:20]:
            w("  - " + p)
        if len(problems) > 20:
            w(f"  ... {len(problems) - 20} more")
        passed = not problems and len(expected) == len(setup["voters"])
        (out / "results.json").write_text(json.dumps({
            "requests": result.requests, "failures": result.failures, "rps": result.rps, "p50_ms": result.p50,
            "p95_ms": result.p95, "p99_ms": result.p99, "cpu": result.cpu, "expected_votes": exp_total,
            "valid_rows": total_valid, "lost": lost, "doubled": doubled, "problems": problems, "pass": passed,
        }, indent=2))
        w(f"Logs, CSVs, setup/expected JSON: {out}")
        w(self.style.SUCCESS("PASS: no vote lost or doubled; caches match the rows.") if passed
          else self.style.ERROR("FAIL"))


def _per_name(path):
    import csv

    if not path.exists():
        return []
    lines = []
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("Name") != "Aggregated":
                lines.append(f"{row['Type']:<7}{row['Name']}: {row['Request Count']} req, {row['Failure Count']} failed, "
                             f"p50 {row['50%']} ms, p95 {row['95%']} ms, p99 {row['99%']} ms")
    return lines


def _hidden():
    import argparse

    return argparse.SUPPRESS
