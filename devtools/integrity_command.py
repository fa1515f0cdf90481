"""``manage.py integrity bench ...``: the same as ``manage.py integrity_bench ...``, added to the
``integrity`` command through ``moderation.integrity_commands`` (moderation never imports devtools)."""
from django.core.management import call_command

OPTIONS = ("users", "interactions", "reviews", "products", "hot_product_reviews", "attack_scale", "random_seed",
           "truth", "reuse", "tracemalloc", "json_out", "scan_days")


def add_arguments(sub):
    from devtools.management.commands.integrity_bench import Command

    bench = sub.add_parser("bench", help="Seed (or reuse) 1M users / 10M interactions with injected attacks, scan, "
                                         "print time, memory, precision and recall (manage.py integrity_bench).")
    Command().add_arguments(bench)


def handle(command, **options):
    call_command("integrity_bench", stdout=command.stdout, stderr=command.stderr,
                 **{k: v for k, v in options.items() if k in OPTIONS})
