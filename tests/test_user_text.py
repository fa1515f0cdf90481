"""Text made only of invisible characters is no text; escape sequences and bidi overrides are not stored."""
import pytest

from community import services
from community.cocreation import services as cocreation
from core.errors import ServiceError
from core.text import clean_user_text, guess_language
from tests.challenge_helpers import make_challenge


@pytest.mark.parametrize("raw", [
    "\u200b\u200c\u200d\u2060\ufeff", "\u202e\u202d\u2066\u2069", "\x1b[31m\x1b[0m", "\x00\x07 \t\n", "\u3000 ", "",
])
def test_invisible_only_text_is_empty(raw):
    assert clean_user_text(raw) == ""


def test_visible_text_keeps_newlines_emoji_and_cjk_but_loses_escapes_and_overrides():
    assert clean_user_text("  \x1b[1m好用\x1b[0m\u202e！\r\n第二行 👍🏽\u200d  ") == "好用！\n第二行 👍🏽\u200d"


def test_guess_language():
    assert (guess_language("这个精华很好用"), guess_language("Great serum, would buy again")) == ("zh", "en")


@pytest.mark.django_db
def test_a_review_of_zero_width_characters_is_a_rating_only(shopper, product):
    review, _ = services.review_post(author=shopper, product=product, rating=4, text="\u200b\u200b\u202e")
    assert review.text == "" and not review.has_content


@pytest.mark.django_db
def test_an_entry_or_comment_of_control_characters_is_refused(shopper):
    challenge = make_challenge()
    with pytest.raises(ServiceError) as exc:
        cocreation.entry_submit(author=shopper, challenge_id=challenge.pk, text="\x1b[31m\u200b")
    assert exc.value.code == "text_required"
