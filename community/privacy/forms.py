from django import forms
from django.utils.translation import gettext_lazy as _

from community.privacy.models import StaffAccessRecord


class RevealForm(forms.Form):
    """Staff say why before a hidden personal detail is shown; the reason goes into the access log."""

    reason = forms.ChoiceField(
        label=_("Why do you need to see it?"),
        choices=[("", "---------"), *StaffAccessRecord.Reason.choices],
        help_text=_("The person sees that staff looked at this, when, and why."),
    )
