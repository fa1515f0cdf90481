"""Challenge rules and prize descriptions, trial descriptions and selection criteria became one
field per language (cocreation 0003, trials 0002): a text written in both languages, a line each,
is split; a one-language text goes whole to its side. Leaves the database fully migrated."""
import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# community too: rows are written with the historical models of that state (later community
# migrations add NOT NULL columns the old Product model does not know).
BEFORE = [("community", "0011_notification_title_params"), ("cocreation", "0002_drop_ledger_ids"),
          ("trials", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_bilingual_texts_are_split_per_language():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE)
        executor.loader.build_graph()
        old = executor.loader.project_state(BEFORE).apps
        brand = old.get_model("community", "Brand").objects.create(name="B", slug="b")
        category = old.get_model("community", "Category").objects.create(name_zh="类", name_en="C", slug="c")
        product = old.get_model("community", "Product").objects.create(
            brand=brand, category=category, name_zh="品", name_en="P", slug="p")
        now = timezone.now()
        challenge = old.get_model("cocreation", "Challenge").objects.create(
            brand=brand, title_zh="挑战", opens_at=now, entries_close_at=now, voting_close_at=now, closes_at=now,
            rules="每人 1 个点子。\nOne idea per person.", prize_description="Two winners get the set.")
        program = old.get_model("trials", "TrialProgram").objects.create(
            brand=brand, product=product, title_zh="试用", applications_open_at=now,
            applications_close_at=now + dt.timedelta(days=1), report_deadline=now + dt.timedelta(days=2),
            description="免费寄出 20 袋。\nWe send 20 bags.\n", selection_criteria="喜欢喝茶的人。")
    finally:
        executor.migrate(leaves)
    from community.cocreation.models import Challenge
    from community.trials.models import TrialProgram

    challenge = Challenge.objects.get(pk=challenge.pk)
    assert (challenge.rules_zh, challenge.rules_en) == ("每人 1 个点子。", "One idea per person.")
    assert (challenge.prize_description_zh, challenge.prize_description_en) == ("", "Two winners get the set.")
    program = TrialProgram.objects.get(pk=program.pk)
    assert (program.description_zh, program.description_en) == ("免费寄出 20 袋。", "We send 20 bags.")
    assert (program.selection_criteria_zh, program.selection_criteria_en) == ("喜欢喝茶的人。", "")
