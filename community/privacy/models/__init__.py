"""Privacy tables, one module per concern (export and deletion, consent, staff access)."""
from community.privacy.models.access import LoginEvent, StaffAccessRecord
from community.privacy.models.consent import ConsentRecord, PolicyVersion
from community.privacy.models.exports import DataExport, DeletionRequest

__all__ = ["ConsentRecord", "DataExport", "DeletionRequest", "LoginEvent", "PolicyVersion", "StaffAccessRecord"]
