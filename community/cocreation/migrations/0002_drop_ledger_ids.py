"""Challenges no longer keep ledger row ids: gamification finds an award by its idempotency key."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cocreation', '0001_initial'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='entry',
            name='points_entry_id',
        ),
        migrations.RemoveField(
            model_name='entryvote',
            name='points_entry_id',
        ),
        migrations.RemoveField(
            model_name='pollvote',
            name='points_entry_id',
        ),
    ]
