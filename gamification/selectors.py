"""Public reads other apps may call. Levels are a placeholder until the ledger exists."""
from django.utils.translation import gettext_lazy as _

NEWCOMER = {"number": 1, "name": _("Newcomer")}


def user_level(user_id):
    """The user's level for display on review cards and profiles."""
    return NEWCOMER
