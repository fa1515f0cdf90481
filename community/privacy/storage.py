"""Where export ZIPs live: a private folder outside MEDIA_ROOT (never served by the web
server or ``static()``), read only through the owner's download view."""
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class ExportStorage(FileSystemStorage):
    # Read from settings on every use, so a deployment (or a test) can move it.
    @property
    def base_location(self):
        return str(settings.PRIVACY_EXPORT_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("export files have no public URL; use the owner's download view")


_storage = ExportStorage()


def export_storage():
    return _storage
