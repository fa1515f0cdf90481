"""Moderation adapters for challenge entries and their comments (registered at import,
from ModerationConfig.ready). Decisions are applied through the challenge services."""
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.cocreation.models import Entry, EntryComment
from community.cocreation.services import (
    entry_comment_content_purge,
    entry_comment_moderate,
    entry_content_purge,
    entry_moderate,
    entry_set_quality_many,
)
from moderation import registry
from moderation.detectors.base import ImageInput, ScreenInput


def _status(decision):
    return {
        registry.PUBLISH: Entry.Status.PUBLISHED,
        registry.HIDE: Entry.Status.PENDING,
        registry.REJECT: Entry.Status.REJECTED,
    }[decision]


class EntryAdapter(registry.ContentAdapter):
    key = "entry"
    label = _("Challenge entry")
    model = Entry

    def _qs(self):
        return Entry.objects.select_related("challenge", "author").prefetch_related("images")

    def screen_input(self, object_id):
        entry = self._qs().filter(pk=object_id).first()
        if entry is None:
            return None
        images = []
        for img in entry.images.all():
            try:
                with img.image.open("rb") as fh:
                    images.append(ImageInput(key=img.image.name, data=fh.read()))
            except OSError:
                continue
        challenge = entry.challenge
        return ScreenInput(
            text=entry.text, language=entry.language, content_type=self.key, object_id=entry.pk,
            author_id=entry.author_id, scope=f"challenge:{challenge.pk}",
            reference_texts=[t for t in (challenge.brief_zh, challenge.brief_en) if t], images=images,
            metadata={"account_age_days": (timezone.now() - entry.author.date_joined).days, "photos": len(images)},
        )

    def apply(self, object_id, decision, reason=""):
        return entry_moderate(entry_id=object_id, status=_status(decision), reason=reason)

    def purge_content(self, object_id):
        return entry_content_purge(entry_id=object_id)

    def author_id(self, object_id):
        return Entry.objects.filter(pk=object_id).values_list("author_id", flat=True).first()

    def quality_inputs(self, object_ids):
        from django.db.models import Count


        entries = (
            Entry.objects.filter(pk__in=list(object_ids)).exclude(text="").select_related("challenge")
            .annotate(image_count=Count("images"))
            .only("id", "text", "language", "author_id", "vote_count", "challenge__id", "challenge__brief_zh",
                  "challenge__brief_en")
        )
        out = {}
        for entry in entries:
            if not entry.text.strip():
                continue
            challenge = entry.challenge
            out[entry.pk] = {
                "text": entry.text, "rating": None, "lang": entry.language, "kind": "entry",
                "author_id": entry.author_id, "scope": f"challenge:{challenge.pk}",
                "reference_texts": [t for t in (challenge.brief_zh, challenge.brief_en) if t],
                "aspects": [], "tags": [], "photos": entry.image_count,
                "helpful": entry.vote_count, "not_helpful": 0,
            }
        return out

    def set_quality_many(self, scores):
        return entry_set_quality_many(scores=scores)

    def scoreable_ids(self):
        return Entry.objects.exclude(text="").order_by("pk").values_list("pk", flat=True)

    def previews(self, object_ids):
        out = {}
        for entry in self._qs().filter(pk__in=list(object_ids)):
            out[entry.pk] = registry.Preview(
                text=entry.text, title=str(entry.challenge), url=f"/entries/{entry.pk}/",
                image_urls=[i.image.url for i in entry.images.all()], language=entry.language, status=entry.status,
            )
        return out


class CommentAdapter(registry.ContentAdapter):
    key = "comment"
    label = _("Comment")
    model = EntryComment

    def _qs(self):
        return EntryComment.objects.select_related("author", "entry")

    def screen_input(self, object_id):
        comment = self._qs().filter(pk=object_id).first()
        if comment is None:
            return None
        return ScreenInput(
            text=comment.text, content_type=self.key, object_id=comment.pk, author_id=comment.author_id,
            scope=f"entry:{comment.entry_id}",
            metadata={"account_age_days": (timezone.now() - comment.author.date_joined).days},
        )

    def apply(self, object_id, decision, reason=""):
        return entry_comment_moderate(comment_id=object_id, status=_status(decision), reason=reason)

    def purge_content(self, object_id):
        return entry_comment_content_purge(comment_id=object_id)

    def author_id(self, object_id):
        return EntryComment.objects.filter(pk=object_id).values_list("author_id", flat=True).first()

    # Comments are scored (they count in the audit and the prevalence figure) but a short
    # comment is a normal comment: a low score never holds one for the queue.
    holds_low_quality = False

    def quality_inputs(self, object_ids):
        comments = EntryComment.objects.filter(pk__in=list(object_ids)).exclude(text="").only(
            "id", "text", "author_id", "entry_id")
        return {
            c.pk: {
                "text": c.text, "rating": None, "lang": "", "kind": "comment", "author_id": c.author_id,
                "scope": f"entry:{c.entry_id}", "reference_texts": [], "aspects": [], "tags": [], "photos": 0,
                "helpful": 0, "not_helpful": 0,
            }
            for c in comments if c.text.strip()
        }

    def set_quality_many(self, scores):
        return 0  # nothing denormalised: comments are listed by time, not ranked

    def scoreable_ids(self):
        return EntryComment.objects.exclude(text="").order_by("pk").values_list("pk", flat=True)

    def previews(self, object_ids):
        return {
            c.pk: registry.Preview(text=c.text, title=_("Comment on entry #%(id)s") % {"id": c.entry_id},
                                   url=f"/entries/{c.entry_id}/", image_urls=[], status=c.status)
            for c in self._qs().filter(pk__in=list(object_ids))
        }


registry.register(EntryAdapter())
registry.register(CommentAdapter())


# --- the quality audit's populations (moderation/audit.py): what was published on a day --------


def _entry_population(start, end):
    return Entry.objects.filter(
        status=Entry.Status.PUBLISHED, published_at__gte=start, published_at__lt=end
    ).exclude(text="").values_list("pk", flat=True)


def _comment_population(start, end):
    # Comments carry no publication time: screening publishes them seconds after they are
    # written, so the day they were written is the day they were published.

    return EntryComment.objects.filter(
        status=EntryComment.Status.PUBLISHED, created_at__gte=start, created_at__lt=end
    ).exclude(text="").values_list("pk", flat=True)


def _register_audit_populations():
    from moderation.audit import audit_population_register

    audit_population_register("entry", _entry_population)
    audit_population_register("comment", _comment_population)


_register_audit_populations()
