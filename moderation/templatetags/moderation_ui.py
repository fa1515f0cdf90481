"""Template helpers for moderation bits shown on shopper pages (no queries)."""
from django import template

from moderation.models import RejectReason, Report

register = template.Library()


@register.simple_tag
def report_reasons(kind):
    """The reasons a shopper can pick, in the words that fit ``kind`` (review, entry, comment)."""
    return [(code, Report.reason_label_for(code, kind)) for code in Report.Reason.values]


@register.filter
def moderation_reason(code):
    """A stored reject reason code as words ("spam" -> "Spam, ad or contact details");
    free text (older rows) passes through unchanged."""
    if code in RejectReason.values:
        return RejectReason(code).label
    if code == "reported":
        from django.utils.translation import gettext

        return gettext("Reported by several users; a moderator will check it")
    return code
