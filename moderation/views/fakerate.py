"""The fake-interaction audit's labelling list: sampled interactions that still count, each with what
a moderator needs to judge it, and genuine / fake / can't tell buttons. The estimate is on the ops
page. Interfaces only: reads from ``moderation.fakerate`` in a fixed number of queries; the one
write is ``fakerate.fakerate_label``."""
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from moderation import fakerate
from moderation.models import InteractionAuditSample
from moderation.views.queue import moderator_required


def _item(sample):
    event = sample.interaction
    return {
        "sample": sample,
        "event": event,
        "kind_label": fakerate.KIND_LABELS[sample.kind],
        "account_age": fakerate.account_age_days(sample),
        "target_label": event.target_ct.name if event.target_ct_id else "",
        "signals": event.device_hash is not None or event.ip_prefix_hash is not None,
    }


@moderator_required
def fakerate_queue(request):
    samples = fakerate.queue_list(moderator=request.user)
    return render(request, "moderation/fakerate.html", {
        "items": [_item(s) for s in samples],
        "counts": fakerate.queue_counts(),
        "choices": InteractionAuditSample.Label.choices,
        "context_days": fakerate.CONTEXT_DAYS,
        "signal_days": settings.RETENTION_INTEGRITY_SIGNALS_DAYS,
        "window_days": fakerate.QUEUE_WINDOW_DAYS,
    })


@require_POST
@moderator_required
def fakerate_label(request, sample_id):
    try:
        fakerate.fakerate_label(sample_id=sample_id, moderator=request.user, label=request.POST.get("label", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("moderation:fakerate")
