"""``manage.py integrity replay --events FILE.jsonl [--json]``: load an event stream into the current
(scratch) database through the real services, with the events' times honoured, run the scan as
the beat task would, and print one verdict per input line (docs/integrity.md, "Replay").

Input lines, in time order (other keys are ignored):

    {"ts": ISO8601, "kind": "signup", "user": "u1", "ip": "203.0.113.7", "device": "d1"}
    {"ts": ..., "kind": "review", "user": "u1", "product": "p1", "rating": 5, "text": "...", "ip": ..., "device": ...}
    {"ts": ..., "kind": "helpful", "user": "u2", "author": "u1", "product": "p1", "ip": ..., "device": ...}
    {"ts": ..., "kind": "entry", "user": "u3", "challenge": "c1", "text": "..."}
    {"ts": ..., "kind": "entry_vote", "user": "u4", "author": "u3", "challenge": "c1", "ip": ..., "device": ...}

Products (and their brand, ``"brand"`` when given) and challenges (open, votes allowed while
entries are taken) are created on first mention; an account not signed up is created at its
first event. Every line is checked before anything is written: a bad line or an unknown kind is
an error naming its line number. Output, one JSON line per input line, in order:
``{"line", "kind", "verdict": "counted" | "invalidated" | "held", "suspicion", "reasons"}``.

- votes: ``invalidated`` when the scan invalidated the interaction, ``held`` when it sits in an
  open ring case, else ``counted``; suspicion and reasons are the detectors';
- reviews: ``held`` when the review is not public (screening or the integrity scan held it),
  ``invalidated`` when its submission was invalidated, else ``counted``; suspicion and reasons
  are the behaviour-only review scoring's;
- entries: ``held`` when not public, else ``counted``;
- signups: ``counted``, with the account's suspicion;
- an action the services refused (a vote on one's own content, over a challenge's vote limit)
  never counted: ``invalidated`` with the reason ``refused:<code>``; a vote on content held for
  moderation: ``held`` with ``refused:not_published``.
"""
import copy
import hashlib
import json
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from moderation.management.jsonl import read_json_lines

KINDS = {
    "signup": ("user",),
    "review": ("user", "product", "rating"),
    "helpful": ("user", "author", "product"),
    "entry": ("user", "challenge", "text"),
    "entry_vote": ("user", "author", "challenge"),
}
REPLAY_DOMAIN = "replay.invalid"


def add_arguments(sub):
    replay = sub.add_parser("replay", help="Load an event stream through the real services, scan, print verdicts.")
    replay.add_argument("--events", required=True, metavar="FILE", help='JSON lines; "-" for standard input')
    replay.add_argument("--json", action="store_true", dest="as_json",
                        help="one JSON line per input line, in order: verdict, suspicion, reasons")


# --- parsing ------------------------------------------------------------------------------------


def _ts(value):
    if not isinstance(value, str) or not value:
        raise ValueError('"ts" must be an ISO 8601 date-time')
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f'"ts" is not an ISO 8601 date-time: {value!r}') from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _name(obj, key):
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise ValueError(f'"{key}" must be a non-empty string')
    return str(value)


def parse_line(obj):
    """Validate one input record; returns a normalised dict. Raises ValueError naming the field."""
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    kind = obj.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    event = {"kind": kind, "ts": _ts(obj.get("ts"))}
    for key in KINDS[kind]:
        if key not in ("rating", "text"):
            event[key] = _name(obj, key)
    if kind == "review":
        rating = obj.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, (int, float)) or rating != int(rating) \
                or not 1 <= rating <= 5:
            raise ValueError('"rating" must be an integer from 1 to 5')
        event["rating"] = int(rating)
    for key in ("text",):
        value = obj.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValueError(f'"{key}" must be a string')
        event[key] = value
    if kind == "entry" and not event["text"].strip():
        raise ValueError('"text" must not be empty for an entry')
    for key in ("ip", "device", "brand", "ua"):
        value = obj.get(key)
        if value is not None and not isinstance(value, (str, int)):
            raise ValueError(f'"{key}" must be a string')
        event[key] = "" if value is None else str(value)
    return event


def read_events(path):
    def parse(text, number):
        if not text.strip():
            raise ValueError("empty line")
        event = parse_line(json.loads(text))
        event["line"] = number
        return event

    return read_json_lines(path, parse, nothing_done="loaded")


# --- loading ------------------------------------------------------------------------------------


def _slug(prefix, name):
    digest = hashlib.sha1(name.encode()).hexdigest()[:10]
    return f"{prefix}-{digest}"


class Loader:
    """Creates what the stream mentions and calls the services, one event at a time, with the
    clock set to the event's time and the client signals set to its ip and device."""

    def __init__(self):
        self.users, self.products, self.brands, self.challenges = {}, {}, {}, {}
        self.reviews = {}  # (author name, product name) -> review id
        self.entries = {}  # (author name, challenge name) -> entry id
        self.category = None

    def user(self, name, ts):
        from community.models import User

        user = self.users.get(name)
        if user is None:
            username = f"replay-{hashlib.sha1(name.encode()).hexdigest()[:16]}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username=username, email=f"{username}@{REPLAY_DOMAIN}",
                                                display_name=name[:40], date_joined=ts, email_notifications=False)
            self.users[name] = user
        # A copy per action: what a request memoises on its user object (the level for privileges,
        # caps and the interaction log) must not outlive the action, as it does not outlive a request.
        return copy.copy(user)

    def brand(self, name):
        from community.models import Brand

        brand = self.brands.get(name)
        if brand is None:
            brand, _ = Brand.objects.get_or_create(slug=_slug("replay-brand", name), defaults={"name": name[:80]})
            self.brands[name] = brand
        return brand

    def product(self, name, brand_name):
        from community.models import Category, Product

        product = self.products.get(name)
        if product is None:
            if self.category is None:
                self.category, _ = Category.objects.get_or_create(
                    slug="replay", defaults={"name_zh": "回放", "name_en": "Replay"})
            product, _ = Product.objects.get_or_create(
                slug=_slug("replay-product", name),
                defaults={"brand": self.brand(brand_name or "replay"), "category": self.category,
                          "name_zh": name[:120], "name_en": name[:120]})
            self.products[name] = product
        return product

    def challenge(self, name, ts):
        from community.cocreation import services
        from community.cocreation.models import Challenge

        challenge = self.challenges.get(name)
        if challenge is None:
            slug_brand = self.brand("replay")
            title = f"replay {name}"[:120]
            challenge = Challenge.objects.filter(brand=slug_brand, title_en=title).first()
            if challenge is None:
                opens = ts - timedelta(hours=1)
                challenge = Challenge.objects.create(
                    brand=slug_brand, title_zh=title, title_en=title, brief_zh=title, opens_at=opens,
                    entries_close_at=opens + timedelta(days=3650), voting_close_at=opens + timedelta(days=3651),
                    closes_at=opens + timedelta(days=3652), allow_overlap=True, votes_per_user=1000,
                    entries_per_user=100)
                services.challenge_publish(challenge_id=challenge.pk)
                challenge.refresh_from_db()
            self.challenges[name] = challenge
        return challenge

    def apply(self, event):
        """Run one event; returns {"refused": code} or the ids it made."""
        from community import services
        from community.cocreation import services as cocreation_services
        from core.errors import ServiceError

        kind, ts = event["kind"], event["ts"]
        actor = self.user(event["user"], ts)
        try:
            if kind == "signup":
                return {"user": actor.pk}
            if kind == "review":
                product = self.product(event["product"], event.get("brand"))
                review, _created = services.review_post(author=actor, product=product, rating=event["rating"],
                                                        text=event["text"] or None)
                self._backdate_review(review.pk, ts)
                self.reviews[(event["user"], event["product"])] = review.pk
                return {"review": review.pk}
            if kind == "helpful":
                review_id = self.reviews.get((event["author"], event["product"]))
                if review_id is None:
                    return {"refused": "not_found"}
                services.review_vote_helpful(user=actor, review_id=review_id, helpful=True)
                return {"review": review_id}
            if kind == "entry":
                challenge = self.challenge(event["challenge"], ts)
                entry = cocreation_services.entry_submit(author=actor, challenge_id=challenge.pk, text=event["text"])
                self.entries[(event["user"], event["challenge"])] = entry.pk
                return {"entry": entry.pk}
            if kind == "entry_vote":
                entry_id = self.entries.get((event["author"], event["challenge"]))
                if entry_id is None:
                    return {"refused": "not_found"}
                cocreation_services.entry_vote_toggle(user=actor, entry_id=entry_id)
                return {"entry": entry_id}
        except ServiceError as exc:
            # The target exists (the stream made it) but is not public: held for moderation.
            code = "not_published" if exc.code == "not_found" and kind in ("helpful", "entry_vote") else exc.code
            return {"refused": code or "refused"}
        raise AssertionError(kind)

    def _backdate_review(self, review_id, ts):
        from community.models import Review

        Review.objects.filter(pk=review_id).update(created_at=ts)
        Review.objects.filter(pk=review_id, published_at__isnull=False).update(published_at=ts)


def load(events, *, progress=None):
    """Apply every event in order; returns, per event, (result dict, interaction event ids it logged)."""
    from celery import current_app

    from community.integrity.models import InteractionEvent
    from core import client_signals

    loader = Loader()
    out = []
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True  # screening and points run in this process, in order
    # stdout is the output (mail to memory); the daily vote caps are off: they limit live members,
    # and a replayed stream is judged by the detectors, not refused at a cap the stream never saw.
    mail = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", COCREATE_VOTES_PER_DAY=0)
    mail.enable()
    try:
        for i, event in enumerate(events):
            ts = event["ts"]
            last_id = InteractionEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            with ExitStack() as stack:
                stack.enter_context(mock.patch.object(timezone, "now", lambda ts=ts: ts))
                stack.enter_context(client_signals.signals_given(ip=event.get("ip", ""), device=event.get("device", ""),
                                                                 user_agent=event.get("ua", "")))
                # One commit per event (the services' own blocks become savepoints); what they
                # defer to the commit (screening, points) runs as the block exits, clock still set.
                stack.enter_context(transaction.atomic())
                result = loader.apply(event)
            logged = list(InteractionEvent.objects.filter(id__gt=last_id).order_by("id").values_list("id", "action"))
            out.append((result, logged))
            if progress and (i + 1) % 1000 == 0:
                progress("load", events=i + 1, of=len(events))
    finally:
        current_app.conf.task_always_eager = eager
        mail.disable()
    return out


# --- verdicts -----------------------------------------------------------------------------------

VOTE_ACTIONS = {"helpful": "helpful_vote", "entry_vote": "entry_vote"}


def verdicts(events, loaded, scan_result):
    from community.cocreation.models import Entry
    from community.integrity.models import InteractionEvent, InteractionFlag
    from community.models import Review
    from moderation.models import RingCase, RingCaseEvent

    ev = scan_result.events
    index = {int(e): i for i, e in enumerate(ev.event_id.tolist())} if ev is not None else {}
    suspicion = scan_result.verdicts.event_suspicion if scan_result.verdicts is not None else None
    account_suspicion = scan_result.verdicts.account_suspicion if scan_result.verdicts is not None else {}
    all_ids = [eid for _r, logged in loaded for eid, _a in logged]
    invalid = set(InteractionEvent.objects.filter(pk__in=all_ids, valid=False).values_list("pk", flat=True))
    flags = dict(InteractionFlag.objects.filter(event_id__in=all_ids).values_list("event_id", "detector"))
    held = set(RingCaseEvent.objects.filter(event_id__in=all_ids, case__status=RingCase.Status.OPEN)
               .values_list("event_id", flat=True))
    review_ids = [r["review"] for r, _l in loaded if "review" in r]
    review_status = dict(Review.objects.filter(pk__in=review_ids).values_list("pk", "status"))
    entry_ids = [r["entry"] for r, _l in loaded if "entry" in r]
    entry_public = {pk: status == Entry.Status.PUBLISHED
                    for pk, status in Entry.objects.filter(pk__in=entry_ids).values_list("pk", "status")}
    review_scores = scan_result.review_scores or {}
    for event, (result, logged) in zip(events, loaded, strict=True):
        kind = event["kind"]
        row = {"line": event["line"], "kind": kind, "verdict": "counted", "suspicion": 0.0, "reasons": []}
        refused = result.get("refused")
        if refused:
            row["verdict"] = "held" if refused == "not_published" else "invalidated"
            row["reasons"] = [f"refused:{refused}"]
        elif kind in VOTE_ACTIONS:
            ids = [eid for eid, action in logged if action == VOTE_ACTIONS[kind]]
            eid = ids[-1] if ids else None
            i = index.get(eid)
            if i is not None:
                row["suspicion"] = round(float(suspicion[i]), 4)
                row["reasons"] = list(scan_result.verdicts.event_reasons[i])
            if eid in invalid:
                row["verdict"] = "invalidated"
                if flags.get(eid) and not row["reasons"]:
                    row["reasons"] = [flags[eid]]
            elif eid in held:
                row["verdict"] = "held"
        elif kind == "review":
            rid = result["review"]
            s, reasons = review_scores.get(rid, (0.0, []))
            row["suspicion"], row["reasons"] = round(float(s), 4), list(reasons)
            submitted = [eid for eid, action in logged if action == "review_submit"]
            if review_status.get(rid) != Review.Status.PUBLISHED:
                row["verdict"] = "held"
            elif submitted and submitted[-1] in invalid:
                row["verdict"] = "invalidated"
        elif kind == "entry":
            if not entry_public.get(result["entry"]):
                row["verdict"] = "held"
        elif kind == "signup":
            row["suspicion"] = round(float(account_suspicion.get(result["user"], 0.0)), 4)
        yield row


def handle(command, *, events, as_json=False, **_):
    from moderation.integrity_scan import scan

    parsed = read_events(events)
    err = command.stderr.write

    def progress(stage, **figures):
        err(f"{stage}: " + " ".join(f"{k}={v}" for k, v in figures.items()))

    loaded = load(parsed, progress=progress)
    # Every replayed event, however long ago its time: the stream is the whole history.
    since = min((e["ts"] for e in parsed), default=None)
    result = scan(since=since, dry_run=False, progress=None, review_scores=True)
    rows = list(verdicts(parsed, loaded, result))
    if as_json:
        for start in range(0, len(rows), 5000):
            command.stdout.write("\n".join(json.dumps(r, ensure_ascii=False) for r in rows[start:start + 5000]))
        return
    out = command.stdout.write
    totals = {}
    for r in rows:
        totals.setdefault(r["kind"], {}).setdefault(r["verdict"], 0)
        totals[r["kind"]][r["verdict"]] += 1
    out(f"{len(rows)} events replayed; scan: {result.counts}")
    for kind, by in totals.items():
        out(f"  {kind}: " + ", ".join(f"{v} {k}" for k, v in sorted(by.items())))
    for r in rows:
        if r["verdict"] != "counted":
            out(f"  line {r['line']} {r['kind']}: {r['verdict']} ({r['suspicion']:.2f}) {'; '.join(r['reasons'])}")
