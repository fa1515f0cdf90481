from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
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
from core.admin import ReadOnlyAdminMixin


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
    list_display = ("email", "display_name", "is_staff", "date_joined")
    search_fields = ("email", "display_name")
    ordering = ("-date_joined",)
    fieldsets = BaseUserAdmin.fieldsets + ((_("Profile"), {"fields": ("display_name", "avatar", "timezone")}),)


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
