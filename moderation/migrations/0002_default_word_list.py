"""Load the built-in word list (moderation/data/default_words.json) so a fresh install
screens with it. Operators edit it in the admin; existing rows are never overwritten."""
import json
from pathlib import Path

from django.db import migrations

WORDS = Path(__file__).resolve().parent.parent / "data" / "default_words.json"


def load(apps, schema_editor):
    WordEntry = apps.get_model("moderation", "WordEntry")
    for e in json.loads(WORDS.read_text(encoding="utf-8")):
        WordEntry.objects.get_or_create(
            term=e["term"].strip(),
            category=e.get("category", "spam"),
            defaults={"action": e.get("action", "flag"), "note": e.get("note", "")[:200]},
        )


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
