from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from community.models import (
    AspectTag,
    Brand,
    BrandMembership,
    Category,
    HelpfulVote,
    Product,
    ProductImage,
    Review,
    ReviewPhoto,
    User,
)
from community.privacy import selectors as privacy_selectors
from community.privacy import services as privacy_services
from community.privacy.forms import RevealForm
from community.privacy.models import StaffAccessRecord
from community.reviewversions import review_list_changed
from core.admin import ReadOnlyAdminMixin
from core.errors import ServiceError


def brand_ids_for(user):
    """The brands a staff user may manage; None means every brand (superusers). Read once per
    user object (a request's user): an admin page asks for it from every model admin."""
    if user.is_superuser:
        return None
    if not hasattr(user, "_admin_brand_ids"):
        user._admin_brand_ids = list(user.brand_memberships.values_list("brand_id", flat=True))
    return user._admin_brand_ids


class BrandScopedAdmin(admin.ModelAdmin):
    """Limits querysets, foreign-key choices and object permissions to the user's brands.

    ``brand_path`` is the lookup from the model to its Brand. The scope lives in
    the queryset, so another brand's object is a 404 by URL, and a forged
    foreign key fails form validation because it is not among the choices.
    """

    brand_path = "brand"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = brand_ids_for(request.user)
        return qs if ids is None else qs.filter(**{f"{self.brand_path}__in": ids})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        ids = brand_ids_for(request.user)
        if ids is not None:
            if db_field.related_model is Brand:
                kwargs["queryset"] = Brand.objects.filter(pk__in=ids)
            elif db_field.related_model is Product:
                kwargs["queryset"] = Product.objects.filter(brand__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        """A staff member of exactly one brand finds it chosen on the add form."""
        initial = super().get_changeform_initial_data(request)
        if self.brand_path == "brand" and "brand" not in initial:
            ids = brand_ids_for(request.user)
            if ids is not None and len(ids) == 1:
                initial["brand"] = ids[0]
        return initial

    def get_search_fields(self, request):
        # Searching by e-mail would let brand staff probe whether an address has an account.
        fields = super().get_search_fields(request)
        if request.user.is_superuser:
            return fields
        return tuple(f for f in fields if "email" not in f)

    def _in_scope(self, request, obj):
        if obj is None:
            return True
        ids = brand_ids_for(request.user)
        if ids is None:
            return True
        brand_id = obj
        for part in self.brand_path.split("__"):
            brand_id = getattr(brand_id, part)
        return brand_id.pk in ids

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Staff who are not superusers see e-mail addresses masked, cannot search by them, and
    reveal one only by giving a reason, which writes a staff-access record."""

    list_display = ("email", "display_name", "is_staff", "date_joined")
    search_fields = ("email", "display_name")
    ordering = ("-date_joined",)
    fieldsets = BaseUserAdmin.fieldsets + ((_("Profile"), {"fields": ("display_name", "avatar", "timezone")}),)

    def get_list_display(self, request):
        if request.user.is_superuser:
            return self.list_display
        return ("masked_email", "display_name", "is_staff", "date_joined")

    def get_search_fields(self, request):
        return self.search_fields if request.user.is_superuser else ("display_name",)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        hidden = {"username": None, "email": "masked_email"}  # the username is the e-mail address
        return [
            (name, {**opts, "fields": [hidden.get(f, f) for f in opts["fields"] if hidden.get(f, f)]})
            for name, opts in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else (*fields, "masked_email")

    @admin.display(description=_("email address"))
    def masked_email(self, obj):
        url = reverse("admin:community_user_email", args=[obj.pk])
        return format_html('{} <a href="{}">{}</a>', privacy_selectors.email_masked(obj.email), url, gettext("reveal"))

    def get_urls(self):
        view = self.admin_site.admin_view(self.email_view)
        return [path("<int:object_id>/email/", view, name="community_user_email"), *super().get_urls()]

    def email_view(self, request, object_id):
        """Give a reason, the access is recorded, then the address is shown."""
        user = self.get_object(request, str(object_id))
        if user is None:
            raise Http404(gettext("No such user."))
        if not self.has_view_permission(request, user):
            raise PermissionDenied
        form, revealed = RevealForm(request.POST or None), None
        if request.method == "POST" and form.is_valid():
            try:
                privacy_services.staff_access_record(
                    actor=request.user, subject_id=user.pk, field=StaffAccessRecord.Field.EMAIL,
                    reason=form.cleaned_data["reason"], object_ref=f"community.user:{user.pk}",
                )
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                revealed = [(gettext("email address"), user.email)]
        return TemplateResponse(request, "privacy/admin_reveal.html", {
            **self.admin_site.each_context(request), "title": gettext("E-mail address"), "form": form,
            "revealed": revealed, "back_url": reverse("admin:community_user_change", args=[user.pk]),
            "back_label": str(user), "explanation": gettext("E-mail addresses are hidden from staff."),
        })


class AspectTagInline(admin.TabularInline):
    model = AspectTag
    extra = 1


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_zh", "name_en")
    prepopulated_fields = {"slug": ("name_en",)}
    inlines = [AspectTagInline]


@admin.register(Brand)
class BrandAdmin(BrandScopedAdmin):
    brand_path = "pk"
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def _in_scope(self, request, obj):
        ids = brand_ids_for(request.user)
        return obj is None or ids is None or obj.pk in ids

    def has_add_permission(self, request):
        return request.user.is_superuser


@admin.register(BrandMembership)
class BrandMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "brand", "created_at")
    autocomplete_fields = ("user",)

    def has_module_permission(self, request):
        return request.user.is_superuser


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0


@admin.register(Product)
class ProductAdmin(BrandScopedAdmin):
    list_display = ("name_zh", "name_en", "brand", "category", "rating_count", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("name_zh", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    readonly_fields = ("rating_count", "rating_sum", "rating_histogram", "tag_counts", "photo_review_count",
                       "content_review_count")
    list_select_related = ("brand", "category")
    inlines = [ProductImageInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A product taken off (or renamed) leaves its stored review list answers at once.
        review_list_changed(obj.pk)


class ReviewPhotoInline(admin.TabularInline):
    model = ReviewPhoto
    extra = 0
    readonly_fields = ("image", "thumbnail", "width", "height")
    can_delete = False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, BrandScopedAdmin):
    """Read-only: reviews change through services (the moderation page), never by hand here."""

    brand_path = "product__brand"
    list_display = ("id", "product", "author", "rating", "status", "helpful_count", "created_at")
    list_filter = ("status", "rating", "incentive")
    list_select_related = ("product", "author")
    search_fields = ("text",)
    inlines = [ReviewPhotoInline]



@admin.register(HelpfulVote)
class HelpfulVoteAdmin(admin.ModelAdmin):
    list_display = ("review", "user", "helpful", "created_at")

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
