"""``manage.py gamification_bench``: points award throughput with concurrent writers.

Meant for PostgreSQL (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/cocreate_gbench after
``migrate``). Each writer awards to its own users and to a few users shared by all writers, so
the per-user row lock is contended the way a popular author's votes contend it. It also times
``ledger verify`` over what was written. Bench users are deleted afterwards unless --keep.
"""
import statistics
import threading
import time
import uuid

from django.core.management.base import BaseCommand
from django.db import connection, connections

from community.models import User
from gamification import services
from gamification.ledger import ledger_verify


class Command(BaseCommand):
    help = "Print award throughput with N concurrent writers (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--writers", type=int, default=8)
        parser.add_argument("--awards", type=int, default=500, help="awards per writer")
        parser.add_argument("--users", type=int, default=200, help="distinct users")
        parser.add_argument("--shared", type=float, default=0.2, help="share of awards to 5 hot users")
        parser.add_argument("--keep", action="store_true")

    def handle(self, *args, writers, awards, users, shared, keep, **opts):
        run = uuid.uuid4().hex[:8]
        people = User.objects.bulk_create(
            [User(username=f"bench-{run}-{i}", email=f"bench-{run}-{i}@bench.invalid") for i in range(users)]
        )
        if not people[0].pk:
            people = list(User.objects.filter(username__startswith=f"bench-{run}-").order_by("id"))
        ids = [p.pk for p in people]
        hot = ids[:5]
        latencies = []
        lock = threading.Lock()
        errors = []
        barrier = threading.Barrier(writers)

        def writer(w):
            mine = []
            try:
                barrier.wait()
                for i in range(awards):
                    if (i * 7919 + w) % 100 < shared * 100:
                        user_id = hot[i % len(hot)]
                    else:
                        user_id = ids[(w * awards + i) % len(ids)]
                    t0 = time.perf_counter()
                    services.points_award(user_id=user_id, amount=1 + i % 5, action="bench.award",
                                          key=f"bench:{run}:{w}:{i}", counts_toward_level=False)
                    mine.append(time.perf_counter() - t0)
            except Exception as exc:  # pragma: no cover
                errors.append(exc)
            finally:
                with lock:
                    latencies.extend(mine)
                connections.close_all()

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        n = len(latencies)
        latencies.sort()
        self.stdout.write(f"database: {connection.vendor} {connection.settings_dict.get('NAME')}")
        self.stdout.write(f"writers: {writers}, awards: {n}, users: {users} (hot share {shared:.0%} on 5 users)")
        self.stdout.write(f"award throughput: {n / elapsed:.0f} awards/s over {elapsed:.2f} s")
        if n:
            self.stdout.write(
                "award latency ms: p50 {:.1f}  p95 {:.1f}  p99 {:.1f}  mean {:.1f}".format(
                    1000 * latencies[n // 2], 1000 * latencies[int(n * 0.95)], 1000 * latencies[int(n * 0.99)],
                    1000 * statistics.mean(latencies),
                )
            )
        t0 = time.perf_counter()
        report = ledger_verify()
        self.stdout.write(
            f"ledger verify: {report['rows']} rows in {time.perf_counter() - t0:.2f} s, "
            f"{len(report['broken'])} broken, {len(report['totals'])} total mismatches"
        )
        if errors:
            self.stderr.write(f"{len(errors)} writer error(s): {errors[:3]}")
        if not keep:
            from gamification.models import PointsEntry, UserPoints

            PointsEntry.objects.filter(user_id__in=ids).delete()
            UserPoints.objects.filter(user_id__in=ids).delete()
            User.objects.filter(pk__in=ids).delete()
