"""The move of the co-creation and trial models out of ``community`` keeps the data.

The split is state-only (``SeparateDatabaseAndState`` + ``db_table``) and a RunPython points the
content types (and so the permissions granted on them) at the new apps. This test migrates the
database back to before the split (community 0008), writes rows with the historical models of
that state, migrates forward again and checks that every row, the M2M link, the content type ids
and a group's permission survived. It always leaves the database fully migrated.
"""
import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE_SPLIT = ("community", "0008_polls")
SPLIT = ("community", "0009_move_cocreation_trials")
NEW_APPS = ("cocreation", "trials")
MOVED = {
    "cocreation": [
        "Challenge", "ChallengeEvent", "ChallengeParticipant", "Entry", "EntryImage", "EntryVote",
        "EntryComment", "PollOption", "PollVote",
    ],
    "trials": ["TrialProgram", "TrialApplication"],
}


def _targets_before_split(graph):
    """community back to 0008, the new apps unapplied, and any other app that (now or later)
    depends on the split back to its last migration that does not."""
    targets = [BEFORE_SPLIT] + [(app, None) for app in NEW_APPS]
    dependents = set(graph.backwards_plan(SPLIT))
    for app in sorted({app for app, _ in dependents} - {"community", *NEW_APPS}):
        ours = [node for node in dependents if node[0] == app]
        parents = {
            parent for node in ours for parent in graph.node_map[node].parents
            if parent[0] == app and parent not in dependents
        }
        targets.extend(parents or [(app, None)])
    return targets


def _migrate(executor, targets):
    executor.migrate(targets)
    executor.loader.build_graph()  # reload what is applied now


def _row(model, pk):
    """Every concrete column of one row (FKs by their ``*_id`` attname)."""
    return model.objects.filter(pk=pk).values().get()


def _columns(model):
    return {field.attname: field.column for field in model._meta.concrete_fields}


@pytest.mark.django_db(transaction=True)
def test_split_keeps_rows_content_types_and_permissions():
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from community.cocreation import models as cocreation_models
    from community.models import Product as RealProduct
    from community.models import User as RealUser
    from community.trials import models as trials_models

    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    assert not executor.migration_plan(leaves), "the test database should start fully migrated"
    old_targets = _targets_before_split(executor.loader.graph)

    try:
        # 1. Back to before the split (the split is state-only; later migrations of the new apps are undone too).
        _migrate(executor, old_targets)
        assert SPLIT not in executor.loader.applied_migrations
        assert not any(app in NEW_APPS for app, _ in executor.loader.applied_migrations)
        assert not executor.migration_plan(old_targets)
        applied = [node for node in executor.loader.applied_migrations if node in executor.loader.graph.nodes]
        old_apps = executor.loader.project_state(applied).apps
        for app, names in MOVED.items():
            for name in names:
                assert old_apps.get_model("community", name)  # still community's model here
                with pytest.raises(LookupError):
                    old_apps.get_model(app, name)

        def old(name):
            return old_apps.get_model("community", name)

        # 2. Data written by the pre-split code.
        now = timezone.now().replace(microsecond=0)
        User = old_apps.get_model("community", "User")
        author = User.objects.create(
            username="split-author@example.com", email="split-author@example.com", password="!",
            display_name="Split author",
        )
        voter = User.objects.create(
            username="split-voter@example.com", email="split-voter@example.com", password="!",
            display_name="Split voter",
        )
        brand = old("Brand").objects.create(name="Split brand", slug="split-brand")
        category = old("Category").objects.create(name_zh="分类", name_en="Split category", slug="split-category")
        product = old("Product").objects.create(
            brand=brand, category=category, name_zh="产品", name_en="Split product", slug="split-product"
        )
        other_product = old("Product").objects.create(
            brand=brand, category=category, name_zh="别的产品", slug="split-other-product"
        )
        challenge = old("Challenge").objects.create(
            brand=brand, kind="idea", title_zh="挑战", title_en="Split challenge", hashtag="split",
            opens_at=now - dt.timedelta(days=1), entries_close_at=now + dt.timedelta(days=6),
            voting_close_at=now + dt.timedelta(days=9), closes_at=now + dt.timedelta(days=10),
            state="open", entry_count=1, vote_count=1, draw_participant_ids=[author.pk, voter.pk],
        )
        challenge.products.add(product)
        participant = old("ChallengeParticipant").objects.create(challenge=challenge, user=author)
        event = old("ChallengeEvent").objects.create(
            challenge=challenge, action="community.challenge.opened", old_state="scheduled", new_state="open",
            actor=author, data={"by": "split-test"},
        )
        entry = old("Entry").objects.create(
            challenge=challenge, author=author, text="My split idea", status="published", published_at=now,
            vote_count=1, quality_score=70, fair_score=1.5,
        )
        image = old("EntryImage").objects.create(entry=entry, image="entries/2026/01/split.jpg", width=64, height=48)
        vote = old("EntryVote").objects.create(challenge=challenge, entry=entry, user=voter, points_entry_id=77)
        comment = old("EntryComment").objects.create(entry=entry, author=voter, text="Nice split", status="published")
        poll = old("Challenge").objects.create(
            brand=brand, kind="poll", title_zh="投票", opens_at=now, entries_close_at=now,
            voting_close_at=now + dt.timedelta(days=3), closes_at=now + dt.timedelta(days=4), state="voting",
        )
        option = old("PollOption").objects.create(
            challenge=poll, label_zh="选项一", label_en="Option one", position=1, vote_count=1
        )
        poll_vote = old("PollVote").objects.create(challenge=poll, option=option, user=voter)
        program = old("TrialProgram").objects.create(
            brand=brand, product=product, title_zh="试用", title_en="Split trial", samples=5,
            applications_open_at=now - dt.timedelta(days=20), applications_close_at=now - dt.timedelta(days=10),
            report_deadline=now + dt.timedelta(days=10), state="running",
        )
        review = old("Review").objects.create(
            product=product, author=voter, rating=4, text="Tried it", incentivized=True
        )
        application = old("TrialApplication").objects.create(
            program=program, user=voter, reason="I want to try it", status="reported",
            selected_at=now - dt.timedelta(days=9), reported_at=now, review=review,
        )

        created = {
            ("cocreation", "Challenge"): [challenge.pk, poll.pk],
            ("cocreation", "ChallengeParticipant"): [participant.pk],
            ("cocreation", "ChallengeEvent"): [event.pk],
            ("cocreation", "Entry"): [entry.pk],
            ("cocreation", "EntryImage"): [image.pk],
            ("cocreation", "EntryVote"): [vote.pk],
            ("cocreation", "EntryComment"): [comment.pk],
            ("cocreation", "PollOption"): [option.pk],
            ("cocreation", "PollVote"): [poll_vote.pk],
            ("trials", "TrialProgram"): [program.pk],
            ("trials", "TrialApplication"): [application.pk],
        }
        assert set(created) == {(app, name) for app, names in MOVED.items() for name in names}
        before = {
            key: {pk: _row(old(key[1]), pk) for pk in pks} for key, pks in created.items()
        }
        counts = {key: old(key[1]).objects.count() for key in created}
        # Spot checks, so the comparison below cannot pass on empty or default rows.
        assert before[("cocreation", "Challenge")][challenge.pk]["title_en"] == "Split challenge"
        assert before[("cocreation", "EntryVote")][vote.pk]["user_id"] == voter.pk
        assert before[("trials", "TrialApplication")][application.pk]["review_id"] == review.pk

        # Content types as a pre-split database has them: community's rows, none for the new
        # apps (post_migrate made those for this test database; with them present, the
        # migration would leave the community rows alone).
        OldContentType = old_apps.get_model("contenttypes", "ContentType")
        OldPermission = old_apps.get_model("auth", "Permission")
        OldGroup = old_apps.get_model("auth", "Group")
        ct_ids = {}
        for app, names in MOVED.items():
            for name in names:
                OldContentType.objects.filter(app_label=app, model=name.lower()).delete()
                ct, _ = OldContentType.objects.get_or_create(app_label="community", model=name.lower())
                ct_ids[(app, name)] = ct.pk
        challenge_ct_id = ct_ids[("cocreation", "Challenge")]
        perm, _ = OldPermission.objects.get_or_create(
            content_type_id=challenge_ct_id, codename="change_challenge", defaults={"name": "Can change challenge"}
        )
        group = OldGroup.objects.create(name="split brand staff")
        group.permissions.add(perm)
        author.groups.add(group)

        # The split itself moves the models unchanged: same tables, same columns. (Later
        # migrations of the new apps may drop columns; the rows are compared on what is left.)
        split_apps = executor.loader.project_state([(app, "0001_initial") for app in NEW_APPS]).apps
        for app, name in created:
            moved = split_apps.get_model(app, name)
            assert moved._meta.db_table == old(name)._meta.db_table
            assert _columns(moved) == _columns(old(name)), (app, name)
        assert (
            split_apps.get_model("cocreation", "Challenge").products.through._meta.db_table
            == old("Challenge").products.through._meta.db_table
            == "community_challenge_products"
        )

        # 3. Forward to the latest state.
        _migrate(executor, executor.loader.graph.leaf_nodes())
        assert not executor.migration_plan(executor.loader.graph.leaf_nodes())
        new_apps = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
        real = {"cocreation": cocreation_models, "trials": trials_models}
        for (app, name), pks in created.items():
            with pytest.raises(LookupError):
                new_apps.get_model("community", name)
            new_model = new_apps.get_model(app, name)
            real_model = getattr(real[app], name)
            assert new_model._meta.db_table == real_model._meta.db_table == old(name)._meta.db_table
            assert new_model.objects.count() == real_model.objects.count() == counts[(app, name)]
            for pk in pks:
                old_row, new_row, real_row = before[(app, name)][pk], _row(new_model, pk), _row(real_model, pk)
                kept = set(old_row) & set(new_row) & set(real_row)
                keys = {f.attname for f in old(name)._meta.concrete_fields if f.primary_key or f.is_relation}
                assert keys <= kept, (app, name, keys - kept)  # the pk and every FK survive
                assert {c: new_row[c] for c in kept} == {c: old_row[c] for c in kept}, (app, name, pk)
                assert {c: real_row[c] for c in kept} == {c: old_row[c] for c in kept}, (app, name, pk)

        RealChallenge = cocreation_models.Challenge
        through = RealChallenge.products.through
        assert through._meta.db_table == "community_challenge_products"
        assert list(RealChallenge.objects.get(pk=challenge.pk).products.values_list("pk", flat=True)) == [product.pk]
        assert not RealChallenge.objects.get(pk=poll.pk).products.exists()
        assert list(
            new_apps.get_model("cocreation", "Challenge").objects.get(pk=challenge.pk).products.values_list("pk", flat=True)
        ) == [product.pk]
        assert list(RealProduct.objects.get(pk=product.pk).challenges.values_list("pk", flat=True)) == [challenge.pk]
        assert not RealProduct.objects.get(pk=other_product.pk).challenges.exists()
        assert RealChallenge.objects.get(pk=challenge.pk).title_en == "Split challenge"
        assert RealChallenge.objects.get(pk=challenge.pk).draw_participant_ids == [author.pk, voter.pk]
        assert cocreation_models.Entry.objects.get(pk=entry.pk).text == "My split idea"
        assert cocreation_models.EntryVote.objects.get(pk=vote.pk).user_id == voter.pk
        assert trials_models.TrialProgram.objects.get(pk=program.pk).title_en == "Split trial"
        assert trials_models.TrialApplication.objects.get(pk=application.pk).review_id == review.pk
        assert cocreation_models.PollVote.objects.get(pk=poll_vote.pk).option.label_en == "Option one"

        # Content types renamed in place (same ids), so permissions and admin history follow.
        ContentType.objects.clear_cache()
        for (app, name), ct_id in ct_ids.items():
            ct = ContentType.objects.get(pk=ct_id)
            assert (ct.app_label, ct.model) == (app, name.lower())
        assert not ContentType.objects.filter(
            app_label="community", model__in=[name.lower() for names in MOVED.values() for name in names]
        ).exists()
        assert ContentType.objects.get_for_model(RealChallenge).pk == challenge_ct_id
        assert ContentType.objects.get_for_model(trials_models.TrialProgram).pk == ct_ids[("trials", "TrialProgram")]
        real_perm = Permission.objects.get(pk=perm.pk)
        assert (real_perm.content_type.app_label, real_perm.codename) == ("cocreation", "change_challenge")
        assert Permission.objects.filter(group__name="split brand staff", pk=perm.pk).exists()
        real_author = RealUser.objects.get(pk=author.pk)
        assert real_author.has_perm("cocreation.change_challenge")
        assert not real_author.has_perm("community.change_challenge")
    finally:
        # 4. Whatever happened, the following tests get a fully migrated database.
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        executor.loader.build_graph()
        ContentType.objects.clear_cache()
    assert not executor.migration_plan(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_content_types_merge_when_the_new_app_already_has_its_own(admin_user):
    """A partial migrate can create cocreation's content types before the move: the grants
    and admin log entries on the old ones move over, and the old content type goes."""
    from django.apps import apps as django_apps
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from core.contenttypes import content_types_move

    new = ContentType.objects.get(app_label="cocreation", model="entry")
    old = ContentType.objects.create(app_label="community", model="entry")
    old_perm = Permission.objects.create(content_type=old, codename="change_entry", name="Can change entry")
    group = Group.objects.create(name="legacy brand staff")
    group.permissions.add(old_perm)
    entry_log = LogEntry.objects.create(user=admin_user, content_type=old, object_id="1", object_repr="e",
                                        action_flag=CHANGE)
    content_types_move(django_apps, from_app="community", to_app="cocreation", models=["entry"])
    assert not ContentType.objects.filter(app_label="community", model="entry").exists()
    assert group.permissions.filter(content_type=new, codename="change_entry").exists()
    entry_log.refresh_from_db()
    assert entry_log.content_type_id == new.pk
