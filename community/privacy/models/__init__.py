"""Privacy tables, one module per concern (export and deletion, consent, staff access)."""
from community.privacy.models.exports import DataExport, DeletionRequest

__all__ = ["DataExport", "DeletionRequest"]
