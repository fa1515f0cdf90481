"""The growth dashboard's rollup tables (docs/dashboard.md). Every row is a cache: `manage.py
rollups rebuild` recomputes them from the source tables and `rollups run` keeps them fresh."""
from django.db import models
from django.utils.translation import gettext_lazy as _

DAY = 24  # the ``hour`` of a closed day's rows; 0-23 are the hour windows of the open day (today)


class Watermark(models.Model):
    """How far the incremental run has read one source table (its largest id seen)."""

    source = models.CharField(_("source"), max_length=40, unique=True)
    last_id = models.BigIntegerField(_("last id"), default=0)
    ran_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("rollup watermark")
        verbose_name_plural = _("rollup watermarks")

    def __str__(self):
        return f"{self.source}: {self.last_id}"


class DailyCount(models.Model):
    """An additive figure of one site day (Asia/Shanghai) for one brand / category / language
    (0 or "" when the figure has none). Summing rows over any dimension is exact. Today's figures
    are kept per site hour (``hour`` 0-23), a closed day's as one row per key (``hour`` = DAY):
    a day's figure is the sum of its rows either way."""

    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"), default=DAY)
    brand_id = models.IntegerField(_("brand"), default=0)
    category_id = models.IntegerField(_("category"), default=0)
    language = models.CharField(_("language"), max_length=5, blank=True, default="")
    metric = models.CharField(_("metric"), max_length=24)
    value = models.BigIntegerField(_("value"), default=0)

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        constraints = [models.UniqueConstraint(fields=["day", "hour", "brand_id", "category_id", "language", "metric"],
                                               name="dashboard_dailycount_key")]
        indexes = [models.Index(fields=["metric", "day"], name="dashboard_dc_metric_day")]


class DailyUser(models.Model):
    """One user active on one site day, platform-wide (brand_id 0) and per brand acted on: the
    exact per-day user sets that distinct counts over a week or a month union (error 0). Today's
    sets are kept per site hour (``hour`` 0-23, a user active in three hours has three rows); a
    closed day has one row per user (``hour`` = DAY). Distinct counts union them either way."""

    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"), default=DAY)
    daynum = models.IntegerField(_("day number"))  # days since 1970-01-01, for cohort arithmetic in SQL
    brand_id = models.IntegerField(_("brand"), default=0)
    user_id = models.BigIntegerField(_("user"))
    joined = models.IntegerField(_("joined (day number)"))
    actions = models.PositiveIntegerField(_("actions"), default=0)
    deep = models.PositiveIntegerField(_("deep actions"), default=0)
    contributions = models.PositiveIntegerField(_("contributions"), default=0)

    class Meta:
        verbose_name = _("daily active user")
        verbose_name_plural = _("daily active users")
        constraints = [models.UniqueConstraint(fields=["brand_id", "day", "user_id", "hour"],
                                               name="dashboard_dailyuser_key")]
        indexes = [models.Index(fields=["day", "hour"], name="dashboard_du_day_hour")]  # a window's delete


class DailyChallenge(models.Model):
    """One challenge's figures of one site day that carry no user: page views (one per visitor)
    and ideas adopted. The co-creation funnel's first and last steps."""

    day = models.DateField(_("day"))
    challenge_id = models.IntegerField(_("challenge"))
    brand_id = models.IntegerField(_("brand"), default=0)
    views = models.PositiveIntegerField(_("views"), default=0)
    adopted = models.PositiveIntegerField(_("adopted ideas"), default=0)

    class Meta:
        verbose_name = _("daily challenge figure")
        verbose_name_plural = _("daily challenge figures")
        constraints = [models.UniqueConstraint(fields=["day", "challenge_id"], name="dashboard_dailychallenge_key")]


class DailyChallengeUser(models.Model):
    """One user's entries and votes (entry and poll votes) in one challenge on one site day: the
    per-day sets that exact distinct entrants and voters over a period union (error 0)."""

    day = models.DateField(_("day"))
    challenge_id = models.IntegerField(_("challenge"))
    brand_id = models.IntegerField(_("brand"), default=0)
    user_id = models.BigIntegerField(_("user"))
    entries = models.PositiveIntegerField(_("entries"), default=0)
    votes = models.PositiveIntegerField(_("votes"), default=0)

    class Meta:
        verbose_name = _("daily challenge participant")
        verbose_name_plural = _("daily challenge participants")
        constraints = [models.UniqueConstraint(fields=["day", "challenge_id", "user_id"],
                                               name="dashboard_dailychallengeuser_key")]


class FirstBadge(models.Model):
    """The site day of a user's first badge (gamification's UserBadge), for the creation-frequency
    comparison before and after it."""

    user_id = models.BigIntegerField(_("user"), unique=True)
    day = models.DateField(_("day"), db_index=True)
    daynum = models.IntegerField(_("day number"))  # days since 1970-01-01, as DailyUser.daynum

    class Meta:
        verbose_name = _("first badge")
        verbose_name_plural = _("first badges")


class KpiLine(models.Model):
    """The target and the yellow / red lines of one KPI, editable in the admin."""

    kpi = models.CharField(_("KPI"), max_length=32, unique=True)
    target = models.FloatField(_("target"))
    yellow = models.FloatField(_("yellow line"))
    red = models.FloatField(_("red line"))
    higher_is_better = models.BooleanField(_("higher is better"), default=False)

    class Meta:
        verbose_name = _("KPI line")
        verbose_name_plural = _("KPI lines")
        permissions = [("view_dashboard", _("Can view the growth dashboard"))]

    def __str__(self):
        return self.kpi
