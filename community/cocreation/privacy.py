"""Co-creation's personal data, declared in the privacy registry (community/privacy/registry.py)."""
import os

from django.utils.translation import gettext_noop

from community.cocreation import services
from community.cocreation.models import ChallengeEvent, ChallengeParticipant, Entry, EntryComment, EntryImage, EntryVote, PollVote
from community.privacy.registry import PersonalData, no_personal_data_register, personal_data_register


def _entries(user):
    for entry in Entry.objects.filter(author=user).select_related("challenge").order_by("id"):
        yield {
            "id": entry.pk, "challenge": entry.challenge.title, "text": entry.text, "status": entry.status,
            "status_reason": entry.status_reason, "votes": entry.vote_count, "winner": entry.is_winner,
            "adopted_at": entry.adopted_at, "adopted_note": entry.adopted_note,
            "images": [_image_name(i) for i in entry.images.all()],
            "created_at": entry.created_at, "published_at": entry.published_at,
        }


def _erase_entries(user, keep_content):
    """Keeping keeps published entries under "deleted user"; the rest is erased either way."""
    entries = Entry.objects.filter(author=user)
    if keep_content:
        entries = entries.exclude(status=Entry.Status.PUBLISHED)
    return sum(services.entry_erase(entry_id=pk) for pk in list(entries.values_list("pk", flat=True)))


def _image_name(image):
    return f"entry_images/entry-{image.entry_id}-{image.pk}{os.path.splitext(image.image.name)[1]}"


def _images(user):
    for image in EntryImage.objects.filter(entry__author=user).order_by("id"):
        yield {"entry_id": image.entry_id, "file": _image_name(image), "width": image.width, "height": image.height}


def _image_files(user):
    for image in EntryImage.objects.filter(entry__author=user).order_by("id"):
        if image.image:
            yield _image_name(image), image.image


def _comments(user):
    for comment in EntryComment.objects.filter(author=user).order_by("id"):
        yield {"entry_id": comment.entry_id, "text": comment.text, "status": comment.status,
               "created_at": comment.created_at}


def _erase_comments(user, keep_content):
    comments = EntryComment.objects.filter(author=user)
    if keep_content:
        comments = comments.exclude(status=Entry.Status.PUBLISHED)
    return sum(services.entry_comment_erase(comment_id=pk) for pk in list(comments.values_list("pk", flat=True)))


def _entry_votes(user):
    for vote in EntryVote.objects.filter(user=user).select_related("challenge").order_by("id"):
        yield {"challenge": vote.challenge.title, "entry_id": vote.entry_id, "counted": vote.valid,
               "created_at": vote.created_at}


def _poll_votes(user):
    for vote in PollVote.objects.filter(user=user).select_related("challenge", "option").order_by("id"):
        yield {"challenge": vote.challenge.title, "option": vote.option.label, "counted": vote.valid,
               "created_at": vote.created_at}


def _participation(user):
    for row in ChallengeParticipant.objects.filter(user=user).select_related("challenge").order_by("id"):
        yield {"challenge": row.challenge.title, "since": row.created_at}


def _challenge_events(user):
    for event in ChallengeEvent.objects.filter(actor=user).select_related("challenge").order_by("id"):
        yield {"challenge": event.challenge.title, "action": event.action, "old_state": event.old_state,
               "new_state": event.new_state, "created_at": event.created_at}


def _keep(user, keep_content):
    """A vote, a participation or a staff action holds only the account's key once the account
    is anonymised; challenge results and counts depend on them."""
    return 0


def register():
    for entry in [
        PersonalData("cocreation.Entry", "challenge_entries.json", gettext_noop(
            "Your challenge entries: challenge, text, status, votes, win and adoption."), _entries, _erase_entries,
            order=20),
        PersonalData("cocreation.EntryImage", "challenge_entry_images.json", gettext_noop(
            "The images in your entries; the files are in the entry_images folder."), _images, _keep, order=21,
            files=_image_files),
        PersonalData("cocreation.EntryComment", "comments.json", gettext_noop(
            "Your comments on challenge entries."), _comments, _erase_comments, order=20),
        PersonalData("cocreation.EntryVote", "challenge_votes.json", gettext_noop(
            "The votes you gave to challenge entries."), _entry_votes, _keep),
        PersonalData("cocreation.PollVote", "poll_votes.json", gettext_noop(
            "The options you voted for in polls."), _poll_votes, _keep),
        PersonalData("cocreation.ChallengeParticipant", "challenges_joined.json", gettext_noop(
            "The challenges you took part in."), _participation, _keep),
        PersonalData("cocreation.ChallengeEvent", "challenge_actions.json", gettext_noop(
            "Challenge changes you made as brand staff."), _challenge_events, _keep),
    ]:
        personal_data_register(entry)
    no_personal_data_register("cocreation.Challenge", "brief, rules and prizes written by brands")
    no_personal_data_register("cocreation.PollOption", "poll options written by brands")
