"""Benchmark: leaderboard top-100 and own-rank latency with 1M users in Redis (goal < 5 ms
each), and badge backfill time for N users (run it against PostgreSQL).

    manage.py gamification_bench_boards --redis redis://127.0.0.1:6379/8 --members 1000000
    DATABASE_URL=postgres://.../cocreate_gbench2 manage.py gamification_bench_boards --backfill-users 100000
"""
import random
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from community.models import Brand, Category, Product, Review, User
from gamification.badges import badges_backfill
from gamification.leaderboards import competition_ranks
from gamification.models import Badge, UserBadge

GOAL_MS = 5.0


class Command(BaseCommand):
    help = "Leaderboard latency with 1M members in Redis, and badge backfill time."

    def add_arguments(self, parser):
        parser.add_argument("--redis", default="redis://127.0.0.1:6379/8", help="Redis URL of a scratch database.")
        parser.add_argument("--members", type=int, default=1_000_000)
        parser.add_argument("--samples", type=int, default=500)
        parser.add_argument("--backfill-users", type=int, default=0, help="Seed this many users and time the backfill.")
        parser.add_argument("--skip-redis", action="store_true")

    def handle(self, *args, **o):
        if not o["skip_redis"]:
            self._boards(o)
        if o["backfill_users"]:
            self._backfill(o)

    def _boards(self, o):
        import redis


        client = redis.Redis.from_url(o["redis"])
        key = "bench:lb:overall:week:bench"
        client.delete(key)
        n = o["members"]
        rng = random.Random(7)
        started = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        for start in range(0, n, 10_000):
            pipe.zadd(key, {str(uid): rng.randint(0, 50_000) for uid in range(start, min(n, start + 10_000))})
            if len(pipe) >= 20:
                pipe.execute()
        pipe.execute()
        load = time.perf_counter() - started
        self.stdout.write(f"loaded {client.zcard(key):,} members with pipelined ZADD in {load:.1f}s")

        top, rank = [], []
        for _ in range(o["samples"]):
            t = time.perf_counter()
            pairs = client.zrevrange(key, 0, 99, withscores=True)
            competition_ranks([(int(m), int(s)) for m, s in pairs])
            top.append((time.perf_counter() - t) * 1000)
            uid = str(rng.randrange(n))
            t = time.perf_counter()
            score = client.zscore(key, uid)
            client.zcount(key, f"({score}", "+inf")
            rank.append((time.perf_counter() - t) * 1000)
        for label, xs in (("top-100", top), ("own rank", rank)):
            p50 = statistics.median(xs)
            p95 = statistics.quantiles(xs, n=20)[18]
            verdict = "PASS" if p95 < GOAL_MS else "FAIL"
            self.stdout.write(f"{label:<9} p50 {p50:.2f} ms  p95 {p95:.2f} ms  (goal < {GOAL_MS:.0f} ms): {verdict}")
        client.delete(key)

    def _backfill(self, o):
        n = o["backfill_users"]
        self.stdout.write(f"seeding {n:,} users and ~{n * 3 // 2:,} reviews ...")
        stamp = str(int(time.time()))
        with transaction.atomic():
            brand = Brand.objects.create(name=f"Bench {stamp}", slug=f"bench-{stamp}")
            cat = Category.objects.create(name_zh="基准", name_en="Bench", slug=f"bench-{stamp}")
            products = Product.objects.bulk_create(
                [Product(brand=brand, category=cat, name_zh=f"品{i}", slug=f"bench-{stamp}-{i}") for i in range(4)]
            )
        users = []
        for start in range(0, n, 5000):
            users += User.objects.bulk_create(
                [User(username=f"b{stamp}-{i}@x.test", email=f"b{stamp}-{i}@x.test", password="!")
                 for i in range(start, min(n, start + 5000))]
            )
        now = timezone.now()
        rows = [
            Review(product=products[j], author=u, rating=5, status="published", published_at=now, has_photos=(i + j) % 3 == 0)
            for i, u in enumerate(users) for j in range(i % 4)
        ]
        for start in range(0, len(rows), 10_000):
            Review.objects.bulk_create(rows[start : start + 10_000])
        Badge.objects.get_or_create(slug="bench-first", defaults=dict(name_zh="首评", criterion="reviews_published", params={"n": 1}))
        Badge.objects.get_or_create(slug="bench-photo", defaults=dict(name_zh="晒图", criterion="reviews_with_photos", params={"n": 2}))
        for notify in (True,):
            t = time.perf_counter()
            result = badges_backfill(notify=notify)
            took = time.perf_counter() - t
            self.stdout.write(f"badge backfill over {n:,} users: {took:.1f}s, new holders {result}")
        t = time.perf_counter()
        result = badges_backfill()
        self.stdout.write(f"second run (nothing to grant): {time.perf_counter() - t:.1f}s, {result}")
        self.stdout.write(f"holders now: {UserBadge.objects.count():,}")
