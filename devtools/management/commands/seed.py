"""Bulk-load a large, deterministic data set for benchmarks and query-plan work.

    python manage.py seed --users 100000 --reviews 1000000 --hot-product-reviews 10000
    python manage.py seed --users 1000000 --reviews 2000000 --interactions 10000000 \
        --attacks --truth /tmp/seed-truth.json          # issue 16's scale run (devtools/seed_interactions.py)

On PostgreSQL rows go in with COPY (psycopg 3); on SQLite with bulk_create.
This deliberately bypasses the services (a million ``review_post`` calls would
take hours); the caches the services keep are then rebuilt from the rows the
same way ``product_stats_refresh`` / ``review_recount_votes`` compute them, so
``manage.py rebuild_counters`` finds nothing to change afterwards.

Seed rows are recognisable: users ``seedNNNNNN@seed.cocreate.local`` and
products whose slug starts with ``seed-``. ``--reset`` deletes exactly those.
"""
import json
import math
import random
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from community import selectors, services
from community.cocreation.models import Challenge, Entry, EntryVote
from community.integrity.models import InteractionEvent, InteractionFlag
from community.models import (
    AspectTag,
    HelpfulVote,
    Product,
    ProductImage,
    Review,
    ReviewPhoto,
    User,
)
from core.stats import wilson_lower_bound
from devtools import demodata
from devtools.seed_interactions import CHALLENGE_TAG, InteractionSeeder
from gamification.models import ActivityDay, PointsEntry, UserPoints
from moderation.detectors.duplicate import band_keys, signature, to_bytes
from moderation.models import Case, LshBucket, RingCaseEvent, TextFingerprint

SEED_EMAIL_DOMAIN = "seed.cocreate.local"
SEED_PRODUCT_PREFIX = "seed-"
HOT_SLUG = "seed-hot-lumi-hydrating-serum"
# Shared by every seed user: hashing a million times would dominate the run.
SEED_PASSWORD = "cocreate-seed"
RATING_WEIGHTS = [4, 5, 11, 30, 50]  # 1..5 stars, a typical e-commerce skew
Status = Review.Status


class Command(BaseCommand):
    help = "Bulk-create users, products, reviews, tags, photos and helpful votes (COPY on PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=100_000)
        parser.add_argument("--reviews", type=int, default=1_000_000)
        parser.add_argument("--hot-product-reviews", type=int, default=10_000,
                            help="reviews on the one hot product (the benchmark's target)")
        parser.add_argument("--products", type=int, default=2_000)
        parser.add_argument("--batch", type=int, default=20_000, help="rows per progress line / bulk_create batch")
        parser.add_argument("--random-seed", type=int, default=1)
        parser.add_argument("--days", type=int, default=365,
                            help="reviews (and with them the votes on them) are spread over the last DAYS days")
        parser.add_argument("--reset", action="store_true", help="delete earlier seed data first")
        parser.add_argument("--fingerprints", action="store_true",
                            help="also index every seeded text in the near-duplicate index (MinHash + LSH "
                                 "buckets), as screening would: the quality rescore benchmark needs it")
        parser.add_argument("--interactions", type=int, default=0,
                            help="interaction events in all (reviews count; the rest are helpful votes, entry "
                                 "votes and check-ins), with their ledger rows and interaction log; 0: the "
                                 "plain review seed with a few helpful votes")
        parser.add_argument("--attacks", action="store_true",
                            help="with --interactions: inject vote fraud (rings, slow rings, bought votes, "
                                 "new-account swarms, sock puppets)")
        parser.add_argument("--attack-scale", type=float, default=1.0,
                            help="multiplies how many attacks of each type --attacks injects")
        parser.add_argument("--truth", default="",
                            help="with --attacks: write which interaction events are fake, by attack, to this JSON file")

    def handle(self, *args, users, reviews, hot_product_reviews, products, batch, random_seed, reset,
               days=365, fingerprints=False, interactions=0, attacks=False, attack_scale=1.0, truth="", **options):
        self.batch = max(1000, batch)
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        self.days = days
        self.pg = connection.vendor == "postgresql"
        U, R, H, P = users, reviews, hot_product_reviews, products
        self._validate(U, R, H, P)
        if interactions < 0:
            raise CommandError("--interactions must be 0 or more.")
        if (attacks or truth) and not interactions:
            raise CommandError("--attacks and --truth need --interactions.")
        if truth and not attacks:
            raise CommandError("--truth needs --attacks.")
        started = time.monotonic()

        existing = self._existing()
        if existing and not reset:
            raise CommandError(
                f"Seed data already exists ({existing}). Run again with --reset to delete it and seed afresh."
            )
        if existing:
            self._reset()
            started = time.monotonic()  # the figure printed at the end is the seed alone

        self.rng = random.Random(random_seed)
        self.now = timezone.now().replace(microsecond=0)
        self.ix = None
        if interactions:
            self.ix = InteractionSeeder(self, users=U, reviews=R, hot=H, interactions=interactions, attacks=attacks,
                                        truth=truth, random_seed=random_seed, attack_scale=attack_scale)
        self.stdout.write(
            f"Seeding {U:,} users, {P:,} products, {R:,} reviews ({H:,} on {HOT_SLUG}) "
            f"on {connection.vendor} ({'COPY' if self.pg else 'bulk_create'})"
        )
        with transaction.atomic():
            demodata.groups_ensure()
            brands, categories = demodata.catalog_ensure()
            files = self._files()
            product_rows = self._products(P, brands, categories, files)
            bulk = [User, Review, Review.tags.through, ReviewPhoto, HelpfulVote, Entry, EntryVote, ActivityDay,
                    PointsEntry, UserPoints, InteractionEvent] if self.ix else []
            with self._indexes_rebuilt_after(bulk):
                user_ids, _joined = self._users(U)
                self._reviews(R, H, user_ids, product_rows, files)
                if self.ix:
                    self.ix.finish(user_base=user_ids[0], brands=brands,
                                   write_users=lambda all_joined: self._write_users(user_ids[0], all_joined))
            if fingerprints:
                self._fingerprints()
            self._moderation_cases()
            self._sequences()
            t = time.monotonic()
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: PostgreSQL checks them all here.
        self.stdout.write(f"  commit (deferred foreign-key checks) in {time.monotonic() - t:.1f}s")
        loaded = time.monotonic() - started
        self._product_caches([p.pk for p in product_rows])
        if self.ix and self.ix.n_challenges:
            from community.cocreation.services import entry_fair_scores_refresh

            for challenge_id in self.ix.ch_ids.tolist():
                entry_fair_scores_refresh(challenge_id=challenge_id)
        self._analyze()
        total = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Seeded in {total:.1f}s (rows loaded in {loaded:.1f}s, caches and ANALYZE {total - loaded:.1f}s)."
        ))
        if self.ix:
            counts = ", ".join(f"{n:,} {kind}" for kind, n in self.ix.counts.items())
            self.stdout.write(f"Interaction events: {self.ix.event_count:,} ({counts}); ledger rows: "
                              f"{self.ix.ledger_rows:,}; accounts: {len(self.ix.joined):,} "
                              f"({self.ix.plan.account_count:,} attack accounts)")
        self.stdout.write(f"Hot product slug: {HOT_SLUG}")
        self.stdout.write(f"  page: /products/{HOT_SLUG}/   API: /api/products/{HOT_SLUG}/reviews/")

    # --- checks ------------------------------------------------------------------------
    def _validate(self, U, R, H, P):
        if min(U, P) < 1 or R < 0 or H < 0:
            raise CommandError("--users and --products must be positive; --reviews and --hot-product-reviews >= 0.")
        if H > R:
            raise CommandError("--hot-product-reviews cannot exceed --reviews.")
        if H > U:
            raise CommandError("Each user reviews a product once: --hot-product-reviews cannot exceed --users.")
        per_user = math.ceil((R - H) / U) if R > H else 0
        if per_user and per_user > P - 1:
            raise CommandError(
                f"{R - H:,} reviews over {U:,} users is {per_user} products per user, but there are only "
                f"{P - 1:,} other products: raise --products or --users."
            )

    def _seed_users(self):
        return User.objects.filter(email__endswith=f"@{SEED_EMAIL_DOMAIN}")

    def _seed_products(self):
        return Product.objects.filter(slug__startswith=SEED_PRODUCT_PREFIX)

    def _existing(self):
        users, products = self._seed_users().count(), self._seed_products().count()
        if not users and not products:
            return ""
        return f"{users:,} seed users, {products:,} seed products"

    def _reset(self):
        t = time.monotonic()
        self.stdout.write("Deleting earlier seed data ...")
        qn = connection.ops.quote_name
        review_t, user_t, product_t = (qn(m._meta.db_table) for m in (Review, User, Product))
        seed_users = f"SELECT id FROM {user_t} WHERE email LIKE %s"
        seed_products = f"SELECT id FROM {product_t} WHERE slug LIKE %s"
        users_param, products_param = f"%@{SEED_EMAIL_DOMAIN}", f"{SEED_PRODUCT_PREFIX}%"
        # One plain IN (subquery) per statement: the planner turns each into a hash join.
        # (An OR of two subqueries makes PostgreSQL re-run a subplan per row: hours on 1M rows.)
        review_sets = [
            (f"SELECT id FROM {review_t} WHERE product_id IN ({seed_products})", products_param),
            (f"SELECT id FROM {review_t} WHERE author_id IN ({seed_users})", users_param),
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            # Raw deletes: the ORM collector would load a million reviews into memory first.
            cursor.execute(f"DELETE FROM {qn(HelpfulVote._meta.db_table)} WHERE user_id IN ({seed_users})",
                           [users_param])
            for model_table in (HelpfulVote, Review.tags.through, ReviewPhoto):
                table = qn(model_table._meta.db_table)
                for subquery, param in review_sets:
                    cursor.execute(f"DELETE FROM {table} WHERE review_id IN ({subquery})", [param])
            # The near-duplicate index of seeded texts (--fingerprints); buckets cascade in SQL.
            fp_t, bucket_t = (qn(m._meta.db_table) for m in (TextFingerprint, LshBucket))
            seed_fps = f"SELECT id FROM {fp_t} WHERE content_type = 'review' AND author_id IN ({seed_users})"
            cursor.execute(f"DELETE FROM {bucket_t} WHERE fingerprint_id IN ({seed_fps})", [users_param])
            cursor.execute(f"DELETE FROM {fp_t} WHERE id IN ({seed_fps})", [users_param])
            # The interaction seed (--interactions): log, ledger, check-ins, entry votes, entries, challenges.
            event_t = qn(InteractionEvent._meta.db_table)
            # What the integrity scan attached to those events (flags, ring cases) goes first.
            seed_events = f"SELECT id FROM {event_t} WHERE actor_id IN ({seed_users}) OR target_author_id IN ({seed_users})"
            for model in (InteractionFlag, RingCaseEvent):
                cursor.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE event_id IN ({seed_events})",
                               [users_param, users_param])
            cursor.execute(f"DELETE FROM {event_t} WHERE actor_id IN ({seed_users})", [users_param])
            cursor.execute(f"DELETE FROM {event_t} WHERE target_author_id IN ({seed_users})", [users_param])
            for model in (PointsEntry, UserPoints, ActivityDay, EntryVote):
                cursor.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE user_id IN ({seed_users})",
                               [users_param])
            seed_challenges = f"SELECT id FROM {qn(Challenge._meta.db_table)} WHERE hashtag = %s"
            cursor.execute(f"DELETE FROM {qn(EntryVote._meta.db_table)} WHERE challenge_id IN ({seed_challenges})",
                           [CHALLENGE_TAG])
            Entry.objects.filter(challenge__hashtag=CHALLENGE_TAG).delete()
            Challenge.objects.filter(hashtag=CHALLENGE_TAG).delete()
            cursor.execute(f"DELETE FROM {review_t} WHERE product_id IN ({seed_products})", [products_param])
            cursor.execute(f"DELETE FROM {review_t} WHERE author_id IN ({seed_users})", [users_param])
            # Whatever else points at seed users or products goes through the ORM's cascade.
            ids = list(self._seed_users().values_list("id", flat=True))
            for i in range(0, len(ids), 10_000):
                User.objects.filter(id__in=ids[i:i + 10_000]).delete()
            self._seed_products().delete()
        self.stdout.write(f"  deleted in {time.monotonic() - t:.1f}s")

    # --- catalog ------------------------------------------------------------------------
    def _files(self):
        """A few generated pictures in media/seed/, shared by every seed product and photo."""
        files = {"product": [], "photo": []}
        for k in range(8):
            hue = 0.12 * k
            for kind, size in (("product", (800, 800)), ("photo", (960, 720))):
                name = f"seed/{kind}-{k}.jpg"
                if not default_storage.exists(name):
                    data = demodata.picture_bytes(hue=hue, size=size, variant=k, label=f"seed {k}")
                    default_storage.save(name, ContentFile(data))
                thumb = f"seed/{kind}-{k}-thumb.jpg"
                if kind == "photo" and not default_storage.exists(thumb):
                    default_storage.save(thumb, ContentFile(demodata.picture_bytes(hue=hue, size=(360, 270), variant=k)))
                files[kind].append((name, thumb, size))
        return files

    def _products(self, P, brands, categories, files):
        t = time.monotonic()
        brand_list, cat_list = list(brands.values()), list(categories.values())
        rows = [Product(
            slug=HOT_SLUG,
            brand=brands["lumi"],
            category=categories["beauty"],
            name_zh="露米 玻尿酸保湿精华（人气款）",
            name_en="Lumi Hyaluronic Hydrating Serum (bestseller)",
            description_zh="三重分子玻尿酸，质地清爽好吸收。基准测试用的人气商品，约一万条评价。",
            description_en="Three sizes of hyaluronic acid in a light serum. The benchmark's popular product.",
            created_at=self.now - timedelta(days=400),
        )]
        for i in range(1, P):
            brand, cat = brand_list[i % len(brand_list)], cat_list[i % len(cat_list)]
            rows.append(Product(
                slug=f"{SEED_PRODUCT_PREFIX}p{i:06d}",
                brand=brand,
                category=cat,
                name_zh=f"{brand.name.split()[-1]} {cat.name_zh}单品 {i}",
                name_en=f"{brand.name.split()[0]} {cat.name_en} item {i}",
                description_zh="用于性能测试的示例商品。",
                description_en="A sample product for performance tests.",
                created_at=self.now - timedelta(days=self.rng.randrange(30, 700)),
            ))
        Product.objects.bulk_create(rows, batch_size=1000)
        if not rows[0].pk:  # backends without RETURNING: read the ids back
            by_slug = dict(self._seed_products().values_list("slug", "id"))
            for p in rows:
                p.pk = p.id = by_slug[p.slug]
        images = [ProductImage(product=rows[0], image=files["product"][k][0], position=k) for k in range(3)]
        images += [ProductImage(product=p, image=files["product"][i % 8][0], position=0) for i, p in enumerate(rows[1:])]
        ProductImage.objects.bulk_create(images, batch_size=2000)
        self._done("products", len(rows), t)
        return rows

    # --- users ----------------------------------------------------------------------------
    def _users(self, U):
        """The users' ids and join times (epoch seconds). Written here, or with --interactions after
        every action is known (a join date moves earlier than the account's first action; the
        foreign keys are checked at commit), attack accounts numbered after the organic ones."""
        base = (User.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        now = int(self.now.timestamp())
        joined = [now - self.rng.randrange(2 * 365 * 86400) for _ in range(U)]
        if self.ix:
            joined = self.ix.prepare(joined)
            return list(range(base, base + len(joined))), joined
        self._write_users(base, joined)
        return list(range(base, base + U)), joined

    def _write_users(self, base, joined):
        t = time.monotonic()
        password = make_password(SEED_PASSWORD)  # hashed once, reused for every row
        columns = ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
                   "is_staff", "is_active", "date_joined", "display_name", "avatar", "timezone"]
        U = len(joined)
        stamps = [datetime.fromtimestamp(int(j), UTC) for j in joined]

        def rows():
            for i in range(U):
                email = f"seed{i:06d}@{SEED_EMAIL_DOMAIN}"
                name = f"用户{i}" if i % 2 else f"Shopper {i}"
                yield (base + i, password, False, email, "", "", email, False, True, stamps[i], name, "",
                       "Asia/Shanghai")

        self._load(User, columns, rows(), U, "users")
        self._done("users", U, t)

    # --- reviews, tags, photos, votes ----------------------------------------------------
    def _reviews(self, R, H, user_ids, products, files):
        t = time.monotonic()
        rng, now = self.rng, self.now
        U, others = len(user_ids), products[1:]
        hot = products[0]
        tags_by_cat = {}
        for tag in AspectTag.objects.all():
            tags_by_cat.setdefault(tag.category_id, {"pos": [], "neg": []})["neg" if tag.negative else "pos"].append(
                tag.pk
            )
        base = (Review.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        texts = [(t_, "zh") for t_ in demodata.REVIEW_TEXTS_ZH] + [(t_, "en") for t_ in demodata.REVIEW_TEXTS_EN]
        tag_rows, photo_rows, vote_rows = [], [], []
        span = self.days * 86400
        # Hot reviews are spread through the table, not in one block, so the heap looks
        # like real traffic: one product's reviews are scattered over many pages.
        stride = R // H if H else 0
        # Quality (moderation's 0-100 score) and the rank it feeds, when the model has them:
        # content reviews get a score, a rating alone stays unscored, as the scorer does.
        review_fields = {f.attname for f in Review._meta.concrete_fields}
        rank_score = getattr(services, "review_rank_score", None)
        with_quality = {"quality_score", "rank_score"} <= review_fields and rank_score is not None
        ix = self.ix
        if ix:
            U = ix.U  # organic accounts write the reviews; attack accounts only those the plan gives them

        def rows():
            hot_done = other_j = 0
            for pos in range(R):
                review_id = base + pos
                if H and hot_done < H and pos % stride == 0:
                    a, product, is_hot = hot_done, hot, True
                    hot_done += 1
                else:
                    a, k = other_j % U, other_j // U
                    product, is_hot = others[(a + k) % len(others)], False
                    other_j += 1
                    if ix:
                        a = ix.review_author(pos, a)
                rating = rng.choices((1, 2, 3, 4, 5), RATING_WEIGHTS)[0]
                roll = rng.random()
                status = Status.PUBLISHED if roll < 0.97 else (Status.PENDING if roll < 0.99 else Status.REJECTED)
                if ix and ix.targeted(pos):
                    status = Status.PUBLISHED  # an attack's target is on show
                # ids and dates grow together, as they do in production, with a little jitter
                created = now - timedelta(seconds=int(span * (1 - pos / R)) + rng.randrange(3600))
                text, language = ("", "zh")
                if rng.random() < (0.55 if is_hot else 0.25):
                    text, language = rng.choice(texts)
                has_photos = rng.random() < (0.12 if is_hot else 0.03)
                if has_photos:
                    for n in range(rng.randint(1, 3)):
                        name, thumb, (w, h) = files["photo"][(pos + n) % len(files["photo"])]
                        photo_rows.append((review_id, name, thumb, w, h, created))
                cat_tags = tags_by_cat.get(product.category_id)
                if cat_tags and rng.random() < (0.65 if is_hot else 0.3):
                    chosen = set(rng.sample(cat_tags["pos"], min(len(cat_tags["pos"]), rng.randint(1, 3 if is_hot else 2))))
                    if rating <= 2 and cat_tags["neg"]:
                        chosen = {rng.choice(cat_tags["neg"])}
                    tag_rows.extend((review_id, tag_id) for tag_id in chosen)
                up = down = 0
                if ix:
                    up, down = ix.review_votes(
                        review_id=review_id, pos=pos, author=a, created_ts=int(created.timestamp()),
                        published=status == Status.PUBLISHED, is_hot=is_hot, rating=rating)
                elif status == Status.PUBLISHED and (is_hot or rng.random() < 0.04):
                    # Heavy-tailed: most reviews get no votes, a few get hundreds.
                    n = min(int(rng.paretovariate(1.2)) - 1 if is_hot else rng.randint(1, 4), 300, U - 1)
                    p_helpful = rng.betavariate(5, 2) if rating >= 3 else rng.betavariate(2, 3)
                    for m in range(n):
                        helpful = rng.random() < p_helpful
                        up, down = up + helpful, down + (not helpful)
                        vote_rows.append((review_id, user_ids[(a + 1 + m) % U], helpful, created))
                score = wilson_lower_bound(up, up + down)
                published_at = created if status == Status.PUBLISHED else None
                reason = "seed: rejected sample" if status == Status.REJECTED else ""
                row = (review_id, product.pk, user_ids[a], rating, text, language, status, reason,
                       "free_sample" if rng.random() < 0.05 else "", has_photos, created, None, published_at,
                       up, down, score)
                if with_quality:
                    quality = None
                    if text or has_photos:
                        quality = max(0, min(100, int(rng.gauss(62 + 8 * has_photos, 16))))
                    row += (quality, rank_score(score, quality))
                yield row

        columns = ["id", "product_id", "author_id", "rating", "text", "language", "status", "status_reason",
                   "incentive", "has_photos", "created_at", "edited_at", "published_at",
                   "helpful_count", "not_helpful_count", "helpful_score"]
        if with_quality:
            columns += ["quality_score", "rank_score"]
        self._load(Review, columns, rows(), R, "reviews")
        self._done("reviews", R, t)
        t = time.monotonic()
        self._load(Review.tags.through, ["review_id", "aspecttag_id"], tag_rows, len(tag_rows), "review tags")
        self._load(ReviewPhoto, ["review_id", "image", "thumbnail", "width", "height", "created_at"],
                   photo_rows, len(photo_rows), "review photos")
        self._load(HelpfulVote, ["review_id", "user_id", "helpful", "created_at"], vote_rows, len(vote_rows),
                   "helpful votes")
        self._done(f"{len(tag_rows):,} tags, {len(photo_rows):,} photos, {len(vote_rows):,} votes",
                   len(tag_rows) + len(photo_rows) + len(vote_rows), t)

    # --- loading -------------------------------------------------------------------------
    @contextmanager
    def _indexes_rebuilt_after(self, models):
        """PostgreSQL: drop the secondary indexes, unique and foreign-key constraints of ``models``'
        tables (primary keys stay), load, then create them again from their saved definitions, in
        the same transaction. Building an index once over sorted rows is many times cheaper than
        updating it row by row, and one foreign-key validation per constraint replaces a deferred
        trigger per row. The definitions come from the catalog, so the schema ends up exactly as
        the migrations left it; a failure rolls all of it back."""
        if not self.pg or not models:
            yield
            return
        qn = connection.ops.quote_name
        saved = []
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # Run the foreign-key checks already queued (rows written so far in this transaction):
            # a table with pending trigger events cannot be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for model in models:
                table = model._meta.db_table
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC", [table])
                constraints = cursor.fetchall()
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
                    "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT EXISTS ("
                    "  SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('u', 'p', 'x')"
                    "  AND k.conrelid = x.indrelid)", [table])
                indexes = cursor.fetchall()
                for name, _definition in constraints:
                    cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
                for name, _definition in indexes:
                    cursor.execute(f"DROP INDEX {qn(name)}")
                saved.append((table, constraints, indexes))
        yield
        t = time.monotonic()
        slowest = []
        with connection.cursor() as cursor:
            for table, constraints, indexes in saved:
                statements = [definition for _name, definition in indexes]
                # Unique constraints first (ORDER BY contype DESC above), then the foreign keys.
                statements += [f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}"
                               for name, definition in constraints]
                for sql in statements:
                    started = time.monotonic()
                    cursor.execute(sql)
                    slowest.append((time.monotonic() - started, sql))
        self.stdout.write(f"  indexes and constraints rebuilt: {len(slowest)} in {time.monotonic() - t:.1f}s; slowest:")
        for seconds, sql in sorted(slowest, reverse=True)[:5]:
            self.stdout.write(f"    {seconds:6.1f}s  {sql[:110]}")

    def _load(self, model, columns, rows, total, label):
        """Write ``rows`` (tuples in ``columns`` order); other columns get their model defaults."""
        given = set(columns)
        extra = [
            f for f in model._meta.concrete_fields
            if f.attname not in given and not f.primary_key
        ]
        started, done = time.monotonic(), 0
        if self.pg:
            extra_values = tuple(f.get_db_prep_save(f.get_default(), connection) for f in extra)
            qn = connection.ops.quote_name
            cols = ", ".join(qn(model._meta.get_field(c).column) for c in columns)
            cols += "".join(", " + qn(f.column) for f in extra)
            connection.ensure_connection()
            with connection.connection.cursor() as cursor:
                with cursor.copy(f"COPY {qn(model._meta.db_table)} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + extra_values if extra_values else row)
                        done += 1
                        if done % self.batch == 0:
                            self._progress(label, done, total, started)
        else:
            chunk = []
            for row in rows:
                chunk.append(model(**dict(zip(columns, row))))
                if len(chunk) >= self.batch:
                    model.objects.bulk_create(chunk)
                    done += len(chunk)
                    chunk = []
                    self._progress(label, done, total, started)
            if chunk:
                model.objects.bulk_create(chunk)
                done += len(chunk)
        if total >= self.batch and done % self.batch:
            self._progress(label, done, total, started)
        if total >= self.batch and self._tty():
            self.stdout.write("")

    def _tty(self):
        return getattr(self.stdout, "isatty", lambda: False)()

    def _progress(self, label, done, total, started):
        rate = done / max(time.monotonic() - started, 1e-6)
        line = f"  {label}: {done:,}/{total:,}  ({rate:,.0f} rows/s)"
        if self._tty():  # redraw one line on a terminal, one line per batch in a log
            self.stdout.write("\r" + line, ending="")
        else:
            self.stdout.write(line)
        self.stdout.flush()

    def _done(self, label, n, t):
        self.stdout.write(f"  {label}: {n:,} rows in {time.monotonic() - t:.1f}s")

    def _fingerprints(self):
        """The near-duplicate index for every seeded text (what ``DuplicateDetector.remember``
        writes at screening). Seed texts repeat a small pool, so each signature is computed
        once per distinct text; every review still gets its own fingerprint and 16 buckets,
        which makes this the index's worst case: every bucket is crowded."""
        t = time.monotonic()
        seeded = Review.objects.filter(author__email__endswith=f"@{SEED_EMAIL_DOMAIN}").exclude(text="")
        total = seeded.count()
        base = (TextFingerprint.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        cache, pairs = {}, []

        # Read first: the connection cannot run a query while it is in the middle of a COPY.
        seeded_rows = list(seeded.order_by("pk").values_list("pk", "author_id", "product_id", "text"))

        def fingerprint_rows():
            for n, (review_id, author_id, product_id, text) in enumerate(seeded_rows):
                if text not in cache:
                    sig = signature(text)
                    cache[text] = None if sig is None else (to_bytes(sig), band_keys(sig))
                if cache[text] is None:
                    continue
                blob, keys = cache[text]
                pairs.append((base + n, keys))
                yield (base + n, "review", review_id, author_id, f"product:{product_id}", blob, self.now)

        self._load(TextFingerprint, ["id", "content_type", "object_id", "author_id", "scope", "signature",
                                     "created_at"], fingerprint_rows(), total, "fingerprints")
        self._load(LshBucket, ["fingerprint_id", "key"], ((fp, k) for fp, keys in pairs for k in keys),
                   16 * len(pairs), "lsh buckets")
        if self.pg:
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(self.style, [TextFingerprint]):
                    cursor.execute(statement)
        self._done("fingerprints", len(pairs), t)

    def _moderation_cases(self):
        """The pending reviews (2% of them) wait in the moderation queue, screened and queued as the
        worker leaves them: a case each, with a risk, a reason, and the queue's static priority
        (``moderation.services.priority_for``), so the queue page is measured on a full queue."""
        from moderation.services import priority_for

        t = time.monotonic()
        pending = list(Review.objects.filter(status=Review.Status.PENDING, product__slug__startswith=SEED_PRODUCT_PREFIX)
                       .order_by("id").values_list("id", "author_id", "language", "created_at"))
        rng = random.Random(len(pending))
        reasons = [["classifier"], ["contact"], ["duplicate"], ["absolute_claim"], ["low_quality"], ["burst"]]

        json_value = json.dumps if self.pg else (lambda value: value)  # COPY takes JSON columns as text

        def rows():
            for review_id, author_id, language, created in pending:
                risk = round(rng.uniform(0.35, 0.85), 3)
                queued = created + timedelta(seconds=rng.randint(1, 30))
                yield ("review", review_id, author_id, language, Case.State.QUEUED, risk,
                       json_value(rng.choice(reasons)), json_value([]), "queue", queued, queued,
                       priority_for(risk=risk, reach=0, report_weight=0.0, queued_at=queued), created, queued)

        columns = ["content_type", "object_id", "author_id", "language", "state", "risk", "queue_reasons", "detectors",
                   "ai_decision", "screened_at", "queued_at", "priority", "created_at", "updated_at"]
        self._load(Case, columns, rows(), len(pending), "moderation cases")
        self._done("moderation cases (the pending reviews, queued)", len(pending), t)

    def _sequences(self):
        """Explicit ids were written: move the id sequences past them (PostgreSQL only needs this)."""
        if not self.pg:
            return
        sql = connection.ops.sequence_reset_sql(self.style, [User, Review, Product, Entry, InteractionEvent,
                                                             PointsEntry])
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)

    # --- caches and statistics --------------------------------------------------------------
    def _product_caches(self, product_ids):
        """Set every seed product's caches with the same aggregates product_stats_refresh uses, in bulk."""
        t = time.monotonic()
        published = Review.objects.filter(status=Status.PUBLISHED, product_id__in=product_ids)
        stats = {pid: {"h": [0, 0, 0, 0, 0], "tags": {}, "photos": 0, "content": 0} for pid in product_ids}
        for row in published.values("product_id", "rating").annotate(n=Count("id")).order_by():
            stats[row["product_id"]]["h"][row["rating"] - 1] = row["n"]
        for row in published.filter(has_photos=True).values("product_id").annotate(n=Count("id")).order_by():
            stats[row["product_id"]]["photos"] = row["n"]
        for row in published.filter(selectors.WITH_CONTENT).values("product_id").annotate(n=Count("id")).order_by():
            stats[row["product_id"]]["content"] = row["n"]
        tag_rows = (
            Review.tags.through.objects.filter(review__status=Status.PUBLISHED, review__product_id__in=product_ids)
            .values("review__product_id", "aspecttag_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in tag_rows:
            stats[row["review__product_id"]]["tags"][str(row["aspecttag_id"])] = row["n"]
        products = []
        for pid, s in stats.items():
            h = s["h"]
            products.append(Product(
                pk=pid, rating_count=sum(h), rating_sum=sum((i + 1) * n for i, n in enumerate(h)),
                rating_histogram=h, tag_counts=s["tags"], photo_review_count=s["photos"],
                content_review_count=s["content"],
            ))
        Product.objects.bulk_update(
            products,
            ["rating_count", "rating_sum", "rating_histogram", "tag_counts", "photo_review_count",
             "content_review_count"],
            batch_size=500,
        )
        # The hot product goes through the service itself: a check that the bulk path agrees with it.
        hot = Product.objects.get(slug=HOT_SLUG)
        services.product_stats_refresh(product_id=hot.pk)
        again = Product.objects.get(pk=hot.pk)
        if (again.rating_histogram, again.tag_counts) != (stats[hot.pk]["h"], stats[hot.pk]["tags"]):
            raise CommandError("Bulk product caches disagree with product_stats_refresh; this is a bug in seed.")
        self._done("product caches", len(products), t)

    def _analyze(self):
        if not self.pg:
            return
        t = time.monotonic()
        # Every table the seed loads: a table left unanalysed is planned as nearly empty (the
        # moderation queue's 6,000 cases were read whole and sorted, 4.7 ms, instead of 50 rows
        # by the priority index, 0.4 ms; autovacuum, which would analyse it on a live database,
        # may be off where benchmarks run).
        models = [User, Product, ProductImage, Review, Review.tags.through, ReviewPhoto, HelpfulVote, TextFingerprint,
                  LshBucket, Case]
        if self.ix:
            models += [Entry, EntryVote, ActivityDay, PointsEntry, UserPoints, InteractionEvent]
        # VACUUM also sets the visibility map, as autovacuum would on a live database; it cannot run
        # inside a transaction (a test's), where ANALYZE alone does.
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"{verb} {connection.ops.quote_name(model._meta.db_table)}")
        self._done("VACUUM ANALYZE tables", len(models), t)
