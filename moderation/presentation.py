"""Words moderators read in place of internal codes (queue reasons, evidence labels) and the
SLA display shared by the moderation pages and the moderation API."""
import unicodedata
from datetime import timedelta
from html import escape as html_escape

from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from community.templatetags.cocreate import valid_timezone

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
    "reported_urgent": _("Reported: personal data or abuse"),
    "reported_public": _("Still public while reported"),
    "reported_hidden": _("Hidden by report weight"),
    "appeal": _("Appeal"),
    "screening_failed": _("Screening failed"),
    "fake_incentive": _("Fake or undisclosed incentive"),
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

ACTION_LABELS = {"flag": _("flag"), "hold": _("hold for review"), "block": _("block")}


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


# --- a case as the moderation page and API show it ------------------------------------------


def kind_label(key):
    from moderation import registry

    try:
        return registry.get(key).label
    except KeyError:
        return key


def case_decorate(case, *, now, viewer):
    """Attach what a queue row shows beyond the case row. No queries: previews must be
    attached already (``selectors.attach_previews``). Text is masked (personal data)."""
    from moderation import selectors

    case.kind_label = kind_label(case.content_type)
    # Known-answer items are reviewed blind: nothing on the page says they are a test.
    case.reasons = [{"code": r, "label": queue_reason_label(r)} for r in case.queue_reasons or []
                    if r != "calibration"]
    case.reason_labels = [r["label"] for r in case.reasons]
    case.age = age_label(now - case.queued_at) if case.queued_at else ""
    case.age_seconds = int((now - case.queued_at).total_seconds()) if case.queued_at else None
    case.sla = sla_state(case.queued_at, now)
    case.held = bool(case.claimed_by_id and case.lease_expires_at and case.lease_expires_at > now)
    case.held_by_me = case.held and case.claimed_by_id == viewer.pk
    case.claimed_by_if_held = case.claimed_by if case.held else None
    case.lease_if_held = case.lease_expires_at if case.held else None
    text = case.preview.text if getattr(case, "preview", None) else ""
    case.safe_text = selectors.masked_text(text, case.detectors)
    return case


def detector_summary(detectors):
    """Detectors that found something, in moderators' words (never the raw evidence text)."""
    return [
        {
            "name": d.get("name", ""),
            "label": detector_label(d.get("name", "")),
            "score": d.get("score"),
            "action": d.get("action", ""),
            "action_label": ACTION_LABELS.get(d.get("action", ""), d.get("action", "")),
            "labels": [{"code": lab, "label": evidence_label(lab)} for lab in d.get("labels", [])],
        }
        for d in detectors or []
        if d.get("labels")
    ]


def case_segments(case):
    """The item's text as highlighted segments, personal data masked, with readable titles."""
    from moderation import selectors

    text = case.preview.text if getattr(case, "preview", None) else ""
    segments = selectors.evidence_segments(text, case.detectors)
    for seg in segments:
        seg["title"] = ", ".join(str(evidence_label(lab)) for lab in seg["labels"])
    return segments


def pct(value, digits=1):
    """A share as a percentage for the pages ("4.2%"), or a dash when there is none."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _excerpt(text, length=200):
    # truncatechars' answer (NFC, cut at ``length`` characters); its lazy machinery only for a
    # text it would cut.
    return unicodedata.normalize("NFC", text) if len(text) <= length else truncatechars(text, length)


def queue_rows_html(cases, *, viewer):
    """The queue's rows (``<li>`` items). Built here rather than in ``moderation/queue.html``: the
    template engine spent about 1.5 ms of CPU on each of the 50 rows (a ``{% url %}``, two
    ``{% blocktranslate %}``, four filters), most of the page's CPU (docs/benchmarks.md, "The
    moderation queue page"). Every value put in is escaped (``escape``; the labels once per
    page); the rows are tested against markup in names and text. Cases must be decorated
    (``case_decorate``). Times are shown in the viewer's time zone, as the layout does."""
    def _escape(value):  # django.utils.html.escape's output, without its lazy-string wrapper (500 calls a page)
        return html_escape(str(value))

    zone = valid_timezone(getattr(viewer, "timezone", None)) or timezone.get_current_timezone()
    url = reverse("moderation:case", args=[0])[:-2]  # ".../0/" -> the prefix; one reverse per page
    labels = {}  # code -> escaped label, translated once per page (hashing a lazy label translates it)

    def label(code, text):
        found = labels.get(code)
        if found is None:
            found = labels[code] = _escape(text)
        return found

    no_content = f'<span class="muted">{_escape(gettext("The content no longer exists."))}</span>'
    yours = f'<span class="tag-held tag-mine">{_escape(gettext("yours"))}</span>'
    held_by, select_item, risk_of = gettext("held by %(n)s"), gettext("Select item %(id)s"), gettext("risk %(r)s")
    rows = []
    for case in cases:
        held = ""
        if case.held_by_me:
            held = yours
        elif case.held:
            held = f'<span class="tag-held">{_escape(held_by % {"n": case.claimed_by.public_name})}</span>'
        preview = case.preview
        if preview:
            rating = f" · {int(preview.rating)}★" if preview.rating else ""
            excerpt = f"<b>{_escape(preview.title)}</b>{rating} · {_escape(_excerpt(case.safe_text))}"
        else:
            excerpt = no_content
        queued = timezone.localtime(case.queued_at, zone).strftime("%Y-%m-%d %H:%M") if case.queued_at else ""
        reasons = "".join(f'<span class="tag-reason">{label(r["code"], r["label"])}</span>' for r in case.reasons)
        pk = int(case.pk)
        rows.append(
            f'<li class="mod-item{" is-held" if case.held and not case.held_by_me else ""}" id="case-{pk}">'
            f'<label class="mod-pick"><input type="checkbox" class="bulk-pick" name="ids" value="{pk}" form="bulk-form">'
            f'<span class="visually-hidden">{_escape(select_item % {"id": pk})}</span></label>'
            f'<a href="{url}{pk}/" class="mod-item-link"><span class="mod-item-top">'
            f'<span class="age age-{_escape(case.sla)}" title="{_escape(queued)}">{_escape(case.age)}</span> '
            f'<span class="kind">{label(("kind", case.content_type), case.kind_label)}</span> '
            f'<span class="risk risk-{round(case.risk * 10)}">{_escape(risk_of % {"r": f"{case.risk:.2f}"})}</span> '
            f'{reasons} {held}</span> <span class="excerpt">{excerpt}</span></a></li>'
        )
    return mark_safe("\n".join(rows))  # every value above is escaped
