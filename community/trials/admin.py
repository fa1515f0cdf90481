"""Brand admin for trial programs: scoped to the staff member's brands (BrandScopedAdmin),
with the applications inline, the suggested testers, the funnel, and two actions.

The funnel pages (``funnel/`` for the brand, ``<id>/funnel/`` for one program) count each step
(applications, selected, shipped, reports submitted on time or late), its conversion from the
step before, and list overdue testers by display name. Programs come from the admin's
brand-scoped queryset, so another brand's program is a 404."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.admin import BrandScopedAdmin, brand_ids_for
from community.models import Brand
from community.privacy.forms import RevealForm
from community.trials import selectors, services
from community.trials.models import TrialApplication, TrialProgram
from core.errors import ServiceError


class TrialApplicationInline(admin.TabularInline):
    """Read-only: applications change through the actions (services), never by hand."""

    model = TrialApplication
    extra = 0
    can_delete = False
    fields = ("user", "reason", "status", "selected_at", "shipped_at", "reported_at", "review")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class TrialProgramForm(forms.ModelForm):
    class Meta:
        model = TrialProgram
        fields = "__all__"

    def clean(self):
        data = super().clean()
        brand, product = data.get("brand"), data.get("product")
        if brand and product and product.brand_id != brand.pk:
            self.add_error("product", _("The product must belong to the program's brand."))
        return data


@admin.register(TrialProgram)
class TrialProgramAdmin(BrandScopedAdmin):
    form = TrialProgramForm
    list_display = (
        "title_zh", "product", "state", "samples", "applications_close_at", "report_deadline",
        "funnel_applied", "funnel_selected", "funnel_shipped", "funnel_on_time", "funnel_quality_display",
        "funnel_link",
    )
    list_filter = ("state",)
    list_select_related = ("product", "brand")
    search_fields = ("title_zh", "title_en")
    readonly_fields = ("funnel", "suggested_testers")
    inlines = [TrialApplicationInline]
    actions = ["select_suggested_testers"]
    fieldsets = (
        (None, {"fields": ("brand", "product", "title_zh", "title_en", "description_zh", "description_en", "samples",
                           "state")}),
        (gettext_lazy("Schedule"), {"fields": ("applications_open_at", "applications_close_at", "report_deadline")}),
        (gettext_lazy("Selection"), {"fields": ("selection_criteria_zh", "selection_criteria_en", "suggested_testers")}),
        (gettext_lazy("Funnel"), {"fields": ("funnel",)}),
    )

    def get_queryset(self, request):
        return selectors.trial_list_with_funnel(super().get_queryset(request))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("funnel/", view(self.funnel_view), name="trials_trialprogram_funnel"),
            path("<int:program_id>/funnel/", view(self.funnel_view), name="trials_trialprogram_funnel_program"),
            *super().get_urls(),
        ]

    def funnel_view(self, request, program_id=None):
        """The funnel of one program, or of every program of a brand (``?brand=``; without it,
        of all the brands the user manages). Three queries for the numbers, whatever the size."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        scoped = super().get_queryset(request)  # the brand scope, without the list's annotations
        ids = brand_ids_for(request.user)
        brands = Brand.objects.order_by("name") if ids is None else Brand.objects.filter(pk__in=ids).order_by("name")
        brands = list(brands)
        program = brand = None
        if program_id is not None:
            program = scoped.select_related("brand", "product").filter(pk=program_id).first()
            if program is None:
                raise Http404(_("No such trial program."))
            programs = scoped.filter(pk=program.pk)
        else:
            brand_id = request.GET.get("brand")
            if brand_id:
                brand = next((b for b in brands if str(b.pk) == brand_id), None)
                if brand is None:
                    raise Http404(_("No such brand."))
            elif len(brands) == 1:
                brand = brands[0]
            programs = scoped.filter(brand=brand) if brand is not None else scoped
        rows = list(selectors.trial_funnel_programs(programs))
        title = (_("Trial funnel: %(program)s") % {"program": program} if program is not None
                 else _("Trial funnel: %(brand)s") % {"brand": brand.name} if brand is not None
                 else _("Trial funnel: all brands"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "program": program,
            "brand": brand,
            "brands": brands if program is None and len(brands) > 1 else [],
            "rows": rows,
            "funnel": selectors.trial_funnel_summary(rows),
            "overdue": list(selectors.trial_overdue_testers(programs)),
        }
        return TemplateResponse(request, "admin/trials/trialprogram/funnel.html", context)

    @admin.display(description=gettext_lazy("funnel"))
    def funnel_link(self, obj):
        url = reverse("admin:trials_trialprogram_funnel_program", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Funnel"))

    @admin.display(description=gettext_lazy("applications"), ordering="funnel_applied")
    def funnel_applied(self, obj):
        return obj.funnel_applied

    @admin.display(description=gettext_lazy("selected"))
    def funnel_selected(self, obj):
        return obj.funnel_selected

    @admin.display(description=gettext_lazy("shipped"))
    def funnel_shipped(self, obj):
        return obj.funnel_shipped

    @admin.display(description=gettext_lazy("reported on time"))
    def funnel_on_time(self, obj):
        return obj.funnel_on_time

    @admin.display(description=gettext_lazy("report quality"))
    def funnel_quality_display(self, obj):
        return "—" if obj.funnel_quality is None else f"{obj.funnel_quality:.0f}"

    @admin.display(description=gettext_lazy("funnel"))
    def funnel(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = list(selectors.trial_funnel_programs(TrialProgram.objects.filter(pk=obj.pk)))
        steps = render_to_string("admin/trials/trialprogram/_funnel_steps.html",
                                 {"funnel": selectors.trial_funnel_summary(rows)})
        url = reverse("admin:trials_trialprogram_funnel_program", args=[obj.pk])
        return format_html('{}<a href="{}">{}</a>', steps, url, _("Open the funnel with the overdue testers"))

    @admin.display(description=gettext_lazy("suggested testers"))
    def suggested_testers(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = selectors.trial_suggest_testers(program=obj)
        if not rows:
            return _("No applications are waiting.")
        head = format_html(
            "<tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("Applicant"), _("Level"), _("Review quality"), _("Trial in the last 90 days"), _("Overdue reports"),
            _("Score"),
        )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>Lv{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (i, r["user"].public_name, r["level"], "—" if r["quality"] is None else r["quality"],
                 _("yes") if r["recent_trial"] else _("no"), r["overdue"], r["score"])
                for i, r in enumerate(rows, start=1)
            ),
        )
        return format_html('<table class="trial-suggestions">{}{}</table>', head, body)

    @admin.action(description=gettext_lazy("Select suggested testers (fills the free samples)"), permissions=["change"])
    def select_suggested_testers(self, request, queryset):
        for program in queryset:
            try:
                picked = services.trial_select_suggested(actor=request.user, program=program)
            except ServiceError as error:
                self.message_user(request, f"{program}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(program)s: %(n)d testers selected.") % {"program": program, "n": len(picked)}
                )


@admin.register(TrialApplication)
class TrialApplicationAdmin(BrandScopedAdmin):
    """Applications of the brand's programs; status changes only through the actions."""

    brand_path = "program__brand"
    list_display = ("user", "program", "status", "created_at", "selected_at", "shipped_at", "reported_at", "review")
    list_filter = ("status",)
    list_select_related = ("user", "program", "review")
    search_fields = ("user__email", "reason")
    readonly_fields = (
        "program", "user", "reason", "status", "created_at", "selected_at", "shipped_at", "reported_at",
        "reminded_at", "overdue_at", "review", "shipping_details",
    )
    actions = ["select_testers", "mark_shipped"]

    @admin.display(description=gettext_lazy("shipping details"))
    def shipping_details(self, obj):
        shipping = getattr(obj, "shipping", None) if obj is not None and obj.pk else None
        if shipping is None:
            return _("Not shared.")
        if obj.status not in services.SHIPPING_VISIBLE:
            return _("Shared by the applicant; visible only once they are selected.")
        url = reverse("admin:trials_trialapplication_shipping", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a> <span class="help">{}</span>', url,
                           _("Reveal to ship the sample"), _("Hidden until you give a reason; each reveal is recorded."))

    def get_urls(self):
        view = self.admin_site.admin_view(self.shipping_view)
        return [path("<int:object_id>/shipping/", view, name="trials_trialapplication_shipping"), *super().get_urls()]

    def shipping_view(self, request, object_id):
        """Brand staff give a reason, the access is recorded, then the parcel details are shown."""
        application = self.get_object(request, str(object_id))
        if application is None:
            raise Http404(_("No such application."))
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        form, revealed = RevealForm(request.POST or None), None
        if request.method == "POST" and form.is_valid():
            try:
                shipping = services.trial_shipping_reveal(actor=request.user, application_id=application.pk,
                                                          reason=form.cleaned_data["reason"])
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                revealed = [(_("Name on the parcel"), shipping.recipient_name), (_("Phone"), shipping.phone),
                            (_("Address"), shipping.address)]
        back = reverse("admin:trials_trialapplication_change", args=[application.pk])
        return TemplateResponse(request, "privacy/admin_reveal.html", {
            **self.admin_site.each_context(request), "title": _("Shipping details"), "form": form,
            "revealed": revealed, "back_url": back, "back_label": str(application),
            "explanation": _("The tester agreed to share these with your brand to ship the sample."),
        })

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Select these applicants as testers"), permissions=["change"])
    def select_testers(self, request, queryset):
        by_program = {}
        for app in queryset.select_related("program"):
            by_program.setdefault(app.program, []).append(app.pk)
        for program, ids in by_program.items():
            try:
                picked = services.trial_select(actor=request.user, program=program, application_ids=ids,
                                               close_selection=False)
            except ServiceError as error:
                self.message_user(request, f"{program}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(program)s: %(n)d testers selected.") % {"program": program, "n": len(picked)}
                )

    @admin.action(description=gettext_lazy("Mark samples shipped"), permissions=["change"])
    def mark_shipped(self, request, queryset):
        try:
            n = services.trial_mark_shipped(actor=request.user, application_ids=queryset.values_list("pk", flat=True))
        except ServiceError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("%(n)d samples marked shipped.") % {"n": n})
