from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import RejectReason, Report

DECISIONS = [("approve", _("Approve")), ("reject", _("Reject"))]
BULK_MAX = 200


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=DECISIONS)
    reason = forms.ChoiceField(choices=[("", "—")] + list(RejectReason.choices), required=False,
                               label=_("Reason (to reject)"))
    note = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                           label=_("Note to the author (optional)"))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason"):
            self.add_error("reason", _("Choose a reason for the rejection."))
        return data


class IdListField(forms.Field):
    """Ids from repeated checkboxes (ids=1&ids=2) or one comma-separated value (ids=1,2)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": _("Select items from the queue."),
        "count": _("Select between 1 and %(max)d items."),
    }

    def to_python(self, value):
        values = value if isinstance(value, (list, tuple)) else [value or ""]
        try:
            ids = [int(x) for v in values for x in str(v).replace(",", " ").split()]
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        ids = list(dict.fromkeys(i for i in ids if i > 0))
        if not ids or len(ids) > BULK_MAX:
            raise forms.ValidationError(self.error_messages["count"], code="count", params={"max": BULK_MAX})
        return ids


class BulkForm(forms.Form):
    ids = IdListField()
    decision = forms.ChoiceField(choices=DECISIONS)
    reason = forms.ChoiceField(choices=[("", "—")] + list(RejectReason.choices), required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason"):
            self.add_error("reason", _("Choose a reason for the rejection."))
        return data


class ReportForm(forms.Form):
    content_type = forms.CharField(max_length=30)
    object_id = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = forms.ChoiceField(choices=Report.Reason.choices, label=_("Reason"))
    message = forms.CharField(required=False, max_length=500, label=_("Details (optional)"))
    next = forms.CharField(required=False, max_length=300)


class AppealForm(forms.Form):
    message = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                              label=_("Why should the decision change?"))
