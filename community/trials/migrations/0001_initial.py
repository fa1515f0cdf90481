"""The trials app takes over its models from community. The tables keep their names
(``db_table``), so no row is copied; content types and their permissions follow the models."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core import contenttypes

MOVED = ['trialprogram', 'trialapplication']


def content_types_move(apps, schema_editor):
    """Point the existing content types (and so the brand staff's permissions) at this app."""
    contenttypes.content_types_move(apps, from_app="community", to_app="trials", models=MOVED)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('community', '0009_move_cocreation_trials'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already (created by community's migrations): only the state moves.
            state_operations=[
            migrations.CreateModel(
                name='TrialProgram',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('title_zh', models.CharField(max_length=120, verbose_name='title (Chinese)')),
                    ('title_en', models.CharField(blank=True, max_length=120, verbose_name='title (English)')),
                    ('description', models.TextField(blank=True, verbose_name='description')),
                    ('samples', models.PositiveIntegerField(default=10, verbose_name='free samples')),
                    ('applications_open_at', models.DateTimeField(verbose_name='applications open')),
                    ('applications_close_at', models.DateTimeField(verbose_name='applications close')),
                    ('selection_criteria', models.TextField(blank=True, verbose_name='selection criteria')),
                    ('report_deadline', models.DateTimeField(verbose_name='report deadline')),
                    ('state', models.CharField(choices=[('draft', 'Draft'), ('open', 'Open for applications'), ('selecting', 'Selecting testers'), ('running', 'Running'), ('closed', 'Closed')], default='draft', max_length=10, verbose_name='state')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('brand', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='trial_programs', to='community.brand')),
                    ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='trial_programs', to='community.product')),
                ],
                options={
                    'verbose_name': 'trial program',
                    'verbose_name_plural': 'trial programs',
                    'db_table': 'community_trialprogram',
                    'ordering': ['-applications_open_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='TrialApplication',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('reason', models.CharField(max_length=300, verbose_name='why you want to try it')),
                    ('status', models.CharField(choices=[('applied', 'Applied'), ('selected', 'Selected'), ('not_selected', 'Not selected'), ('shipped', 'Sample shipped'), ('reported', 'Reported'), ('overdue', 'Report overdue')], default='applied', max_length=12, verbose_name='status')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('selected_at', models.DateTimeField(blank=True, null=True)),
                    ('shipped_at', models.DateTimeField(blank=True, null=True)),
                    ('reported_at', models.DateTimeField(blank=True, null=True)),
                    ('reminded_at', models.DateTimeField(blank=True, null=True)),
                    ('overdue_at', models.DateTimeField(blank=True, null=True)),
                    ('review', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='trial_application', to='community.review')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='trial_applications', to=settings.AUTH_USER_MODEL)),
                    ('program', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='applications', to='trials.trialprogram')),
                ],
                options={
                    'verbose_name': 'trial application',
                    'verbose_name_plural': 'trial applications',
                    'db_table': 'community_trialapplication',
                    'ordering': ['-created_at', '-id'],
                },
            ),
            migrations.AddIndex(
                model_name='trialprogram',
                index=models.Index(fields=['state', 'applications_close_at'], name='trial_state_idx'),
            ),
            migrations.AddConstraint(
                model_name='trialprogram',
                constraint=models.CheckConstraint(condition=models.Q(('applications_close_at__gt', models.F('applications_open_at'))), name='trial_window_ordered'),
            ),
            migrations.AddConstraint(
                model_name='trialprogram',
                constraint=models.CheckConstraint(condition=models.Q(('report_deadline__gt', models.F('applications_close_at'))), name='trial_deadline_after_window'),
            ),
            migrations.AddIndex(
                model_name='trialapplication',
                index=models.Index(fields=['program', 'status'], name='trial_app_program_idx'),
            ),
            migrations.AddIndex(
                model_name='trialapplication',
                index=models.Index(fields=['user', 'status'], name='trial_app_user_idx'),
            ),
            migrations.AddConstraint(
                model_name='trialapplication',
                constraint=models.UniqueConstraint(fields=('program', 'user'), name='trial_application_once'),
            ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_move, migrations.RunPython.noop),
    ]
