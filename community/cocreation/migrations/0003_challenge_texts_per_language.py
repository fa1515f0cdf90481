"""Rules and prize description per language, like title and brief: the page shows the one that
matches the reader's language (falling back to the other), not both at once. Texts written in
both languages, a line each, are split."""
from django.db import migrations, models

from core.i18n import split_languages

FIELDS = ("rules", "prize_description")


def split(apps, schema_editor):
    Challenge = apps.get_model("cocreation", "Challenge")
    for challenge in Challenge.objects.all().only("pk", *(f"{f}_zh" for f in FIELDS)):
        for field in FIELDS:
            zh, en = split_languages(getattr(challenge, f"{field}_zh"))
            setattr(challenge, f"{field}_zh", zh)
            setattr(challenge, f"{field}_en", en)
        challenge.save(update_fields=[f"{f}_{lang}" for f in FIELDS for lang in ("zh", "en")])


class Migration(migrations.Migration):

    dependencies = [
        ("cocreation", "0002_drop_ledger_ids"),
    ]

    operations = [
        migrations.RenameField("challenge", "rules", "rules_zh"),
        migrations.AlterField("challenge", "rules_zh", models.TextField(blank=True, verbose_name="rules (Chinese)")),
        migrations.AddField("challenge", "rules_en", models.TextField(blank=True, verbose_name="rules (English)")),
        migrations.RenameField("challenge", "prize_description", "prize_description_zh"),
        migrations.AlterField("challenge", "prize_description_zh",
                              models.TextField(blank=True, verbose_name="prize description (Chinese)")),
        migrations.AddField("challenge", "prize_description_en",
                            models.TextField(blank=True, verbose_name="prize description (English)")),
        migrations.RunPython(split, migrations.RunPython.noop),
    ]
