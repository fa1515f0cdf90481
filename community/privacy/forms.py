from django import forms
from django.utils.translation import gettext_lazy as _

from community.forms import ServiceErrorFormMixin


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
