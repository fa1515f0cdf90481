"""Helpful votes can be invalidated by integrity checks (kept, excluded from counts)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('community', '0009_move_cocreation_trials'),
    ]

    operations = [
        migrations.AddField(
            model_name='helpfulvote',
            name='invalid_reason',
            field=models.CharField(blank=True, max_length=60),
        ),
        migrations.AddField(
            model_name='helpfulvote',
            name='valid',
            field=models.BooleanField(default=True),
        ),
    ]
