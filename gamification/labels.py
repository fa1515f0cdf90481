"""The reason shown for every ledger row, in both languages (gettext per action code)."""
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "community.review.rated": _("Rated a product"),
    "community.review.content": _("Review with text or photos"),
    "community.review.helpful_received": _("Someone found your review helpful"),
    "community.review.vote_cast": _("Voted on a review"),
    "community.entry.published": _("Challenge entry published"),
    "community.entry.vote_cast": _("Voted for a challenge entry"),
    "community.poll.vote_cast": _("Voted in a poll"),
    "community.challenge.won": _("Won a challenge"),
    "community.idea.adopted": _("A brand adopted your idea"),
    "community.trial.report_on_time": _("Trial report delivered on time"),
    "gamification.checkin": _("Daily check-in"),
    "gamification.streak.days_7": _("7-day streak"),
    "gamification.streak.days_30": _("30-day streak"),
    "gamification.streak.days_100": _("100-day streak"),
    "gamification.reward.redeemed": _("Redeemed a reward"),
    "gamification.adjustment": _("Adjustment by an operator"),
}

REASON_LABELS = {
    "community.review.rejected": _("the review was rejected"),
    "community.review.removed": _("the review was removed"),
    "community.vote.withdrawn": _("the vote was withdrawn or changed"),
    "moderation.report.upheld": _("a report on the content was upheld"),
    "gamification.fraud": _("the interaction was judged fraudulent"),
}
# Reversals by the integrity checks carry "integrity.<detector>" (moderation.integrity_actions).
INTEGRITY_REASON = _("the integrity checks did not count it; you can appeal")


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    # Codes other modules add (e.g. the rewards store) fall back to a readable form of the code.
    return action.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def entry_label(entry) -> str:
    """"Rated a product", or "Reversed: Rated a product (the review was removed)"."""
    from django.utils.translation import gettext as _g

    base = action_label(entry.action)
    if entry.reverses_id is None:
        return base
    why = REASON_LABELS.get(entry.reason) or (INTEGRITY_REASON if (entry.reason or "").startswith("integrity.") else None)
    if why is None:
        return _g("Reversed: %(what)s") % {"what": base}
    return _g("Reversed: %(what)s (%(why)s)") % {"what": base, "why": why}
