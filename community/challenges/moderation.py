"""Moderation adapters for challenge entries and their comments (registered at import,
from CommunityConfig.ready). Decisions are applied through the challenge services."""
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation import registry
from moderation.detectors.base import ImageInput, ScreenInput


def _status(decision):
    from community.models import Entry

    return {
        registry.PUBLISH: Entry.Status.PUBLISHED,
        registry.HIDE: Entry.Status.PENDING,
        registry.REJECT: Entry.Status.REJECTED,
    }[decision]


class EntryAdapter(registry.ContentAdapter):
    key = "entry"
    label = _("Challenge entry")

    def _qs(self):
        from community.models import Entry

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
        from community.challenges.services import entry_moderate

        return entry_moderate(entry_id=object_id, status=_status(decision), reason=reason)

    def author_id(self, object_id):
        from community.models import Entry

        return Entry.objects.filter(pk=object_id).values_list("author_id", flat=True).first()

    def quality_input(self, object_id):
        entry = self._qs().filter(pk=object_id).first()
        if entry is None or not entry.text.strip():
            return None
        challenge = entry.challenge
        return {
            "text": entry.text, "rating": None, "lang": entry.language, "author_id": entry.author_id,
            "scope": f"challenge:{challenge.pk}",
            "reference_texts": [t for t in (challenge.brief_zh, challenge.brief_en) if t],
            "aspects": [], "tags": [], "photos": len(entry.images.all()),
            "helpful": entry.vote_count, "not_helpful": 0,
        }

    def set_quality(self, object_id, score):
        from community.challenges.services import entry_set_quality

        return entry_set_quality(entry_id=object_id, score=score)

    def scoreable_ids(self):
        from community.models import Entry

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

    def _qs(self):
        from community.models import EntryComment

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
        from community.challenges.services import entry_comment_moderate

        return entry_comment_moderate(comment_id=object_id, status=_status(decision), reason=reason)

    def author_id(self, object_id):
        from community.models import EntryComment

        return EntryComment.objects.filter(pk=object_id).values_list("author_id", flat=True).first()

    def previews(self, object_ids):
        return {
            c.pk: registry.Preview(text=c.text, title=_("Comment on entry #%(id)s") % {"id": c.entry_id},
                                   url=f"/entries/{c.entry_id}/", image_urls=[], status=c.status)
            for c in self._qs().filter(pk__in=list(object_ids))
        }


registry.register(EntryAdapter())
registry.register(CommentAdapter())
