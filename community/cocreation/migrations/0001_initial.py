"""The cocreation app takes over its models from community. The tables keep their names
(``db_table``), so no row is copied; content types and their permissions follow the models."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core import contenttypes

MOVED = ['challenge', 'challengeevent', 'challengeparticipant', 'entry', 'entryimage', 'entryvote', 'entrycomment', 'polloption', 'pollvote']


def content_types_move(apps, schema_editor):
    """Point the existing content types (and so the brand staff's permissions) at this app."""
    contenttypes.content_types_move(apps, from_app="community", to_app="cocreation", models=MOVED)


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
                name='Challenge',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('idea', 'Idea'), ('design', 'Design'), ('story', 'Story'), ('poll', 'Poll')], default='idea', max_length=10, verbose_name='kind')),
                    ('title_zh', models.CharField(max_length=120, verbose_name='title (Chinese)')),
                    ('title_en', models.CharField(blank=True, max_length=160, verbose_name='title (English)')),
                    ('brief_zh', models.TextField(blank=True, verbose_name='brief (Chinese)')),
                    ('brief_en', models.TextField(blank=True, verbose_name='brief (English)')),
                    ('cover', models.ImageField(blank=True, upload_to='challenges/%Y/%m/', verbose_name='cover image')),
                    ('hashtag', models.CharField(blank=True, max_length=40, verbose_name='hashtag')),
                    ('rules', models.TextField(blank=True, verbose_name='rules')),
                    ('participation_points', models.PositiveIntegerField(default=10, verbose_name='points for taking part')),
                    ('winner_points', models.PositiveIntegerField(default=200, verbose_name='points for winners')),
                    ('winner_badge_slug', models.SlugField(blank=True, help_text='The slug of a badge to give every winner; leave empty for none.', max_length=60, verbose_name='badge for winners (slug)')),
                    ('adopted_points', models.PositiveIntegerField(default=500, verbose_name='points for an adopted idea')),
                    ('prize_description', models.TextField(blank=True, verbose_name='prize description')),
                    ('prize_draw', models.BooleanField(default=False, verbose_name='prize draw among participants')),
                    ('prize_draw_winners', models.PositiveSmallIntegerField(default=1, verbose_name='prize draw winners')),
                    ('prize_odds', models.CharField(blank=True, help_text="Shown on the page, as advertising law requires, e.g. '3 prizes among all eligible entrants'.", max_length=200, verbose_name='prize draw odds')),
                    ('opens_at', models.DateTimeField(verbose_name='entries open at')),
                    ('entries_close_at', models.DateTimeField(verbose_name='entries close at')),
                    ('voting_close_at', models.DateTimeField(verbose_name='voting closes at')),
                    ('closes_at', models.DateTimeField(verbose_name='results at')),
                    ('allow_overlap', models.BooleanField(default=False, help_text='Voting starts when entries open.', verbose_name='vote while entries are open')),
                    ('entries_per_user', models.PositiveSmallIntegerField(default=1, verbose_name='entries per user')),
                    ('votes_per_user', models.PositiveSmallIntegerField(default=3, verbose_name='votes per user')),
                    ('min_account_age_days_to_vote', models.PositiveSmallIntegerField(default=0, verbose_name='minimum account age to vote (days)')),
                    ('state', models.CharField(choices=[('draft', 'Draft'), ('scheduled', 'Scheduled'), ('open', 'Open for entries'), ('voting', 'Voting'), ('judging', 'Judging'), ('closed', 'Closed')], default='draft', editable=False, max_length=10, verbose_name='state')),
                    ('draw_seed_hash', models.CharField(blank=True, editable=False, max_length=64)),
                    ('draw_seed', models.CharField(blank=True, editable=False, max_length=64)),
                    ('draw_revealed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                    ('draw_participant_ids', models.JSONField(blank=True, default=list, editable=False)),
                    ('draw_winner_ids', models.JSONField(blank=True, default=list, editable=False)),
                    ('entry_count', models.PositiveIntegerField(default=0, editable=False)),
                    ('vote_count', models.PositiveIntegerField(default=0, editable=False)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                    ('brand', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='challenges', to='community.brand', verbose_name='brand')),
                    ('products', models.ManyToManyField(blank=True, related_name='challenges', to='community.product', verbose_name='products')),
                ],
                options={
                    'verbose_name': 'challenge',
                    'verbose_name_plural': 'challenges',
                    'db_table': 'community_challenge',
                    'ordering': ['-opens_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='ChallengeEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('action', models.CharField(max_length=60)),
                    ('old_state', models.CharField(blank=True, max_length=10)),
                    ('new_state', models.CharField(blank=True, max_length=10)),
                    ('data', models.JSONField(blank=True, default=dict)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('challenge', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='cocreation.challenge')),
                ],
                options={
                    'db_table': 'community_challengeevent',
                    'ordering': ['id'],
                },
            ),
            migrations.CreateModel(
                name='ChallengeParticipant',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('challenge', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='participants', to='cocreation.challenge')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'community_challengeparticipant',
                },
            ),
            migrations.CreateModel(
                name='Entry',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('text', models.TextField(max_length=5000, verbose_name='text')),
                    ('language', models.CharField(default='zh', max_length=5, verbose_name='language')),
                    ('status', models.CharField(choices=[('pending', 'Pending review'), ('published', 'Published'), ('rejected', 'Rejected'), ('removed', 'Removed')], default='pending', max_length=10, verbose_name='status')),
                    ('status_reason', models.CharField(blank=True, max_length=200, verbose_name='status reason')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('published_at', models.DateTimeField(blank=True, null=True)),
                    ('vote_count', models.PositiveIntegerField(default=0, verbose_name='valid votes')),
                    ('quality_score', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='quality')),
                    ('fair_score', models.FloatField(default=0.0)),
                    ('points_entry_id', models.BigIntegerField(blank=True, editable=False, null=True)),
                    ('is_winner', models.BooleanField(default=False, verbose_name='winner')),
                    ('won_at', models.DateTimeField(blank=True, null=True)),
                    ('adopted_at', models.DateTimeField(blank=True, null=True, verbose_name='adopted at')),
                    ('adopted_note', models.CharField(blank=True, max_length=300, verbose_name='what the brand will do')),
                    ('author', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='challenge_entries', to=settings.AUTH_USER_MODEL)),
                    ('challenge', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='cocreation.challenge')),
                ],
                options={
                    'verbose_name': 'entry',
                    'verbose_name_plural': 'entries',
                    'db_table': 'community_entry',
                    'ordering': ['-created_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='EntryComment',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('text', models.TextField(max_length=1000, verbose_name='comment')),
                    ('status', models.CharField(choices=[('pending', 'Pending review'), ('published', 'Published'), ('rejected', 'Rejected'), ('removed', 'Removed')], default='pending', max_length=10)),
                    ('status_reason', models.CharField(blank=True, max_length=200)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('author', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entry_comments', to=settings.AUTH_USER_MODEL)),
                    ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='cocreation.entry')),
                ],
                options={
                    'db_table': 'community_entrycomment',
                    'ordering': ['created_at', 'id'],
                },
            ),
            migrations.CreateModel(
                name='EntryImage',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('image', models.ImageField(upload_to='entries/%Y/%m/')),
                    ('width', models.PositiveIntegerField(default=0)),
                    ('height', models.PositiveIntegerField(default=0)),
                    ('position', models.PositiveSmallIntegerField(default=0)),
                    ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='images', to='cocreation.entry')),
                ],
                options={
                    'db_table': 'community_entryimage',
                    'ordering': ['position', 'id'],
                },
            ),
            migrations.CreateModel(
                name='EntryVote',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('valid', models.BooleanField(default=True)),
                    ('invalid_reason', models.CharField(blank=True, max_length=60)),
                    ('points_entry_id', models.BigIntegerField(blank=True, null=True)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('challenge', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='votes', to='cocreation.challenge')),
                    ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='votes', to='cocreation.entry')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entry_votes', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'community_entryvote',
                },
            ),
            migrations.CreateModel(
                name='PollOption',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('label_zh', models.CharField(max_length=120, verbose_name='label (Chinese)')),
                    ('label_en', models.CharField(blank=True, max_length=160, verbose_name='label (English)')),
                    ('description_zh', models.TextField(blank=True, max_length=1000, verbose_name='description (Chinese)')),
                    ('description_en', models.TextField(blank=True, max_length=1000, verbose_name='description (English)')),
                    ('image', models.ImageField(blank=True, height_field='image_height', upload_to='polls/%Y/%m/', verbose_name='image', width_field='image_width')),
                    ('image_width', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                    ('image_height', models.PositiveIntegerField(blank=True, editable=False, null=True)),
                    ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                    ('vote_count', models.PositiveIntegerField(default=0, editable=False, verbose_name='valid votes')),
                    ('challenge', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='poll_options', to='cocreation.challenge', verbose_name='challenge')),
                ],
                options={
                    'verbose_name': 'poll option',
                    'verbose_name_plural': 'poll options',
                    'db_table': 'community_polloption',
                    'ordering': ['position', 'id'],
                },
            ),
            migrations.CreateModel(
                name='PollVote',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('valid', models.BooleanField(default=True)),
                    ('invalid_reason', models.CharField(blank=True, max_length=60)),
                    ('points_entry_id', models.BigIntegerField(blank=True, null=True)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('challenge', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='poll_votes', to='cocreation.challenge')),
                    ('option', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='votes', to='cocreation.polloption')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='poll_votes', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'community_pollvote',
                },
            ),
            migrations.AddIndex(
                model_name='challenge',
                index=models.Index(fields=['state', '-opens_at'], name='challenge_state_idx'),
            ),
            migrations.AddConstraint(
                model_name='challenge',
                constraint=models.CheckConstraint(condition=models.Q(('opens_at__lte', models.F('entries_close_at')), ('entries_close_at__lte', models.F('voting_close_at')), ('voting_close_at__lte', models.F('closes_at'))), name='challenge_schedule_ordered'),
            ),
            migrations.AddConstraint(
                model_name='challengeparticipant',
                constraint=models.UniqueConstraint(fields=('challenge', 'user'), name='challenge_participant_unique'),
            ),
            migrations.AddIndex(
                model_name='entry',
                index=models.Index(fields=['challenge', 'status', '-fair_score', '-id'], name='entry_fair_idx'),
            ),
            migrations.AddIndex(
                model_name='entry',
                index=models.Index(fields=['challenge', 'status', '-vote_count', '-id'], name='entry_votes_idx'),
            ),
            migrations.AddIndex(
                model_name='entry',
                index=models.Index(fields=['challenge', 'status', '-created_at', '-id'], name='entry_newest_idx'),
            ),
            migrations.AddIndex(
                model_name='entry',
                index=models.Index(fields=['author', '-created_at'], name='entry_author_idx'),
            ),
            migrations.AddIndex(
                model_name='entrycomment',
                index=models.Index(fields=['entry', 'status', 'created_at'], name='entry_comment_idx'),
            ),
            migrations.AddIndex(
                model_name='entryvote',
                index=models.Index(fields=['challenge', 'user'], name='entry_vote_user_idx'),
            ),
            migrations.AddConstraint(
                model_name='entryvote',
                constraint=models.UniqueConstraint(fields=('entry', 'user'), name='entry_vote_one_per_user'),
            ),
            migrations.AddIndex(
                model_name='pollvote',
                index=models.Index(fields=['challenge', 'user'], name='poll_vote_user_idx'),
            ),
            migrations.AddConstraint(
                model_name='pollvote',
                constraint=models.UniqueConstraint(fields=('option', 'user'), name='poll_vote_one_per_user'),
            ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_move, migrations.RunPython.noop),
    ]
