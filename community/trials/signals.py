"""Domain events the trials app sends after commit (``sender=None``, keyword ids only)."""
from django.dispatch import Signal

# application_id, user_id, review_id, on_time: a tester's review was recorded as their trial report
trial_report_recorded = Signal()
