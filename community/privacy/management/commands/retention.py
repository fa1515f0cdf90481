"""``manage.py retention run [--dry-run]``: delete personal data past its retention window
(the same run as the nightly beat task) and print what was, or would be, removed."""
from django.core.management.base import BaseCommand

from community.privacy.retention import retention_policies, retention_run


class Command(BaseCommand):
    help = "Enforce the retention settings (RETENTION_*) and print what was deleted."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Delete what is past its window.")
        run.add_argument("--dry-run", action="store_true", help="Count only; delete nothing.")
        sub.add_parser("show", help="List the kinds and their windows.")

    def handle(self, *args, action, dry_run=False, **options):
        if action == "show":
            for policy in retention_policies():
                self.stdout.write(f"{policy.kind}: {policy.days} days ({policy.setting}) — {policy.description}")
            return
        rows = retention_run(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        for row in rows:
            self.stdout.write(f"{row['kind']}: {verb} {row['count']} ({row['description']}; window {row['days']} days)")
        self.stdout.write(f"total: {verb} {sum(r['count'] for r in rows)}")
