"""``manage.py ledger verify`` / ``manage.py ledger rebuild``."""
from django.core.management.base import BaseCommand, CommandError

from gamification.ledger import ledger_rebuild, ledger_verify


class Command(BaseCommand):
    help = "Verify the points ledger's hash chains and cached totals, or rebuild the totals from the rows."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "rebuild"])

    def handle(self, *args, action, **options):
        if action == "rebuild":
            changed = ledger_rebuild()
            self.stdout.write(f"ledger rebuild: {len(changed)} user total(s) changed" + (f": {changed}" if changed else ""))
            return
        report = ledger_verify()
        self.stdout.write(f"ledger verify: {report['rows']} rows, {report['users']} users")
        for item in report["broken"]:
            where = f"entry {item['entry_id']}" if item["entry_id"] else "chain head"
            self.stdout.write(f"BROKEN LINK user {item['user_id']} at {where}: {item['problem']}")
        for item in report["totals"]:
            self.stdout.write(f"TOTAL MISMATCH user {item['user_id']}: cached {item['cached']} ledger {item['ledger']}")
        if report["broken"] or report["totals"]:
            raise CommandError(f"ledger verify: {len(report['broken'])} broken link(s), {len(report['totals'])} total mismatch(es)")
        self.stdout.write(self.style.SUCCESS("ledger verify: OK"))
