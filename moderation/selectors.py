"""Reads for the moderation page: fixed query counts whatever the queue length."""
import json
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from community import hooks
from moderation import registry
from moderation.detectors.base import ACTION_RANK
from moderation.models import Case, Event, Report, RingCase

State = Case.State
QUEUE_PAGE_SIZE = 50


def is_moderator(user):
    """Asked fresh on every moderation request, so that taking someone out of the group (or
    deleting the group) ends their access at once. One written-out statement: the ORM spent
    most of this check's CPU building the join."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from community.models import MODERATORS_GROUP

    through = get_user_model().groups.through._meta  # the user <-> group rows
    user_column, group_column = through.get_field("user").column, through.get_field("group").column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {through.db_table} ug JOIN {Group._meta.db_table} g ON g.id = ug.{group_column} "
            f"WHERE ug.{user_column} = %s AND g.name = %s LIMIT 1",
            [user.pk, MODERATORS_GROUP],
        )
        return cursor.fetchone() is not None


def attach_previews(cases):
    """One query per registered content kind, not per item."""
    by_kind = {}
    for case in cases:
        by_kind.setdefault(case.content_type, []).append(case)
    for kind, items in by_kind.items():
        previews = registry.get(kind).previews([c.object_id for c in items])
        for case in items:
            case.preview = previews.get(case.object_id)
    return cases


def case_get(*, case_id):
    case = Case.objects.select_related("author", "claimed_by", "decided_by").filter(pk=case_id).first()
    if case is not None:
        attach_previews([case])
    return case


def case_history(case):
    events = Event.objects.filter(content_type=case.content_type, object_id=case.object_id)
    if case.state == State.QUEUED and case.queue_reasons == ["calibration"]:
        # A blind known-answer review: earlier decisions and appeals would give the answer away.
        return []
    return list(events.select_related("actor").order_by("created_at", "id"))


def author_history(case):
    author = case.author
    past = Case.objects.filter(author=author).exclude(pk=case.pk).aggregate(
        rejected=Count("id", filter=Q(state=State.REJECTED)),
        approved=Count("id", filter=Q(state=State.APPROVED)),
    )

    by_reason = (Report.objects.filter(content_type=case.content_type, object_id=case.object_id)
                 .values_list("reason").annotate(n=Count("id")).order_by("-n", "reason"))
    # Labels in the words of the content kind: an entry is never reported as a "Fake review".
    report_reasons = [(Report.reason_label_for(reason, case.content_type), n) for reason, n in by_reason]
    return {
        "level": hooks.user_level(author.pk),
        "account_age_days": (timezone.now() - author.date_joined).days,
        "past_rejections": past["rejected"],
        "past_approvals": past["approved"],
        "reports_against": sum(n for _label, n in report_reasons),
        "report_reasons": report_reasons,
    }


def similar_items(case, limit=5):
    """Items the duplicate detectors matched, with their state, in one query."""
    refs = []
    for det in case.detectors or []:
        for item in (det.get("data") or {}).get("similar", [])[:limit]:
            refs.append((item.get("content_type"), item.get("object_id"), item.get("similarity")))
    if not refs:
        return []
    q = Q()
    for ct, oid, _sim in refs:
        q |= Q(content_type=ct, object_id=oid)
    states = {(c.content_type, c.object_id): c for c in Case.objects.filter(q).select_related("author")}
    return [
        {"content_type": ct, "object_id": oid, "similarity": sim, "case": states.get((ct, oid))}
        for ct, oid, sim in refs
    ]


def threshold_precision(*, content_type, publish_below, reject_at):
    """How the thresholds did on past human decisions (and appeals of AI rejections).

    Reject precision: of human-decided items whose risk was at or above ``reject_at``,
    the share humans rejected. Publish precision: of those below ``publish_below``,
    the share humans approved. AI rejections overturned on appeal count against
    reject precision.
    """
    human = Case.objects.filter(content_type=content_type, decided_by__isnull=False,
                                state__in=[State.APPROVED, State.REJECTED])
    agg = human.aggregate(
        hi=Count("id", filter=Q(risk__gte=reject_at)),
        hi_ok=Count("id", filter=Q(risk__gte=reject_at, state=State.REJECTED)),
        lo=Count("id", filter=Q(risk__lt=publish_below)),
        lo_ok=Count("id", filter=Q(risk__lt=publish_below, state=State.APPROVED)),
    )
    from moderation.models import Appeal

    appeals = Appeal.objects.filter(case__content_type=content_type, original_moderator__isnull=True).aggregate(
        upheld=Count("id", filter=Q(status=Appeal.Status.UPHELD)),
        overturned=Count("id", filter=Q(status=Appeal.Status.OVERTURNED)),
    )
    hi = agg["hi"] + appeals["upheld"] + appeals["overturned"]
    hi_ok = agg["hi_ok"] + appeals["upheld"]
    return {
        "reject_precision": hi_ok / hi if hi else None,
        "reject_n": hi,
        "publish_precision": agg["lo_ok"] / agg["lo"] if agg["lo"] else None,
        "publish_n": agg["lo"],
    }


# --- moderation UI and API reads ----------------------------------------------------------
#
# Contact details (phone, WeChat, QQ, e-mail) are personal data too, and the contact
# detector's evidence overlaps the personal-data detector's: overlapping spans are merged
# so one unmasked highlight can never shadow a masked one.

PERSONAL_LABELS = frozenset({"phone", "email", "wechat", "qq", "id_number", "bank_card"})
QUEUE_REASONS = ("contact", "wordlist", "personal_data", "duplicate", "burst", "classifier", "low_quality",
                 "absolute_claim", "image", "reported", "appeal", "screening_failed")
_CJK_DIGITS = frozenset("零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖")


def _maskable(ch):
    # Letters and digits of an identifier (ASCII, full-width, circled, Chinese numerals),
    # not the words around it: "微信 abc12345" keeps "微信".
    return (ch.isascii() and ch.isalnum()) or ch.isdigit() or ch in _CJK_DIGITS or "\uff10" <= ch <= "\uff5a"


def mask_identifier(value, keep=4):
    positions = [i for i, ch in enumerate(value) if _maskable(ch)]
    hide = set(positions[:-keep] if len(positions) > keep else positions)
    return "".join("•" if i in hide else ch for i, ch in enumerate(value))


def evidence_segments(text, detectors):
    """``text`` as plain and highlighted segments, personal data always masked.

    Evidence from several detectors may overlap (a phone number is both contact details
    and personal data; a near-duplicate covers the whole text). Personal-data spans are
    merged and masked first, then the text is cut wherever any evidence starts or ends,
    so each piece carries every label covering it and its highest severity."""
    text = text or ""
    spans = []
    for det in detectors or []:
        rank = ACTION_RANK.get(det.get("action", ""), 0)
        for ev in det.get("evidence", []) or []:
            start, end = ev.get("start"), ev.get("end")
            if start is None or end is None:
                continue
            start, end = max(0, int(start)), min(len(text), int(end))
            if start >= end:
                continue
            label = ev.get("label") or det.get("name", "")
            personal = bool(ev.get("sensitive")) or label in PERSONAL_LABELS
            spans.append((start, end, label, personal, rank))

    masked = list(text)
    personal_runs = []
    for start, end, _label, personal, _rank in sorted(s for s in spans if s[3]):
        if personal_runs and start < personal_runs[-1][1]:
            personal_runs[-1][1] = max(personal_runs[-1][1], end)
        else:
            personal_runs.append([start, end])
    for start, end in personal_runs:
        masked[start:end] = mask_identifier(text[start:end])
    masked = "".join(masked)

    cuts = sorted({0, len(text), *(s[0] for s in spans), *(s[1] for s in spans)})
    segments = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [s for s in spans if s[0] <= a and b <= s[1]]
        key = (sorted({s[2] for s in covering}), any(s[3] for s in covering), max((s[4] for s in covering), default=0))
        if segments and (segments[-1]["labels"], segments[-1]["personal"], segments[-1]["severity"]) == key:
            segments[-1]["text"] += masked[a:b]
        else:
            segments.append({"text": masked[a:b], "labels": key[0], "personal": key[1], "severity": key[2]})
    return segments


def masked_text(text, detectors):
    return "".join(s["text"] for s in evidence_segments(text, detectors))


def has_reason(code) -> Q:
    """Cases whose queue reasons include ``code``, matched in the database so a filter pages
    correctly: PostgreSQL's jsonb containment (``@>``; half the time of matching the list's text
    over a 40,000-case queue), elsewhere the list's text, where each reason stands quoted."""
    if connection.vendor == "postgresql":
        return Q(queue_reasons__contains=[code])
    return Q(queue_reasons__icontains=f'"{code}"')


def queue_queryset(*, content_type=None, reason=None, language=None):
    """Queued cases in queue order, filtered in the database (rows show who holds a case, not its author)."""
    qs = Case.objects.filter(state=State.QUEUED).select_related("claimed_by")
    if content_type:
        qs = qs.filter(content_type=content_type)
    if language:
        qs = qs.filter(language=language)
    if reason:
        qs = qs.filter(has_reason(reason))
    return qs.order_by("-priority", "id")


# What a queue row shows of a case and of whoever holds it (presentation.case_decorate and
# queue_rows_html): the rest of the row (the notes, the author, the scores) is left unread.
QUEUE_ROW_FIELDS = (
    "content_type", "object_id", "queue_reasons", "queued_at", "risk", "detectors", "lease_expires_at",
    "claimed_by", "claimed_by__is_active", "claimed_by__username", "claimed_by__display_name", "claimed_by__email",
)


def queue_rows(*, limit, content_type=None, reason=None, language=None):
    """The first ``limit`` cases of the queue, with the fields a queue row shows (any other loads
    on access, as with ``.only()``). On PostgreSQL from a written-out statement built once per
    process and filter: through the ORM, compiling it and building its rows took 1.6 ms of the
    page's CPU, the statement 0.3 ms. Elsewhere (SQLite, whose values need the ORM's converters)
    the same objects come through the ORM."""
    if connection.vendor != "postgresql":
        qs = queue_queryset(content_type=content_type, reason=reason, language=language)
        return list(qs.only(*QUEUE_ROW_FIELDS)[:limit])
    filters = (("content_type", content_type), ("language", language), ("reason", reason))
    sql, case_names, user_names, converted = _queue_rows_query(tuple(name for name, value in filters if value))
    params = [json.dumps([value]) if name == "reason" else value for name, value in filters if value]
    with connection.cursor() as cursor:
        cursor.execute(sql, [State.QUEUED, *params, int(limit)])
        rows = cursor.fetchall()
    claimed_by = Case._meta.get_field("claimed_by")
    cases, split = [], len(case_names)
    for row in rows:
        values = list(row[:split])
        for i, field in converted:  # JSON columns come back as text: decoded as the field does
            values[i] = field.from_db_value(values[i], None, connection)
        case = Case.from_db(connection.alias, case_names, values)
        user = (claimed_by.related_model.from_db(connection.alias, user_names, row[split:])
                if row[split] is not None else None)
        claimed_by.set_cached_value(case, user)
        cases.append(case)
    return cases


_queue_rows_sql: dict = {}


def _queue_rows_query(filters):
    """(SQL, case attnames, user attnames, [(position, field) of the case columns to decode]) of
    the queue's rows with these filters: the columns of QUEUE_ROW_FIELDS, whoever holds the case
    joined, in queue order, filtered as ``queue_queryset`` filters (a reason by jsonb containment)."""
    found = _queue_rows_sql.get(filters)
    if found is None:
        user_model = Case._meta.get_field("claimed_by").related_model
        own = {name for name in QUEUE_ROW_FIELDS if "__" not in name}
        held = {name.split("__", 1)[1] for name in QUEUE_ROW_FIELDS if name.startswith("claimed_by__")}
        case_fields = [f for f in Case._meta.concrete_fields if f.primary_key or f.name in own]
        user_fields = [f for f in user_model._meta.concrete_fields if f.primary_key or f.name in held]
        q = connection.ops.quote_name
        columns = [f"c.{q(f.column)}" for f in case_fields] + [f"u.{q(f.column)}" for f in user_fields]
        where = [f"c.{q(Case._meta.get_field('state').column)} = %s"]
        for name in filters:
            column = q(Case._meta.get_field("queue_reasons" if name == "reason" else name).column)
            where.append(f"c.{column} @> %s::jsonb" if name == "reason" else f"c.{column} = %s")
        sql = (f"SELECT {', '.join(columns)} FROM {q(Case._meta.db_table)} c "
               f"LEFT JOIN {q(user_model._meta.db_table)} u "
               f"ON u.{q(user_model._meta.pk.column)} = c.{q(Case._meta.get_field('claimed_by').column)} "
               f"WHERE {' AND '.join(where)} "
               f"ORDER BY c.{q(Case._meta.get_field('priority').column)} DESC, c.{q(Case._meta.pk.column)} ASC LIMIT %s")
        converted = [(i, f) for i, f in enumerate(case_fields) if hasattr(f, "from_db_value")]
        found = _queue_rows_sql[filters] = (sql, [f.attname for f in case_fields], [f.attname for f in user_fields],
                                            converted)
    return found


QUEUE_COUNTS_KEY = "moderation:queue-counts:v2"  # v2: with rings_open


def queue_counts(*, now=None) -> dict:
    """Queued cases: total, past the SLA, held, reported, appealed, appeals past the SLA; and the
    open ring cases (``rings_open``, linked from the queue). One scan of the whole queue (30-40 ms
    of PostgreSQL at 40,000 queued cases), so its answer is shared by every moderator's page for
    ``MODERATION_QUEUE_COUNTS_SECONDS`` (default 5; 0 counts on every load). The rows listed
    under the counts are always read fresh."""
    seconds = getattr(settings, "MODERATION_QUEUE_COUNTS_SECONDS", 5)
    found = cache.get(QUEUE_COUNTS_KEY) if seconds else None
    if found is not None:
        return found
    now = now or timezone.now()
    overdue = Q(queued_at__lt=now - timedelta(hours=24))
    counts = Case.objects.filter(state=State.QUEUED).aggregate(
        total=Count("id"),
        overdue=Count("id", filter=overdue),
        claimed=Count("id", filter=Q(claimed_by__isnull=False, lease_expires_at__gt=now)),
        reports=Count("id", filter=has_reason("reported")),
        appeals=Count("id", filter=has_reason("appeal")),
        appeals_overdue=Count("id", filter=overdue & has_reason("appeal")),
    )
    counts["rings_open"] = RingCase.objects.filter(status=RingCase.Status.OPEN).count()
    if seconds:
        cache.set(QUEUE_COUNTS_KEY, counts, seconds)
    return counts


def queue_summary(*, moderator):
    """Queue size, SLA and the moderator's own counts today: two queries, the first shared by
    every moderator for ``MODERATION_QUEUE_COUNTS_SECONDS`` (see ``queue_counts``)."""
    now = timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    agg = queue_counts(now=now)
    # Written out: the ORM spent most of this call's CPU building the aggregate, on every load of
    # the queue page (docs/benchmarks.md, "The moderation queue page").
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FILTER (WHERE state = %s), COUNT(*) FILTER (WHERE state = %s) "
            f"FROM {Case._meta.db_table} WHERE decided_by_id = %s AND decided_at >= %s",
            [State.APPROVED.value, State.REJECTED.value, moderator.pk,
             connection.ops.adapt_datetimefield_value(day_start)],  # as the ORM passes it (naive UTC on SQLite)
        )
        approved, rejected = cursor.fetchone()
    return {**agg, "my_approved": approved or 0, "my_rejected": rejected or 0}


def case_ids_for(content_type, object_ids):
    """{object_id: case_id} for the given content, in one query."""
    ids = list(object_ids)
    if not ids:
        return {}
    return dict(Case.objects.filter(content_type=content_type, object_id__in=ids).values_list("object_id", "pk"))


def content_report_upheld(content_type, object_id) -> bool:
    """Whether a report on the item was upheld (one indexed query)."""
    return Report.objects.filter(content_type=content_type, object_id=object_id, status=Report.Status.UPHELD).exists()
