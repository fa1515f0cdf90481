"""Words moderators read in place of internal codes (queue reasons, evidence labels) and the
SLA display shared by the moderation pages and the moderation API."""
from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

SLA = timedelta(hours=24)
SLA_WARN = timedelta(hours=12)  # half the SLA gone: the age badge turns amber

QUEUE_REASON_LABELS = {
    "contact": _("Contact details"),
    "wordlist": _("Word list"),
    "personal_data": _("Personal data"),
    "duplicate": _("Duplicate"),
    "burst": _("Posting burst"),
    "classifier": _("AI classifier"),
    "low_quality": _("Low quality"),
    "absolute_claim": _("Absolute claim"),
    "image": _("Image check"),
    "reported": _("Reported by users"),
    "appeal": _("Appeal"),
    "screening_failed": _("Screening failed"),
}

EVIDENCE_LABELS = {
    "phone": _("phone number"),
    "wechat": _("WeChat ID"),
    "qq": _("QQ number"),
    "url": _("link"),
    "email": _("e-mail address"),
    "offplatform": _("off-platform invitation"),
    "id_number": _("ID card number"),
    "bank_card": _("bank card number"),
    "near_duplicate": _("near-duplicate"),
    "copies_description": _("copies the product description"),
    "burst": _("posting burst"),
    "absolute_claim": _("absolute claim"),
    "duplicate_image": _("duplicate image"),
    "unreadable_image": _("unreadable image"),
    "tiny_image": _("tiny image"),
    "classifier": _("classifier"),
    "abuse": _("abuse"),
    "sensitive": _("sensitive"),
    "spam": _("spam phrase"),
    "competitor": _("competitor ad"),
}

DETECTOR_LABELS = {
    "contact": _("Contact details"),
    "personal_data": _("Personal data"),
    "wordlist": _("Word list"),
    "absolute_claim": _("Absolute claims"),
    "duplicate": _("Duplicates"),
    "image": _("Images"),
    "velocity": _("Posting speed"),
    "classifier": _("AI classifier"),
}


def queue_reason_label(code):
    return QUEUE_REASON_LABELS.get(code, code)


def evidence_label(code):
    return EVIDENCE_LABELS.get(code, code)


def detector_label(name):
    return DETECTOR_LABELS.get(name, name)


def age_label(delta):
    """A compact age for the queue: 5 min, 3 h, 2 d 4 h."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return ngettext("%(n)d min", "%(n)d min", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(n)d h", "%(n)d h", hours) % {"n": hours}
    return ngettext("%(n)d day", "%(n)d days", hours // 24) % {"n": hours // 24}


def sla_state(queued_at, now):
    """"ok", "warn" (past half the SLA) or "over" (past the 24 h SLA)."""
    if queued_at is None:
        return "ok"
    age = now - queued_at
    if age >= SLA:
        return "over"
    return "warn" if age >= SLA_WARN else "ok"
