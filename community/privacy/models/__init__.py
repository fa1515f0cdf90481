"""Privacy tables, one module per concern (export and deletion, consent, staff access)."""
from community.privacy.models.access import LoginEvent, StaffAccessRecord
from community.privacy.models.consent import ConsentRecord, PolicyVersion

__all__ = ["ConsentRecord", "LoginEvent", "PolicyVersion", "StaffAccessRecord"]
