"""Forms for the server-rendered pages: they parse input; the services decide.

Validation that needs the database (tags of the right category, image checks,
photo limits) lives in the services, whose ``ServiceError.fields`` are added
back onto these forms so the message shows next to the field.
"""
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from community.services import display_name_clean, user_profile_update
from core.errors import ServiceError

COMMON_TIMEZONES = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Bangkok",
    "Asia/Dubai",
    "Australia/Sydney",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Vancouver",
    "UTC",
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Accepts several files under one name; each one is checked later by the image pipeline."""

    def __init__(self, *args, max_files=None, **kwargs):
        self.max_files = max_files
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp,image/gif", "multiple": True}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if self.max_files is not None and len(files) > self.max_files:
            raise forms.ValidationError(
                _("Choose at most %(n)d photos.") % {"n": self.max_files}, code="too_many_photos"
            )
        # Empty-file and format checks are the image pipeline's job (community/images.py).
        return files


class ServiceErrorFormMixin:
    def add_service_error(self, error):
        """Show a ServiceError next to the fields it names, or on top of the form."""
        placed = False
        for field, messages in (error.fields or {}).items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class ReviewDetailsForm(ServiceErrorFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, n) for n in range(1, 6)],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    tags = forms.TypedMultipleChoiceField(
        label=_("What stood out?"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    text = forms.CharField(
        label=_("A few words (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("What did you like? What could be better? How did you use it?")}
        ),
    )
    photos = MultipleImageField(
        label=_("Photos (optional)"),
        required=False,
        max_files=settings.COCREATE_REVIEW_MAX_PHOTOS,
    )
    # The photo picker (static/js/photos.js) sends the order of the tiles: "p<id>" for a photo
    # already on the review, "n<i>" for the i-th file of ``photos``. Without JavaScript the
    # page sends the stored order and new photos go last.
    photo_order = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    remove_photos = forms.TypedMultipleChoiceField(
        label=_("Remove"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, aspect_tags=(), photos=(), photo_limit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.aspect_tags = list(aspect_tags)
        # Choices from the already-prefetched tags: no extra query; the service re-checks them.
        self.fields["tags"].choices = [(tag.pk, tag.label) for tag in self.aspect_tags]
        self.existing_photos = list(photos)
        self.fields["remove_photos"].choices = [(photo.pk, photo.pk) for photo in self.existing_photos]
        self.photo_limit = photo_limit or settings.COCREATE_REVIEW_MAX_PHOTOS
        self.photo_max_bytes = settings.COCREATE_IMAGE_MAX_BYTES

    def clean_photo_order(self):
        tokens = []
        for token in filter(None, (t.strip() for t in self.cleaned_data["photo_order"].split(","))):
            kind, number = token[:1], token[1:]
            if kind not in ("p", "n") or not number.isdigit() or len(number) > 15:
                raise forms.ValidationError(
                    _("The order of the photos could not be read. Arrange them again and save."),
                    code="photo_order_invalid",
                )
            tokens.append((kind, int(number)))
        return tokens


class ProfileForm(ServiceErrorFormMixin, forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        required=False,
        max_length=40,
        help_text=_("Shown on your reviews. Leave empty to show a shortened email address."),
    )
    avatar = forms.FileField(
        label=_("Profile photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), required=True)
    email_notifications = forms.BooleanField(
        label=_("Email me about decisions, badges and rewards"), required=False,
        help_text=_("Notifications always appear on the site; this adds an email."),
    )

    def __init__(self, *args, current_timezone="Asia/Shanghai", **kwargs):
        super().__init__(*args, **kwargs)
        zones = list(COMMON_TIMEZONES)
        if current_timezone and current_timezone not in zones:
            zones.insert(0, current_timezone)
        self.fields["timezone"].choices = [(z, z.replace("_", " ")) for z in zones]


class SignupForm(forms.Form):
    """The extra fields of allauth's sign-up form (``ACCOUNT_SIGNUP_FORM_CLASS``): the name
    shown on the member's reviews and ideas, saved through ``user_profile_update``, and the
    optional, unticked public-profile consent (recorded by ``privacy.signup_consents_record``)."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=200,  # the service's own limit (40) gives the clear message
        help_text=_("Shown on your reviews and ideas, e.g. 小雨 or Mia. You can change it later."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname", "maxlength": 40}),
    )
    public_profile = forms.BooleanField(
        label=_("Show my public profile (level, badges, contributions)"),
        required=False,
        help_text=_("Off: others see only your display name. You can change this any time under Privacy."),
    )
    field_order = ["display_name", "email", "password1", "password2", "public_profile"]

    def clean_display_name(self):
        try:
            return display_name_clean(self.cleaned_data["display_name"], required=True)
        except ServiceError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None

    def signup(self, request, user):
        user_profile_update(user=user, display_name=self.cleaned_data["display_name"])
        # Read by the privacy app's sign-up receiver, which records the consents given here.
        user.signup_public_profile = self.cleaned_data.get("public_profile", False)
