"""Load a small, fictional, bilingual demo: run it twice and nothing changes the second time.

Catalog rows (brands, categories, tags, products, product pictures, badges) are set up
the way an operator would in the admin; every review, photo and vote goes
through ``community.services`` so points, signals and caches behave exactly as
they do for real shoppers.

Co-creation (challenges, a poll, trials): ``devtools/demo_cocreation.py``.
"""
import logging
import random
import time

from django.contrib.auth.hashers import check_password, make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from community import services
from community.models import (
    BrandMembership,
    HelpfulVote,
    Product,
    ProductImage,
    Review,
    User,
)
from community.privacy import services as privacy_services
from community.privacy.models import ConsentRecord
from devtools import demodata
from devtools.demo_cocreation import BURST_LIMITS, CoCreationDemo

DEMO_PASSWORD = "cocreate-demo"
URL = "http://127.0.0.1:8000/"

# key: (email, display name, role)
PEOPLE = {
    "admin": ("admin@cocreate.local", "Admin 管理员", "admin"),
    "moderator": ("moderator@cocreate.local", "审核员 Mia", "moderator"),
    "brand": ("brand@cocreate.local", "Lumi 品牌运营", "brand"),
    "xiaomei": ("xiaomei@cocreate.local", "小美", "shopper"),
    "alex": ("alex@cocreate.local", "Alex", "shopper"),
    "lin": ("lin@cocreate.local", "林同学", "shopper"),
    "sam": ("sam@cocreate.local", "Sam", "shopper"),
    "yuki": ("yuki@cocreate.local", "雪雪 Yuki", "shopper"),
    "chen": ("chen@cocreate.local", "老陈", "shopper"),
}
SHOPPERS = [k for k, (_e, _n, role) in PEOPLE.items() if role == "shopper"]
BRAND_STAFF_BRAND = "lumi"

# author, product slug, rating, tag slugs, text, got a free sample for it (labelled on the card), photos
REVIEWS = [
    ("xiaomei", "lumi-hydrating-serum", 5, ["moisturising", "gentle", "value"],
     "干皮救星！上脸很快吸收，第二天早上皮肤还是润润的，已经回购第二瓶。", False, 2),
    ("alex", "lumi-hydrating-serum", 4, ["moisturising", "looks"],
     "Light and absorbs fast. My skin felt plump the next morning. The dropper could be better.", False, 1),
    ("lin", "lumi-hydrating-serum", 5, ["gentle", "quality"], "", True, 0),
    ("sam", "lumi-hydrating-serum", 3, ["greasy"],
     "A bit sticky under makeup for my oily T-zone. Fine at night.", False, 0),
    ("yuki", "lumi-hydrating-serum", 5, [], "", False, 0),
    ("chen", "lumi-hydrating-serum", 4, ["value", "delivery"], "给老婆买的，她说比之前用的那款清爽。", False, 0),
    ("xiaomei", "lumi-amino-cleanser", 4, ["gentle", "value"], "泡沫很细腻，洗完不紧绷，敏感肌也没有泛红。", False, 1),
    ("alex", "lumi-amino-cleanser", 5, [], "", False, 0),
    ("yuki", "lumi-sunscreen-spf50", 5, ["looks", "quality"],
     "完全不泛白，军训两周没有晒黑，补涂也方便。", True, 1),
    ("sam", "lumi-sunscreen-spf50", 4, ["delivery"], "No white cast, wears well under foundation.", False, 0),
    ("lin", "lumi-velvet-lipstick", 5, ["looks", "quality"], "豆沙色很日常，上嘴很显气色，喝水也不太掉色。", False, 2),
    ("chen", "lumi-velvet-lipstick", 2, ["greasy"], "颜色和图片差别有点大，不太适合我。", False, 0),
    ("alex", "lumi-cushion-foundation", 4, ["looks"], "Natural dewy finish, lasts about six hours.", False, 0),
    ("xiaomei", "qingshan-longjing", 5, ["fragrant", "aftertaste", "quality"],
     "豆香很足，第三泡还有回甘，罐子也好看，适合送长辈。", False, 1),
    ("chen", "qingshan-longjing", 5, ["fragrant", "delivery"], "喝了几十年龙井，这一罐品质不错，价格也公道。", False, 0),
    ("sam", "qingshan-longjing", 4, [], "", False, 0),
    ("yuki", "qingshan-white-tea-cake", 4, ["aftertaste"], "煮着喝有枣香，冬天喝很舒服。", False, 0),
    ("alex", "qingshan-cold-brew", 5, ["value", "fragrant"],
     "Perfect for hot days: drop a bag in a bottle before bed and it's ready in the morning.", False, 1),
    ("lin", "qingshan-cold-brew", 3, ["weak-aroma"], "茉莉味偏淡，白桃乌龙好喝。", False, 0),
    ("sam", "qingshan-travel-tea-set", 5, ["portable", "well-made"],
     "Took it camping twice. Nothing chipped, and the pouch fits in my backpack.", False, 2),
    ("chen", "qingshan-travel-tea-set", 2, ["flimsy"], "杯子盖子有点松，装水走路会晃出来。", False, 0),
    ("yuki", "mochi-matcha-daifuku", 5, ["tasty", "not-too-sweet", "looks"],
     "抹茶味很浓，冷藏以后吃口感更好，甜度刚好不腻。", True, 1),
    ("xiaomei", "mochi-matcha-daifuku", 4, ["tasty"], "", False, 0),
    ("alex", "mochi-matcha-daifuku", 4, [], "Chewy and not too sweet. Keep them in the fridge.", False, 0),
    ("lin", "mochi-cheese-lava", 4, ["tasty", "delivery"], "微波十秒真的会流心，宿舍夜宵必备。", False, 0),
    ("sam", "mochi-cheese-lava", 2, ["too-sweet"], "Too sweet for me, and the cheese tastes a bit artificial.", False, 0),
    ("chen", "mochi-nut-granola", 5, ["not-too-sweet", "value"], "糖少，坚果多，配酸奶当早餐正好。", False, 0),
    ("yuki", "mochi-nut-granola", 4, [], "", False, 0),
]

# voter, (author, product slug), helpful
VOTES = [
    ("alex", ("xiaomei", "lumi-hydrating-serum"), True),
    ("lin", ("xiaomei", "lumi-hydrating-serum"), True),
    ("sam", ("xiaomei", "lumi-hydrating-serum"), True),
    ("yuki", ("xiaomei", "lumi-hydrating-serum"), True),
    ("chen", ("xiaomei", "lumi-hydrating-serum"), True),
    ("xiaomei", ("alex", "lumi-hydrating-serum"), True),
    ("lin", ("alex", "lumi-hydrating-serum"), True),
    ("yuki", ("sam", "lumi-hydrating-serum"), False),
    ("alex", ("sam", "lumi-hydrating-serum"), True),
    ("alex", ("xiaomei", "qingshan-longjing"), True),
    ("sam", ("xiaomei", "qingshan-longjing"), True),
    ("yuki", ("chen", "qingshan-longjing"), True),
    ("xiaomei", ("sam", "qingshan-travel-tea-set"), True),
    ("lin", ("sam", "qingshan-travel-tea-set"), True),
    ("alex", ("chen", "qingshan-travel-tea-set"), False),
    ("chen", ("yuki", "mochi-matcha-daifuku"), True),
    ("lin", ("yuki", "mochi-matcha-daifuku"), True),
    ("xiaomei", ("yuki", "lumi-sunscreen-spf50"), True),
    ("chen", ("lin", "lumi-velvet-lipstick"), True),
]

class Command(BaseCommand):
    help = (
        "Load fictional bilingual demo data (brands, products, users, reviews, votes, challenges, a poll, "
        "trials, rewards). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--serving", action="store_true",
            help="The caller starts the server next (make run): leave out the hint to start it.",
        )

    def handle(self, *args, **options):
        self.serving = options["serving"]
        started = time.monotonic()
        # Eager Celery logs one line per task; the summary below says what happened.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        self.password_hash = None
        # Demo activity (levels, badges) sends notification e-mails; the console backend
        # would bury the credentials under them, so this run sends none.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self._load(started)

    def _load(self, started):
        with transaction.atomic():
            moderators, brand_staff_group = demodata.groups_ensure()
            brands, categories = demodata.catalog_ensure()
            demodata.badges_ensure()
            products = self._products(brands, categories)
            users = self._users(moderators, brand_staff_group, brands)
        posted, photos = self._reviews(users, products)
        votes = self._votes(users, products)
        # Outside one big transaction on purpose: screening runs after each service's commit
        # (eagerly), so an entry is published before the next step votes for it. Votes, winners,
        # adoption and the trial report need published entries and reviews, and the burst
        # detector would see weeks of each shopper's activity arrive within seconds and hold
        # them; it is relaxed for these steps only (every other detector screens as usual).
        with override_settings(**{f"MODERATION_{name}": 10_000 for name in BURST_LIMITS}):
            cocreation = CoCreationDemo(users, brands, products, staff_brand=BRAND_STAFF_BRAND, url=URL)
            cocreation.load()
        self._summary(products, posted, photos, votes, cocreation, time.monotonic() - started)

    # --- catalog -------------------------------------------------------------
    def _products(self, brands, categories):
        products = {}
        for i, (slug, brand, cat, name_zh, name_en, desc_zh, desc_en) in enumerate(demodata.PRODUCTS):
            product, _ = Product.objects.update_or_create(
                slug=slug,
                defaults={
                    "brand": brands[brand],
                    "category": categories[cat],
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "description_zh": desc_zh,
                    "description_en": desc_en,
                    "is_active": True,
                },
            )
            products[slug] = product
            if not product.images.exists():
                hue = demodata.brand_hue(brand) + 0.03 * i
                label = name_en.split(" ", 1)[1] if " " in name_en else name_en
                for position in range(2):
                    image = ProductImage(product=product, position=position)
                    image.image.save(
                        f"{slug}-{position}.jpg",
                        demodata.picture_file("p.jpg", hue=hue, label=label, variant=i + position),
                        save=True,
                    )
        return products

    # --- people ----------------------------------------------------------------
    def _hash(self):
        if self.password_hash is None:
            self.password_hash = make_password(DEMO_PASSWORD)  # hashed once, shared by every demo account
        return self.password_hash

    def _users(self, moderators, brand_staff_group, brands):
        users = {}
        checked = {}
        for key, (email, display_name, role) in PEOPLE.items():
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User(email=email, username=email, password=self._hash())
            if user.password not in checked:
                checked[user.password] = check_password(DEMO_PASSWORD, user.password)
            if not checked[user.password]:
                user.password = self._hash()
            user.display_name = display_name
            user.is_active = True
            user.is_superuser = role == "admin"
            user.is_staff = role in ("admin", "brand")
            user.save()
            if role == "moderator":
                user.groups.add(moderators)
            if role == "brand":
                user.groups.add(brand_staff_group)
                BrandMembership.objects.get_or_create(user=user, brand=brands[BRAND_STAFF_BRAND])
            if role == "shopper":  # their profile pages show content (idempotent: once per person)
                privacy_services.consent_set(user=user, purpose=ConsentRecord.Purpose.PUBLIC_PROFILE, granted=True,
                                             method=ConsentRecord.Method.SETTINGS)
            users[key] = user
        return users

    # --- reviews and votes, through the services ----------------------------------
    def _reviews(self, users, products):
        posted = photos = 0
        existing = set(
            Review.objects.filter(author__in=users.values(), product__in=products.values()).values_list(
                "author_id", "product_id"
            )
        )
        specs = list(REVIEWS)
        # One-tap, rating-only reviews so every product has a distribution to show.
        rng = random.Random(20240618)
        written = {(a, p) for a, p, *_ in REVIEWS}
        for slug in products:
            for who in SHOPPERS:
                if (who, slug) not in written and rng.random() < 0.45:
                    specs.append((who, slug, rng.choice([3, 4, 4, 5, 5, 5]), None, None, False, 0))
        for i, (who, slug, rating, tag_slugs, text, free_sample, n_photos) in enumerate(specs):
            author, product = users[who], products[slug]
            if (author.pk, product.pk) in existing:
                continue  # already there from an earlier run: leave it exactly as it is
            tag_ids = None
            if tag_slugs:
                tag_ids = list(product.category.aspect_tags.filter(slug__in=tag_slugs).values_list("id", flat=True))
            review, _ = services.review_post(
                author=author,
                product=product,
                rating=rating,
                tag_ids=tag_ids,
                text=text or None,
                incentive=Review.Incentive.FREE_SAMPLE if free_sample else None,
            )
            posted += 1
            hue = demodata.brand_hue(product.brand.slug) + 0.05 * i
            for n in range(n_photos):
                upload = SimpleUploadedFile(
                    f"photo-{i}-{n}.jpg",
                    demodata.picture_bytes(hue=hue, size=(960, 720), variant=i + n),
                    content_type="image/jpeg",
                )
                services.review_photo_add(author=author, review=review, upload=upload)
                photos += 1
        return posted, photos

    def _votes(self, users, products):
        cast = 0
        for voter, (author, slug), helpful in VOTES:
            review = Review.objects.filter(author=users[author], product=products[slug]).first()
            if review is None:
                continue
            current = HelpfulVote.objects.filter(review=review, user=users[voter]).values_list("helpful", flat=True)
            if list(current) == [helpful]:
                continue
            services.review_vote_helpful(user=users[voter], review_id=review.pk, helpful=helpful)
            cast += 1
        return cast

    # --- output ------------------------------------------------------------------
    def _summary(self, products, posted, photos, votes, cocreation, seconds):
        reviews = Review.objects.filter(product__in=products.values())
        total = reviews.count()
        published = reviews.filter(status=Review.Status.PUBLISHED).count()
        w = self.stdout.write
        w(self.style.SUCCESS(
            f"Demo ready in {seconds:.1f}s: {len(products)} products, {total} reviews "
            f"({posted} new, {photos} new photos, {votes} new votes)."
        ))
        if published != total:
            # Screening sees every demo review arrive within seconds, so it may hold some
            # (e.g. a burst from one author): they wait in the moderation queue.
            w(f"{total - published} of them wait for a moderator at {URL}moderation/ "
              f"(log in as {PEOPLE['moderator'][0]}).")
        cocreation.summary(self.stdout, self.style)
        w("")
        w(f"Open {URL}" if self.serving else f"Open {URL}  (start the server with: python manage.py runserver)")
        w(f"Open {URL}challenges/  (an open idea challenge, a poll in voting, a closed one with results)")
        w(f"Open {URL}trials/  (free samples: one trial taking applications, others with testers' reports)")
        w(f"Open {URL}rewards/  (the reward store: coupons for points)")
        w(f"Open {URL}admin/trials/trialprogram/funnel/  (as the brand login: Lumi's trial funnel, overdue reports)")
        w(f"Every demo account uses the password: {DEMO_PASSWORD}")
        w("")
        for email, name, role in PEOPLE.values():
            where = {
                "admin": f"superuser, {URL}admin/",
                "moderator": "moderator (group 'moderators')",
                "brand": f"brand staff for Lumi 露米, {URL}admin/",
                "shopper": "shopper",
            }[role]
            w(f"  {email:<28} {name:<16} {where}")
