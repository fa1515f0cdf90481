"""The KPI lines start at the issue's targets (dashboard.kpis.LINE_DEFAULTS); operators edit them in the admin."""
from django.db import migrations

DEFAULTS = {
    "low_quality": (0.10, 0.10, 0.20, False),
    "fake_rate": (0.05, 0.05, 0.10, False),
    "deep_share": (0.30, 0.30, 0.15, True),
    "text_photo_share": (0.30, 0.30, 0.15, True),
    "violation_rate": (0.01, 0.01, 0.02, False),
    "decision_p95_hours": (24.0, 24.0, 48.0, False),
}


def create(apps, schema_editor):
    KpiLine = apps.get_model("dashboard", "KpiLine")
    for kpi, (target, yellow, red, higher) in DEFAULTS.items():
        KpiLine.objects.get_or_create(kpi=kpi, defaults={"target": target, "yellow": yellow, "red": red,
                                                         "higher_is_better": higher})


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0002_source_time_indexes")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
