from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import RejectReason, Report


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.ChoiceField(choices=[("", "—")] + list(RejectReason.choices), required=False)
    note = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                           label=_("Note to the author (optional)"))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason"):
            self.add_error("reason", _("Choose a reason for the rejection."))
        return data


class BulkForm(forms.Form):
    ids = forms.CharField()
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.ChoiceField(choices=[("", "—")] + list(RejectReason.choices), required=False)

    def clean_ids(self):
        try:
            ids = [int(x) for x in self.cleaned_data["ids"].replace(",", " ").split()]
        except ValueError:
            raise forms.ValidationError(_("Select items from the queue.")) from None
        if not ids or len(ids) > 200:
            raise forms.ValidationError(_("Select between 1 and 200 items."))
        return ids


class ReportForm(forms.Form):
    content_type = forms.CharField(max_length=30)
    object_id = forms.IntegerField(min_value=1)
    reason = forms.ChoiceField(choices=Report.Reason.choices, label=_("Reason"))
    message = forms.CharField(required=False, max_length=500, label=_("Details (optional)"))
    next = forms.CharField(required=False, max_length=300)


class AppealForm(forms.Form):
    message = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                              label=_("Why should the decision change?"))
