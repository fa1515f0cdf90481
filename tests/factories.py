import io

import factory
from PIL import Image

from community.models import AspectTag, Brand, BrandMembership, Category, Product, User

DEFAULT_TAGS = [
    ("quality", "质量好", "Good quality", False),
    ("value", "性价比高", "Good value", False),
    ("delivery", "物流快", "Fast delivery", False),
    ("looks", "外观好看", "Looks good", False),
    ("flimsy", "做工一般", "Flimsy", True),
]


def image_bytes(fmt="JPEG", size=(64, 48), color=(200, 80, 40), exif=None):
    buf = io.BytesIO()
    img = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.LazyAttribute(lambda o: o.email)
    display_name = factory.Sequence(lambda n: f"Shopper {n}")
    password = factory.PostGenerationMethodCall("set_password", "pass12345!")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class BrandMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandMembership

    user = factory.SubFactory(UserFactory)
    brand = factory.SubFactory(BrandFactory)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        skip_postgeneration_save = True

    name_zh = factory.Sequence(lambda n: f"分类{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if not create:
            return
        for position, (slug, zh, en, negative) in enumerate(extracted or DEFAULT_TAGS):
            AspectTag.objects.create(
                category=obj, slug=slug, label_zh=zh, label_en=en, negative=negative, position=position
            )


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    brand = factory.SubFactory(BrandFactory)
    category = factory.SubFactory(CategoryFactory)
    name_zh = factory.Sequence(lambda n: f"产品{n}")
    name_en = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description_zh = "一款好产品。"
    description_en = "A good product."


def review_with_words(*, author, product, rating=5, text="Sturdy lid, keeps tea hot all morning."):
    """A published review with text, through the services: helpful votes need something to
    judge (a star rating alone cannot be voted on). Posting words sends the review to
    screening; a moderator's approval publishes it (idempotent if screening already did)."""
    from community import services

    review, _ = services.review_post(author=author, product=product, rating=rating, text=text)
    return services.review_moderate(review_id=review.pk, status="published")


def public_profile_on(*users):
    """The people consent to a public profile (off by default), as on the consent page."""
    from community.privacy import services

    for user in users:
        services.consent_set(user=user, purpose="public_profile", granted=True, method="settings")
    return users[0] if len(users) == 1 else users
