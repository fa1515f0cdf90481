"""Brand admin for challenges and entries, scoped to the staff member's brands
(BrandScopedAdmin: querysets, foreign-key and product choices, object permissions).

The challenge form is laid out by kind: sections that only mean something for entry
challenges (entries and rewards, the prize draw) or for polls (the options inline) carry
``kind-for`` classes; the server hides the ones that do not fit the current kind and
static/js/admin_challenge.js switches them live when the kind select changes. A draft's
submit row has "Save and publish" (the publish service, its refusals shown as messages)
and "Preview" (the public page, which shows a draft to its brand's staff only).

Actions call the challenge services: publish, duplicate as template, pick winners,
mark adopted (with a note typed in the action bar), export entries as CSV. A poll's
options are edited inline on its challenge; their images go through image_clean like the cover.
"""
import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from community.admin import BrandScopedAdmin, brand_ids_for
from community.cocreation import services
from community.cocreation.models import (
    Challenge,
    ChallengeEvent,
    Entry,
    PollOption,
    PollVote,
)
from community.images import image_clean
from community.models import Product
from core.admin import ReadOnlyAdminMixin
from core.errors import ServiceError


def _clean_upload(upload, field):
    """A new upload goes through the safe image pipeline (type, size, pixels; re-encoded)."""
    if upload and hasattr(upload, "content_type"):
        try:
            content, _w, _h = image_clean(upload, field=field)
        except ServiceError as exc:
            raise forms.ValidationError(str(exc.message)) from None
        return content
    return upload


class ChallengeForm(forms.ModelForm):
    class Meta:
        model = Challenge
        fields = "__all__"
        # A list of check boxes: fits a tablet, and every word on it is translated (the
        # two-box selector's help line is not, in Django's Chinese catalogue).
        widgets = {"products": forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        products = self.fields.get("products")
        if products is not None and self.instance.brand_id:
            products.queryset = products.queryset.filter(brand_id=self.instance.brand_id)

    def clean_cover(self):
        return _clean_upload(self.cleaned_data.get("cover"), "cover")

    def clean(self):
        data = super().clean()
        brand, products = data.get("brand"), data.get("products")
        if brand is not None and products is not None and any(p.brand_id != brand.pk for p in products):
            self.add_error("products", _("Choose products of the challenge's brand."))
        times = [data.get(k) for k in ("opens_at", "entries_close_at", "voting_close_at", "closes_at")]
        if all(times) and times != sorted(times):
            raise forms.ValidationError(_("The schedule must run: entries open ≤ entries close ≤ voting closes ≤ results."))
        return data


class ChallengeEventInline(admin.TabularInline):
    model = ChallengeEvent
    extra = 0
    can_delete = False
    classes = ("collapse", "wide-table")
    fields = ("created_at", "action", "old_state", "new_state", "actor", "data")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class PollOptionForm(forms.ModelForm):
    class Meta:
        model = PollOption
        fields = ("position", "label_zh", "label_en", "description_zh", "description_en", "image")
        widgets = {
            "description_zh": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "description_en": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }

    def clean_image(self):
        return _clean_upload(self.cleaned_data.get("image"), "image")


class PollOptionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        doomed = [f.instance.pk for f in self.deleted_forms if f.instance.pk]
        if doomed and PollVote.objects.filter(option_id__in=doomed).exists():
            # Deleting would drop the votes without reversing their points.
            raise forms.ValidationError(_("An option that has votes cannot be deleted."))


class PollOptionInline(admin.StackedInline):
    """A poll's options with their images, one card each (a table of six columns would not fit
    a tablet). Only reachable through a challenge the staff member may see (ChallengeAdmin is
    brand-scoped); the queryset is scoped again here."""

    model = PollOption
    form = PollOptionForm
    formset = PollOptionFormSet
    extra = 1
    readonly_fields = ("vote_count",)
    fields = ("position", ("label_zh", "label_en"), ("description_zh", "description_en"), "image", "vote_count")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = brand_ids_for(request.user)
        return qs if ids is None else qs.filter(challenge__brand__in=ids)


ENTRY_KINDS = tuple(k for k in Challenge.Kind.values if k != Challenge.Kind.POLL)


def _section(title, fields, *, kinds=None, current=None, description=None):
    """A fieldset; with ``kinds``, it belongs to those challenge kinds only (hidden for others)."""
    classes = []
    if kinds is not None:
        classes += ["kind-for", *(f"kind-{k}" for k in kinds)]
        if current not in kinds:
            classes.append("kind-hidden")
    options = {"fields": fields, "classes": classes}
    if description:
        options["description"] = description
    return (title, options)


@admin.register(Challenge)
class ChallengeAdmin(BrandScopedAdmin):
    form = ChallengeForm
    list_display = ("title_zh", "brand", "kind", "state", "opens_at", "closes_at", "entry_count", "vote_count")
    list_filter = ("state", "kind")
    list_select_related = ("brand",)
    search_fields = ("title_zh", "title_en", "hashtag")
    inlines = [PollOptionInline, ChallengeEventInline]
    actions = ["publish", "duplicate", "pick_winners", "export_entries_csv"]

    class Media:
        js = ("js/admin_challenge.js",)  # its styles are in css/admin.css (templates/admin/base_site.html)

    @staticmethod
    def _editable_kind(obj):
        return obj is None or obj.state == Challenge.State.DRAFT

    def _kind(self, request, obj):
        """The kind the form is laid out for: the posted or requested one while the kind can
        still change (a new challenge or a draft), else the challenge's own."""
        if not self._editable_kind(obj):
            return obj.kind
        data = request.POST if request.method == "POST" else request.GET
        fallback = obj.kind if obj is not None else Challenge.Kind.IDEA
        kind = data.get("kind", fallback)
        return kind if kind in Challenge.Kind.values else fallback

    def get_readonly_fields(self, request, obj=None):
        fields = ["state", "entry_count", "vote_count", "draw_seed_hash", "draw_revealed_at", "draw_winner_ids"]
        if not self._editable_kind(obj):
            fields.insert(0, "kind")  # a published challenge's page, votes and entries depend on it
        return fields

    def get_fieldsets(self, request, obj=None):
        kind = self._kind(request, obj)
        sections = [
            _section(None, ["brand", "kind", ("title_zh", "title_en"), "brief_zh", "brief_en", "cover", "products",
                            "hashtag", "rules_zh", "rules_en"]),
            _section(_("Schedule"), [("opens_at", "entries_close_at"), ("voting_close_at", "closes_at"),
                                     "allow_overlap"],
                     description=_("A poll takes votes from the time entries close (or from the start, with "
                                   "“vote while entries are open”) until voting closes.")),
            _section(_("Entries and rewards"), ["entries_per_user", "participation_points", "winner_points",
                                                "winner_badge_slug", "adopted_points"], kinds=ENTRY_KINDS,
                     current=kind),
            _section(_("Voting"), ["votes_per_user", "min_account_age_days_to_vote"]),
            _section(_("Prize draw"), ["prize_description_zh", "prize_description_en", "prize_draw", "prize_draw_winners", "prize_odds"],
                     kinds=ENTRY_KINDS, current=kind),
        ]
        if obj is not None:
            sections.append(_section(_("Status"), ["state", "entry_count", "vote_count", "draw_seed_hash",
                                                   "draw_revealed_at", "draw_winner_ids"]))
        return sections

    def get_inline_instances(self, request, obj=None):
        """The poll options are on the page of a poll, and (hidden, for the kind select to show)
        on a form whose kind can still become a poll; a post keeps them only for a poll. The
        history is on saved challenges."""
        kind = self._kind(request, obj)
        instances = []
        for inline in super().get_inline_instances(request, obj):
            if isinstance(inline, PollOptionInline):
                if kind != Challenge.Kind.POLL and (request.method == "POST" or not self._editable_kind(obj)):
                    continue
                inline.classes = ["kind-for", f"kind-{Challenge.Kind.POLL}"]
                if kind != Challenge.Kind.POLL:
                    inline.classes.append("kind-hidden")
            elif isinstance(inline, ChallengeEventInline) and obj is None:
                continue
            instances.append(inline)
        return instances

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        ids = brand_ids_for(request.user)
        if ids is not None and db_field.related_model is Product:
            kwargs["queryset"] = Product.objects.filter(brand__in=ids)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        draft = obj is None or obj.state == Challenge.State.DRAFT
        context["can_publish"] = draft and self.has_change_permission(request, obj)
        context["preview_url"] = (
            reverse("community:challenge_detail", args=[obj.pk]) if obj is not None and obj.pk else None
        )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def response_add(self, request, obj, post_url_continue=None):
        if "_publish" in request.POST:
            return self._publish_from_form(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_publish" in request.POST:
            return self._publish_from_form(request, obj)
        return super().response_change(request, obj)

    def _publish_from_form(self, request, obj):
        """The form is saved; publish it through the same service as the list action. A refusal
        is an error message on the draft's page, which stays a draft."""
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        try:
            challenge = services.challenge_publish(challenge_id=obj.pk, actor=request.user)
        except ServiceError as exc:
            self.message_user(request, _("“%(challenge)s” was saved as a draft but not published: %(error)s") % {
                "challenge": obj, "error": exc.message}, messages.ERROR)
        else:
            self.message_user(request, _("“%(challenge)s” was saved and published; it is now: %(state)s.") % {
                "challenge": challenge, "state": challenge.get_state_display()}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:cocreation_challenge_change", args=[obj.pk]))

    @admin.action(description=gettext_lazy("Publish (the schedule then opens and closes it)"))
    def publish(self, request, queryset):
        published = 0
        for challenge in queryset:
            if challenge.state != Challenge.State.DRAFT:
                self.message_user(request, _("%(challenge)s is already published.") % {"challenge": challenge},
                                  messages.WARNING)
                continue
            try:
                services.challenge_publish(challenge_id=challenge.pk, actor=request.user)
            except ServiceError as exc:
                self.message_user(request, f"{challenge}: {exc.message}", messages.ERROR)
            else:
                published += 1
        if published:
            self.message_user(request, ngettext("%(n)d challenge published.", "%(n)d challenges published.",
                                                published) % {"n": published}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Duplicate as a draft template"))
    def duplicate(self, request, queryset):
        copied = 0
        for challenge in queryset:
            try:
                copy = services.challenge_duplicate(challenge_id=challenge.pk, actor=request.user)
            except ServiceError as exc:
                self.message_user(request, f"{challenge}: {exc.message}", messages.ERROR)
                continue
            copied += 1
            self.message_user(request, _("“%(source)s” copied as the draft “%(copy)s”.") % {
                "source": challenge, "copy": copy}, messages.SUCCESS)
        if not copied:
            # The selection is filtered to the brand's own challenges: nothing left means nothing to copy.
            self.message_user(request, _("Nothing was copied: none of the selected challenges is yours to copy."),
                              messages.WARNING)

    @admin.action(description=gettext_lazy("Pick winners (shows entries by valid votes and quality)"))
    def pick_winners(self, request, queryset):
        challenge = queryset.first()
        url = reverse("admin:cocreation_entry_changelist")
        return HttpResponseRedirect(f"{url}?challenge__id__exact={challenge.pk}&status__exact=published&o=-5")

    @admin.action(description=gettext_lazy("Export entries as CSV"))
    def export_entries_csv(self, request, queryset):
        return _entries_csv(Entry.objects.filter(challenge__in=queryset))


def _entries_csv(entries):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="entries.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 Chinese text correctly with a BOM
    writer = csv.writer(response)
    writer.writerow(["id", "challenge", "author", "status", "valid_votes", "quality", "winner", "adopted", "created_at", "text"])
    for e in entries.select_related("challenge", "author").order_by("challenge_id", "-vote_count", "id"):
        writer.writerow([
            e.pk, e.challenge_id, e.author.public_name, e.status, e.vote_count,
            "" if e.quality_score is None else e.quality_score, int(e.is_winner), e.adopted_note,
            e.created_at.isoformat(), e.text,
        ])
    return response


class EntryActionForm(ActionForm):
    note = forms.CharField(label=gettext_lazy("Adoption note"), required=False, max_length=300)


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdminMixin, BrandScopedAdmin):
    """Read-only: entries change through moderation and the actions here (services)."""

    brand_path = "challenge__brand"
    action_form = EntryActionForm
    list_display = ("id", "challenge", "author", "status", "vote_count", "quality_score", "is_winner", "adopted_at")
    list_filter = ("status", "is_winner", ("challenge", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("challenge", "author")
    search_fields = ("text",)
    ordering = ("-vote_count", "-id")
    actions = ["mark_winners", "mark_adopted", "export_csv"]


    @admin.action(description=gettext_lazy("Pick the selected entries as winners"), permissions=["view"])
    def mark_winners(self, request, queryset):
        by_challenge = {}
        for entry in queryset:
            by_challenge.setdefault(entry.challenge_id, []).append(entry.pk)
        for challenge_id, ids in by_challenge.items():
            try:
                won = services.challenge_pick_winners(challenge_id=challenge_id, entry_ids=ids, actor=request.user)
            except ServiceError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
                continue
            self.message_user(request, _("%(n)d winners picked.") % {"n": len(won)}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Mark adopted (type the note above)"), permissions=["view"])
    def mark_adopted(self, request, queryset):
        note = request.POST.get("note", "")
        adopted = 0
        for entry in queryset:
            try:
                services.entry_adopt(entry_id=entry.pk, note=note, actor=request.user)
            except ServiceError as exc:
                self.message_user(request, f"#{entry.pk}: {exc.message}", messages.ERROR)
            else:
                adopted += 1
        if adopted:
            self.message_user(request, ngettext("%(n)d entry marked adopted.", "%(n)d entries marked adopted.",
                                                adopted) % {"n": adopted}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Export as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return _entries_csv(queryset)
