"""Moderation's personal data, declared in the privacy registry (community/privacy/registry.py).

People who moderated someone's content appear in that person's export as "a moderator",
never by name. On deletion, decisions and the audit log are kept for disputes (what was
decided, when and why, by a key to an anonymised account) without contact data: detector
evidence (the matched phone numbers, links, IDs), free-text notes and messages are cleared."""
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.privacy.registry import PersonalData, personal_data_register
from community.privacy.retention import RetentionPolicy, retention_policy_register
from moderation import registry, services
from moderation.models import (
    Appeal,
    AuditLabel,
    Case,
    Event,
    ImageFingerprint,
    InteractionAuditSample,
    Report,
    RingAppeal,
    RingCase,
    RingMember,
    TextFingerprint,
)


def _who(actor_id, user):
    if actor_id is None:
        return _("automatic screening")
    return _("you") if actor_id == user.pk else _("a moderator")


def _cases(user):
    for case in Case.objects.filter(author=user).order_by("id"):
        yield {
            "content": case.content_type, "content_id": case.object_id, "state": case.state,
            "revision": case.revision, "reasons_queued": case.queue_reasons,
            "detectors": [{k: d.get(k) for k in ("name", "labels", "score", "action", "evidence")} for d in case.detectors],
            "decided_by": _who(case.decided_by_id, user) if case.decided_at else None,
            "decided_at": case.decided_at, "reject_reason": case.reject_reason, "note": case.note,
            "created_at": case.created_at,
        }


def _erase_cases(user, keep_content):
    """Runs before the content erasers and takes the author's case rows first, in the order
    screening takes them (case, then content), so a screening still running cannot deadlock
    with the deletion. Undecided cases whose content is about to be erased (all of it when
    removing, what is not published when keeping) leave the queue; a screening that was
    still running then finds no case and stops. The rest keep their decision, without
    detector evidence (the matched phone numbers, links, IDs) or notes."""
    cases = list(Case.objects.select_for_update().filter(author=user).order_by("id"))
    drop = [c.pk for c in cases if c.decided_at is None and c.state in (Case.State.SCREENING, Case.State.QUEUED)]
    if keep_content and drop:
        drop = _not_published(cases, drop)
    touched = Case.objects.filter(pk__in=drop).delete()[0] if drop else 0
    for case in cases:
        if case.pk in drop:
            continue
        detectors = [{k: v for k, v in d.items() if k != "evidence"} for d in case.detectors]
        if detectors != case.detectors or case.note:
            touched += Case.objects.filter(pk=case.pk).update(detectors=detectors, note="")
    if not keep_content:
        # The removed text and images leave the near-duplicate index with them.
        touched += TextFingerprint.objects.filter(author_id=user.pk).delete()[0]
        touched += ImageFingerprint.objects.filter(author_id=user.pk).delete()[0]
    return touched


def _not_published(cases, case_ids):
    """Of ``case_ids``, the cases whose content is not public (so it will be erased)."""
    by_kind = {}
    for case in cases:
        if case.pk in case_ids:
            by_kind.setdefault(case.content_type, {})[case.object_id] = case.pk
    out = []
    for kind, items in by_kind.items():
        previews = registry.get(kind).previews(list(items))
        out += [case_id for object_id, case_id in items.items()
                if getattr(previews.get(object_id), "status", "") != "published"]
    return out


def _events(user):
    qs = Event.objects.filter(Q(case__author=user) | Q(actor=user)).order_by("id")
    for event in qs:
        yield {
            "content": event.content_type, "content_id": event.object_id, "action": event.action,
            "by": _who(event.actor_id, user), "reason": event.reason, "old_state": event.old_state,
            "new_state": event.new_state, "time": event.created_at,
        }


def _reports(user):
    for report in Report.objects.filter(reporter=user).order_by("id"):
        yield {"content": report.content_type, "content_id": report.object_id, "reason": report.reason,
               "message": report.message, "status": report.status, "created_at": report.created_at,
               "resolved_at": report.resolved_at}


def _erase_reports(user, keep_content):
    # The reason code and weight stay: they decided what happened to the reported content.
    return Report.objects.filter(reporter=user).exclude(message="").update(message="")


def _appeals(user):
    for appeal in Appeal.objects.filter(author=user).select_related("case").order_by("id"):
        yield {"content": appeal.case.content_type, "content_id": appeal.case.object_id,
               "message": appeal.message, "status": appeal.status,
               "decided_by": _("a moderator") if appeal.decided_by_id else None,
               "decision_note": appeal.decision_note, "created_at": appeal.created_at,
               "decided_at": appeal.decided_at}


def _erase_appeals(user, keep_content):
    return Appeal.objects.filter(author=user).exclude(message="", decision_note="").update(message="", decision_note="")


def _ring_appeals(user):
    for appeal in RingAppeal.objects.filter(user=user).prefetch_related("flags").order_by("id"):
        yield {"interactions": [f.event_id for f in appeal.flags.all()], "ring_case": appeal.case_id,
               "message": appeal.text, "status": appeal.status,
               "decided_by": _("a moderator") if appeal.decided_by_id else None,
               "decision_note": appeal.decision_note, "created_at": appeal.created_at,
               "decided_at": appeal.decided_at}


def _erase_ring_appeals(user, keep_content):
    return RingAppeal.objects.filter(user=user).exclude(text="", decision_note="").update(text="", decision_note="")


def _audit_labels(user):
    for label in AuditLabel.objects.filter(moderator=user).select_related("sample").order_by("id"):
        yield {"content": label.sample.content_type, "content_id": label.sample.object_id, "label": label.label,
               "created_at": label.created_at}


def _interaction_labels(user):
    for sample in InteractionAuditSample.objects.filter(labelled_by=user).order_by("id"):
        yield {"interaction_id": sample.interaction_id, "kind": sample.kind, "label": sample.label,
               "labelled_at": sample.labelled_at}


def _ring_memberships(user):
    """Ring cases the person's account was a member of, and the decision on it (PIPL Art. 24:
    people see automated decisions about them). Case evidence names other accounts: left out."""
    for member in RingMember.objects.filter(user=user).select_related("case").order_by("id"):
        yield {"case_id": member.case_id, "case_status": member.case.status, "decision": member.decision,
               "interactions": member.event_count, "opened_at": member.case.created_at,
               "decided_at": member.case.decided_at}


def _ring_decisions(user):
    for case in RingCase.objects.filter(decided_by=user).order_by("id"):
        yield {"case_id": case.pk, "decision": case.decision, "note": case.note, "decided_at": case.decided_at}


def _erase_ring_memberships(user, keep_content):
    deleted, _ = RingMember.objects.filter(user=user).delete()
    return deleted


def _keep(user, keep_content):
    """A moderator's decisions and labels stay (the audit log), keyed to the anonymised account."""
    return 0


def register():
    for entry in [
        PersonalData("moderation.Case", "moderation_cases.json", gettext_noop(
            "How each piece of your content was screened and decided: the checks that flagged it, "
            "the decision and its reason."), _cases, _erase_cases, order=10),
        PersonalData("moderation.Event", "moderation_history.json", gettext_noop(
            "The history of every screening and decision on your content, revision by revision."),
            _events, _keep, order=50),
        PersonalData("moderation.Report", "reports.json", gettext_noop(
            "The reports you filed about other people's content and their outcome."), _reports, _erase_reports),
        PersonalData("moderation.Appeal", "appeals.json", gettext_noop(
            "Your appeals against moderation decisions and their outcome."), _appeals, _erase_appeals),
        PersonalData("moderation.RingAppeal", "interaction_appeals.json", gettext_noop(
            "Your appeals against invalidated interactions (votes the integrity checks did not count) and their "
            "outcome."), _ring_appeals, _erase_ring_appeals),
        PersonalData("moderation.AuditLabel", "quality_audit_labels.json", gettext_noop(
            "Quality labels you gave in audits (moderators only)."), _audit_labels, _keep),
        PersonalData("moderation.InteractionAuditSample", "interaction_audit_labels.json", gettext_noop(
            "Genuine / fake labels you gave on sampled interactions (moderators only)."),
            _interaction_labels, _keep),
        PersonalData("moderation.RingMember", "ring_case_memberships.json", gettext_noop(
            "Suspected vote rings your account was found in by the integrity checks, and the decision."),
            _ring_memberships, _erase_ring_memberships),
        PersonalData("moderation.RingCase", "ring_case_decisions.json", gettext_noop(
            "Decisions you made on suspected vote rings (moderators only)."), _ring_decisions, _keep),
    ]:
        personal_data_register(entry)

    retention_policy_register(RetentionPolicy(
        kind="rejected_content", setting="RETENTION_REJECTED_CONTENT_DAYS", default_days=180,
        purge=services.cases_rejected_content_purge,
        description="text, photos and evidence of content rejected longer ago than the window (decisions kept)",
    ))
