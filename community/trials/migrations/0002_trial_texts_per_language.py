"""Description and selection criteria per language, like the title: the page shows the one that
matches the reader's language (falling back to the other), not both at once. Texts written in
both languages, a line each, are split."""
from django.db import migrations, models

from core.i18n import split_languages

FIELDS = ("description", "selection_criteria")


def split(apps, schema_editor):
    TrialProgram = apps.get_model("trials", "TrialProgram")
    for program in TrialProgram.objects.all().only("pk", *(f"{f}_zh" for f in FIELDS)):
        for field in FIELDS:
            zh, en = split_languages(getattr(program, f"{field}_zh"))
            setattr(program, f"{field}_zh", zh)
            setattr(program, f"{field}_en", en)
        program.save(update_fields=[f"{f}_{lang}" for f in FIELDS for lang in ("zh", "en")])


class Migration(migrations.Migration):

    dependencies = [
        ("trials", "0001_initial"),
    ]

    operations = [
        migrations.RenameField("trialprogram", "description", "description_zh"),
        migrations.AlterField("trialprogram", "description_zh",
                              models.TextField(blank=True, verbose_name="description (Chinese)")),
        migrations.AddField("trialprogram", "description_en",
                            models.TextField(blank=True, verbose_name="description (English)")),
        migrations.RenameField("trialprogram", "selection_criteria", "selection_criteria_zh"),
        migrations.AlterField("trialprogram", "selection_criteria_zh",
                              models.TextField(blank=True, verbose_name="selection criteria (Chinese)")),
        migrations.AddField("trialprogram", "selection_criteria_en",
                            models.TextField(blank=True, verbose_name="selection criteria (English)")),
        migrations.RunPython(split, migrations.RunPython.noop),
    ]
