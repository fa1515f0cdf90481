"""Migrations name fixed dependencies. A "__latest__" dependency moves whenever the other app adds
a migration, and a database that applied the migration earlier then refuses to migrate
(InconsistentMigrationHistory), as dashboard 0002 did once cocreation 0005 came."""
from django.db.migrations.loader import MigrationLoader


def test_no_migration_depends_on_a_moving_target():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {"core", "community", "cocreation", "trials", "insights", "privacy", "integrity", "moderation",
            "gamification", "dashboard", "accounts"}
    moving = [(key, dep) for key, migration in loader.disk_migrations.items() if key[0] in ours
              for dep in migration.dependencies if dep[1] == "__latest__"]
    assert moving == []
    assert any(key[0] == "dashboard" for key in loader.disk_migrations)
