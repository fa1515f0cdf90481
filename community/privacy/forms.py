from django import forms
from django.utils.translation import gettext_lazy as _

from community.forms import ServiceErrorFormMixin
from community.privacy.models import StaffAccessRecord


class RevealForm(forms.Form):
    """Staff say why before a hidden personal detail is shown; the reason goes into the access log."""

    reason = forms.ChoiceField(
        label=_("Why do you need to see it?"),
        choices=[("", "---------"), *StaffAccessRecord.Reason.choices],
        help_text=_("The person sees that staff looked at this, when, and why."),
    )


class DeletionForm(ServiceErrorFormMixin, forms.Form):
    KEEP, REMOVE = "keep", "remove"

    content = forms.ChoiceField(
        label=_("My reviews, entries and comments"),
        choices=[
            (KEEP, _("Keep them, anonymised as “deleted user” (their helpfulness stays useful to other shoppers)")),
            (REMOVE, _("Remove them")),
        ],
        initial=KEEP,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Your password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    @property
    def keep_content(self):
        return self.cleaned_data["content"] == self.KEEP
