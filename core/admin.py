from django.contrib import admin

"""Admin bases every app shares."""


class ReadOnlyAdminMixin:
    """Rows that only services write (audit logs, ledgers, votes): the admin may look, never edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyModelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass
