"""Today's rollups are kept per site hour (docs/dashboard.md "Rollups"): an ``hour`` on both
rollup tables, 24 for a closed day's rows (every existing row). A day row of today left by the
earlier code is replaced by hour windows on the next incremental run."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0004_challenge_funnel_and_first_badges'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='dailycount',
            name='dashboard_dailycount_key',
        ),
        migrations.RemoveConstraint(
            model_name='dailyuser',
            name='dashboard_dailyuser_key',
        ),
        migrations.AddField(
            model_name='dailycount',
            name='hour',
            field=models.PositiveSmallIntegerField(default=24, verbose_name='hour'),
        ),
        migrations.AddField(
            model_name='dailyuser',
            name='hour',
            field=models.PositiveSmallIntegerField(default=24, verbose_name='hour'),
        ),
        migrations.AddConstraint(
            model_name='dailycount',
            constraint=models.UniqueConstraint(fields=('day', 'hour', 'brand_id', 'category_id', 'language', 'metric'), name='dashboard_dailycount_key'),
        ),
        migrations.AddConstraint(
            model_name='dailyuser',
            constraint=models.UniqueConstraint(fields=('brand_id', 'day', 'user_id', 'hour'), name='dashboard_dailyuser_key'),
        ),
        migrations.AddIndex(
            model_name='dailyuser',
            index=models.Index(fields=['day', 'hour'], name='dashboard_du_day_hour'),
        ),
    ]
