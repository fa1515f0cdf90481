"""The co-creation part of ``manage.py demo``: challenges, a poll, trial programs (two of them
the brand login's own, Lumi's, so its admin funnel has every step) and the reward store.

Challenges and trial programs are created the way brand staff create them in the admin (a
draft challenge with its schedule; a trial program whose state staff set by hand, as there is
no service for that); everything else goes through the services: publishing, entries, votes,
comments, poll options, the schedule's moves (``challenges_advance``), winners, adoption,
applications, selection, shipping, the report, overdue marking (``trials_mark_overdue``) and the
rewards' coupon codes. Texts live in ``demodata``. Idempotent.
"""
from collections import Counter
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from community.cocreation import polls as poll_services
from community.cocreation import services as challenge_services
from core.errors import ServiceError
from devtools import demodata
from community.cocreation.models import Challenge, Entry, EntryComment, EntryVote, PollOption, PollVote
from community.trials.models import TrialApplication, TrialProgram
from community.trials import services as trial_services

SCHEDULE = ("opens_at", "entries_close_at", "voting_close_at", "closes_at")
# Challenge fields a spec in demodata may set (what the brand fills in on the admin's add page).
CHALLENGE_FIELDS = (
    "kind", "title_zh", "title_en", "brief_zh", "brief_en", "hashtag", "rules_zh", "rules_en", "allow_overlap",
    "votes_per_user", "winner_badge_slug", "prize_description_zh", "prize_description_en", "prize_draw",
    "prize_draw_winners", "prize_odds",
)
PICTURE_SIZE = (640, 480)  # small: the demo stays fast
BURST_LIMITS = ("BURST_10MIN", "BURST_10MIN_HOLD", "BURST_HOUR")  # moderation/detectors/velocity.py



class CoCreationDemo:
    def __init__(self, users, brands, products, *, staff_brand, url):
        self.staff_brand, self.url = staff_brand, url  # the brand the demo's brand staff runs; the site URL
        self.new = Counter()
        self.skipped = []
        self.users, self.brands, self.products = users, brands, products
        self.challenges, self.trials = [], []

    def load(self):
        now = timezone.now()
        self.challenges = [
            self._open_challenge(demodata.IDEA_CHALLENGE, now),
            self._poll(demodata.POLL_CHALLENGE, now),
            self._closed_challenge(demodata.CLOSED_CHALLENGE, now),
        ]
        self.trials = [
            self._trial(demodata.OPEN_TRIAL, now),
            self._replayed_trial(demodata.EARLIER_TRIAL, now),
            self._replayed_trial(demodata.LUMI_TRIAL, now),
            self._replayed_trial(demodata.LUMI_EARLIER_TRIAL, now),
        ]
        self.new["rewards"] += demodata.rewards_ensure(self.brands)
        return self

    def _actor(self, brand_slug):
        """Who acts for the brand: the demo's brand staff for their brand, the operator otherwise."""
        return self.users["brand" if brand_slug == self.staff_brand else "admin"]

    def _try(self, what, service, **kwargs):
        """Call a service; a refusal (say, a demo shopper already spent their votes by hand
        since the last run) is reported, not fatal: the demo only fills in what is missing."""
        try:
            return service(**kwargs)
        except ServiceError as exc:
            self.skipped.append(f"{what}: {exc.message}")
            return None

    @staticmethod
    def _picture(name, **kwargs):
        data = demodata.picture_bytes(size=PICTURE_SIZE, **kwargs)
        return SimpleUploadedFile(name, data, content_type="image/jpeg")

    def _challenge(self, spec, schedule):
        """The challenge as the brand creates it in the admin (a draft, with poll options on
        the same page), then published: the schedule moves it on from there."""
        brand, actor = self.brands[spec["brand"]], self._actor(spec["brand"])
        challenge = Challenge.objects.filter(brand=brand, title_zh=spec["title_zh"]).first()
        if challenge is None:
            challenge = Challenge.objects.create(
                brand=brand,
                # Demo shoppers are accounts a few seconds old: no minimum age (the default),
                # rather than back-dating when they joined.
                min_account_age_days_to_vote=0,
                **dict(zip(SCHEDULE, schedule)),
                **{field: spec[field] for field in CHALLENGE_FIELDS if field in spec},
            )
            challenge.products.set([self.products[slug] for slug in spec.get("products", ())])
            self.new["challenges"] += 1
        for position, (label_zh, label_en, desc_zh, desc_en, hue, label) in enumerate(spec.get("options", ())):
            option = PollOption.objects.filter(challenge=challenge, label_zh=label_zh).first()
            picture = dict(hue=hue, label=label, variant=position)
            if option is None:
                poll_services.poll_option_add(
                    challenge_id=challenge.pk, label_zh=label_zh, label_en=label_en, description_zh=desc_zh,
                    description_en=desc_en, position=position, actor=actor,
                    image=self._picture(f"option-{position}.jpg", **picture),
                )
                self.new["poll options"] += 1
            elif not option.image:
                poll_services.poll_option_image_set(
                    option_id=option.pk, upload=self._picture(f"option-{position}.jpg", **picture), actor=actor
                )
        return challenge_services.challenge_publish(challenge_id=challenge.pk, actor=actor)

    def _entries(self, challenge, spec):
        """Send the spec's missing entries (while the challenge takes them); returns the
        challenge's entries by author key, re-read after screening published them."""
        sent = set(Entry.objects.filter(challenge=challenge).values_list("author_id", flat=True))
        for i, (who, text, labels) in enumerate(spec["entries"]):
            author = self.users[who]
            if author.pk in sent or not challenge.accepts_entries:
                continue
            hue = demodata.brand_hue(spec["brand"]) + 0.07 * i
            images = [
                self._picture(f"entry-{i}-{n}.jpg", hue=hue + 0.3 * n, label=label, variant=i + n)
                for n, label in enumerate(labels)
            ]
            if self._try(f"entry by {who}", challenge_services.entry_submit, author=author,
                         challenge_id=challenge.pk, text=text, images=images):
                self.new["entries"] += 1
        by_author = {e.author_id: e for e in Entry.objects.filter(challenge=challenge).order_by("id")}
        return {who: by_author[self.users[who].pk] for who, *_ in spec["entries"] if self.users[who].pk in by_author}

    def _entry_votes(self, challenge, spec, entries):
        if not challenge.accepts_votes:
            return
        cast = set(EntryVote.objects.filter(challenge=challenge).values_list("entry_id", "user_id"))
        for voter, author in spec["votes"]:
            entry, user = entries.get(author), self.users[voter]
            if entry is None or not entry.is_public or (entry.pk, user.pk) in cast:
                continue
            if self._try(f"vote by {voter}", challenge_services.entry_vote_toggle, user=user, entry_id=entry.pk):
                self.new["entry votes"] += 1

    def _comments(self, challenge, spec, entries):
        posted = set(EntryComment.objects.filter(entry__challenge=challenge).values_list("entry_id", "author_id"))
        for who, author, text in spec.get("comments", ()):
            entry, user = entries.get(author), self.users[who]
            if entry is None or not entry.is_public or (entry.pk, user.pk) in posted:
                continue
            if self._try(f"comment by {who}", challenge_services.entry_comment_post, author=user,
                         entry_id=entry.pk, text=text):
                self.new["comments"] += 1

    def _open_challenge(self, spec, now):
        challenge = self._challenge(spec, [now + timedelta(days=d) for d in spec["days"]])
        entries = self._entries(challenge, spec)
        self._entry_votes(challenge, spec, entries)
        self._comments(challenge, spec, entries)
        return challenge

    def _poll(self, spec, now):
        # Entries closed yesterday, so publishing moves the poll straight on to voting.
        challenge = self._challenge(spec, [now + timedelta(days=d) for d in spec["days"]])
        if challenge.accepts_votes:
            options = {o.label_en: o for o in PollOption.objects.filter(challenge=challenge)}
            voted = set(PollVote.objects.filter(challenge=challenge).values_list("user_id", flat=True))
            for voter, label in spec["votes"]:
                user = self.users[voter]
                if user.pk in voted or label not in options:
                    continue  # one vote each in this poll: someone who voted is done
                if self._try(f"poll vote by {voter}", poll_services.poll_vote_toggle, user=user,
                             option_id=options[label].pk):
                    self.new["poll votes"] += 1
        return challenge

    def _advance(self, challenge, **schedule):
        """The brand moves the schedule in the admin; the beat's service moves the state."""
        for field, value in schedule.items():
            setattr(challenge, field, value)
        challenge.save(update_fields=list(schedule))
        challenge_services.challenges_advance(now=timezone.now())
        challenge.refresh_from_db()
        return challenge

    def _closed_challenge(self, spec, now):
        """A challenge that is over. Entries go in only while a challenge is open and votes
        only while it takes them, so it is replayed the way it ran: created with its opening
        date in the past and the later dates still ahead (publishing opens it), entries sent;
        entries then close in the past (voting), votes cast; voting and results close in the
        past (judging, closed: the prize draw is revealed); then the brand picks the winner
        and adopts an idea. A second run finds it closed and has nothing left to do."""
        opens, entries_close, voting_close, closes = [now + timedelta(days=d) for d in spec["days"]]
        ahead = [now + timedelta(days=d) for d in (1, 2, 3)]
        challenge = self._challenge(spec, [opens, *ahead])
        entries = self._entries(challenge, spec)
        if challenge.state == Challenge.State.OPEN:
            challenge = self._advance(challenge, entries_close_at=entries_close)
        self._entry_votes(challenge, spec, entries)
        if challenge.state == Challenge.State.VOTING:
            challenge = self._advance(challenge, voting_close_at=voting_close, closes_at=closes)
        if challenge.state not in (Challenge.State.JUDGING, Challenge.State.CLOSED):
            return challenge
        actor = self._actor(spec["brand"])
        entries = {who: Entry.objects.get(pk=e.pk) for who, e in entries.items()}
        winners = [entries[w].pk for w in spec["winners"] if w in entries and entries[w].is_public
                   and not entries[w].is_winner]
        if winners and self._try("winners", challenge_services.challenge_pick_winners, challenge_id=challenge.pk,
                                 entry_ids=winners, actor=actor):
            self.new["winners"] += len(winners)
        author, note = spec["adopted"]
        entry = entries.get(author)
        if entry is not None and entry.is_public and entry.adopted_at is None:
            if self._try("adoption", challenge_services.entry_adopt, entry_id=entry.pk, note=note, actor=actor):
                self.new["adopted ideas"] += 1
        return challenge

    def _trial(self, spec, now, *, applications_close_at=None, report_deadline=None):
        """A trial program as brand staff set it up in the admin, open for applications (a
        program's state is set there by hand: there is no service for it), and the spec's
        applications through ``trial_apply``."""
        open_at, close_at, deadline = [now + timedelta(days=d) for d in spec["days"]]
        brand = self.brands[spec["brand"]]
        program = TrialProgram.objects.filter(brand=brand, title_zh=spec["title_zh"]).first()
        if program is None:
            program = TrialProgram.objects.create(
                brand=brand, product=self.products[spec["product"]], title_zh=spec["title_zh"],
                title_en=spec["title_en"], description_zh=spec["description_zh"], description_en=spec["description_en"],
                selection_criteria_zh=spec["selection_criteria_zh"], selection_criteria_en=spec["selection_criteria_en"],
                samples=spec["samples"],
                applications_open_at=open_at, applications_close_at=applications_close_at or close_at,
                report_deadline=report_deadline or deadline, state=TrialProgram.State.OPEN,
            )
            self.new["trials"] += 1
        applied = set(TrialApplication.objects.filter(program=program).values_list("user_id", flat=True))
        for who, reason in spec["applications"]:
            user = self.users[who]
            if user.pk in applied or not program.window_open():
                continue
            if self._try(f"application by {who}", trial_services.trial_apply, user=user, program=program,
                         reason=reason):
                self.new["trial applications"] += 1
        return program

    def _select_ship_report(self, program, spec):
        """Selection (which moves the program to running), shipping and the spec's report, through
        the trial services; what is already done is left alone."""
        actor = self._actor(spec["brand"])
        apps = {a.user_id: a for a in TrialApplication.objects.filter(program=program)}
        chosen = [apps[self.users[w].pk] for w in spec["selected"] if self.users[w].pk in apps]
        waiting = [a.pk for a in chosen if a.status in (TrialApplication.Status.APPLIED,
                                                        TrialApplication.Status.NOT_SELECTED)]
        if waiting and self._try("trial selection", trial_services.trial_select, actor=actor, program=program,
                                 application_ids=waiting):
            self.new["trial testers"] += len(waiting)
        shipped = [apps[self.users[w].pk].pk for w in spec.get("shipped", spec["selected"]) if self.users[w].pk in apps]
        # Only selected, not yet shipped ones change.
        self.new["samples shipped"] += trial_services.trial_mark_shipped(actor=actor, application_ids=shipped)
        if "report" not in spec:
            return
        who, rating, tag_slugs, text = spec["report"]
        app = TrialApplication.objects.filter(program=program, user=self.users[who]).first()
        if app is not None and app.review_id is None and app.status in trial_services.OWING:
            product = self.products[spec["product"]]
            tag_ids = list(product.category.aspect_tags.filter(slug__in=tag_slugs).values_list("id", flat=True))
            if self._try("trial report", trial_services.trial_report_post, user=self.users[who], application=app,
                         rating=rating, text=text, tag_ids=tag_ids):
                self.new["trial reports"] += 1

    def _replayed_trial(self, spec, now):
        """A trial whose applications closed days ago, replayed like the closed challenge:
        applications go in while its window is open; then staff close the window and set it to
        "selecting" in the admin; selection (which moves it to running), shipping and the report go
        through the trial services before the deadline. For a trial whose deadline has passed,
        staff then move the deadline to its date (admin) and the beat's service marks the testers
        without a report overdue. A second run finds every step done."""
        close_at, deadline = (now + timedelta(days=d) for d in spec["days"][1:])
        program = self._trial(spec, now, applications_close_at=now + timedelta(days=1),
                              report_deadline=max(deadline, now + timedelta(days=2)))
        if program.state == TrialProgram.State.OPEN:
            program.applications_close_at, program.state = close_at, TrialProgram.State.SELECTING
            program.save(update_fields=["applications_close_at", "state"])
        running = program.state in (TrialProgram.State.SELECTING, TrialProgram.State.RUNNING)
        if running and program.report_deadline > now:
            self._select_ship_report(program, spec)
            if deadline < program.report_deadline:
                program.report_deadline = deadline
                program.save(update_fields=["report_deadline"])
                self.new["overdue reports"] += trial_services.trials_mark_overdue(now=now)
        return program

    def summary(self, stdout, style):
        challenges, trials = self.challenges, self.trials
        entries = Entry.objects.filter(challenge__in=challenges)
        options = PollOption.objects.filter(challenge__in=challenges)
        applications = TrialApplication.objects.filter(program__in=trials)
        reports = applications.filter(review__isnull=False).count()
        stdout.write(style.SUCCESS(
            f"Co-creation: {len(challenges)} challenges "
            f"({', '.join(c.state for c in challenges)}), "
            f"{entries.count()} entries, {EntryVote.objects.filter(challenge__in=challenges).count()} entry votes, "
            f"{options.count()} poll options with {PollVote.objects.filter(challenge__in=challenges).count()} votes, "
            f"{len(trials)} trials with {applications.count()} applications and "
            f"{reports} report{'' if reports == 1 else 's'} ({sum(self.new.values())} new)."
        ))
        waiting = entries.exclude(status=Entry.Status.PUBLISHED).count() + EntryComment.objects.filter(
            entry__challenge__in=challenges).exclude(status=EntryComment.Status.PUBLISHED).count()
        if waiting:
            stdout.write(f"{waiting} entries or comments wait for a moderator at {self.url}moderation/.")
        for note in self.skipped:
            stdout.write(f"Skipped {note}")
