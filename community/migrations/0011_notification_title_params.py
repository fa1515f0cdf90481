"""Notification titles keep their parameters, so the title is translated when it is shown."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('community', '0010_helpful_vote_validity'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='title_params',
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
