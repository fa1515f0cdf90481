"""Bursts: an author submitting many items in a short time (bots, paid posting).

Counts the author's moderation ``Case`` rows (one per piece of content, created at
submission, so the item being screened counts too) over the last 10 minutes and
the last hour, in one query on the ``case_author_idx`` index. Thresholds are
module constants, overridable from Django settings:

    MODERATION_BURST_10MIN = 5     # flag at this many in 10 minutes
    MODERATION_BURST_HOUR = 20     # hold at this many in an hour
    MODERATION_BURST_10MIN_HOLD = 10   # hold at this many in 10 minutes
"""
import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from moderation.detectors.base import FLAG, HOLD, Detector, DetectorResult, ScreenInput

BURST_10MIN = 5
BURST_10MIN_HOLD = 10
BURST_HOUR = 20
FLAG_SCORE, HOLD_SCORE = 0.4, 0.7


def _setting(name, default):
    return int(getattr(settings, f"MODERATION_{name}", default))


class VelocityDetector(Detector):
    name = "velocity"

    def run(self, inp: ScreenInput) -> DetectorResult:
        from moderation.models import Case

        if inp.author_id is None:
            return DetectorResult(name=self.name)
        now = timezone.now()
        ten_min_ago = now - datetime.timedelta(minutes=10)
        hour_ago = now - datetime.timedelta(hours=1)
        # Written out: the ORM spent ~6x this statement's CPU building the aggregate, once per
        # screened item (docs/benchmarks.md, "Screening end to end").
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), COUNT(*) FILTER (WHERE created_at >= %s) FROM {Case._meta.db_table} "
                "WHERE author_id = %s AND created_at >= %s",
                [adapt(ten_min_ago), inp.author_id, adapt(hour_ago)],  # as the ORM passes them (naive UTC on SQLite)
            )
            hour, ten = cursor.fetchone()
        ten, hour = ten or 0, hour or 0
        data = {"last_10min": ten, "last_hour": hour}
        if ten >= _setting("BURST_10MIN_HOLD", BURST_10MIN_HOLD) or hour >= _setting("BURST_HOUR", BURST_HOUR):
            return DetectorResult(name=self.name, labels=["burst"], score=HOLD_SCORE, action=HOLD, data=data)
        if ten >= _setting("BURST_10MIN", BURST_10MIN):
            return DetectorResult(name=self.name, labels=["burst"], score=FLAG_SCORE, action=FLAG, data=data)
        return DetectorResult(name=self.name, data=data)
