"""Review.incentivized (a yes/no) becomes Review.incentive, the reason the card is labelled
"Incentivized review" (docs/incentives.md). Every review marked before was a free sample (trial
reports, and the demo's sample reviews), so True becomes "free_sample"."""
from django.db import migrations, models


def forwards(apps, schema_editor):
    apps.get_model("community", "Review").objects.filter(incentivized=True).update(incentive="free_sample")


def backwards(apps, schema_editor):
    apps.get_model("community", "Review").objects.exclude(incentive="").update(incentivized=True)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0011_notification_title_params"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="incentive",
            field=models.CharField(
                blank=True, choices=[("free_sample", "got a free sample")], default="", max_length=20,
                help_text=(
                    "What the author got in exchange for this review (a free sample in a trial): the card is "
                    "labelled “Incentivized review” with this reason. Empty when nothing was; points every review "
                    "earns alike are disclosed site-wide instead."
                ),
                verbose_name="incentive",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="review", name="incentivized"),
    ]
