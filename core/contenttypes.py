"""Moving models between apps without losing who may do what (used by migrations)."""


def content_types_move(apps, *, from_app, to_app, models):
    """Point the content types of ``models`` (lower-case model names) from ``from_app`` at
    ``to_app``, keeping their ids, so permissions granted on them and admin log entries
    follow the models. When ``to_app``'s content type already exists too (a partial
    ``migrate`` ran ``post_migrate`` before the move), the grants and log entries move to it
    and the old content type is removed."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    for model in models:
        old = ContentType.objects.filter(app_label=from_app, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=to_app, model=model).first()
        if new is None:
            ContentType.objects.filter(pk=old.pk).update(app_label=to_app)
            continue
        for perm in Permission.objects.filter(content_type=old):
            target = Permission.objects.filter(content_type=new, codename=perm.codename).first()
            if target is None:
                Permission.objects.filter(pk=perm.pk).update(content_type=new)
                continue
            for group in perm.group_set.all():
                group.permissions.add(target)
            for user in perm.user_set.all():
                user.user_permissions.add(target)
        LogEntry.objects.filter(content_type=old).update(content_type=new)
        old.delete()
