"""Star-only ratings are counted but listed collapsed: products cache how many published
reviews have text or photos. Review photos get the author's chosen order (0 for existing
rows, so they keep their upload order through the id tie-break)."""
from django.db import migrations, models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce


def fill_content_review_count(apps, schema_editor):
    Product = apps.get_model("community", "Product")
    Review = apps.get_model("community", "Review")
    counts = (
        Review.objects.filter(product=OuterRef("pk"), status="published")
        .filter(Q(has_photos=True) | ~Q(text=""))
        .order_by()
        .values("product")
        .annotate(n=Count("id"))
        .values("n")
    )
    Product.objects.update(content_review_count=Coalesce(Subquery(counts), 0))


class Migration(migrations.Migration):

    dependencies = [
        ("community", "0012_review_incentive_reason"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="reviewphoto",
            options={"ordering": ["position", "id"]},
        ),
        migrations.AddField(
            model_name="product",
            name="content_review_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="reviewphoto",
            name="position",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(fill_content_review_count, migrations.RunPython.noop),
    ]
