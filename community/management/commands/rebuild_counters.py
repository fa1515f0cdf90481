from django.core.management.base import BaseCommand

from community.counters import counters_rebuild


class Command(BaseCommand):
    help = "Rebuild helpful-vote counts and product rating caches from their rows."

    def handle(self, *args, **options):
        def progress(done, total):
            self.stdout.write(f"\rproducts {done}/{total}", ending="")

        fixed = counters_rebuild(progress=progress)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Reviews with corrected vote counts: {fixed}"))
