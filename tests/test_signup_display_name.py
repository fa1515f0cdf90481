"""Sign-up asks for a display name; allauth's messages and e-mails name the person by it and
the site by its own name, in Chinese and English (issue 15, item 7)."""
import io

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.test import override_settings

from community.models import User
from core.mail import ConsoleEmailBackend

pytestmark = pytest.mark.django_db

PASSWORD = "Tea-and-biscuits-42"


def _signup(client, lang, **data):
    client.cookies["django_language"] = lang
    form = {"display_name": "小雨", "email": "rain@example.com", "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/accounts/signup/", {**form, **data}, HTTP_ACCEPT_LANGUAGE=lang, follow=True)


def _messages(resp):
    return [str(m) for m in resp.context["messages"]]


def test_signup_form_asks_for_the_display_name_first(client):
    html = client.get("/accounts/signup/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="display_name"' in html
    assert html.index('name="display_name"') < html.index('name="email"')


@override_settings(ACCOUNT_EMAIL_VERIFICATION="optional")
def test_signup_in_chinese_saves_the_name_and_greets_by_it(client):
    resp = _signup(client, "zh-hans", display_name="  小雨\u202e \n 的店  ")
    user = User.objects.get(email="rain@example.com")
    assert user.display_name == "小雨 的店"  # bidi override gone, white space collapsed, trimmed
    shown = " ".join(_messages(resp))
    assert "小雨 的店" in shown and "已登录" in shown
    assert "以 用户" not in shown and "用户" not in shown

    (message,) = mail.outbox
    assert message.subject == "[共创 Cocreate] 欢迎！请确认你的邮箱地址"
    assert message.body.startswith("小雨 的店，你好：")
    assert "欢迎加入共创 Cocreate！请确认 rain@example.com 是你的邮箱地址。" in message.body
    assert "/accounts/confirm-email/" in message.body
    assert "共创 Cocreate 团队" in message.body
    for wrong in ("用户 用户", "Hello!", "127.0.0.1", "testserver的"):
        assert wrong not in message.body


@override_settings(ACCOUNT_EMAIL_VERIFICATION="optional")
def test_signup_in_english_uses_the_same_names(client):
    resp = _signup(client, "en", display_name="Mia")
    assert "Welcome, Mia! You are logged in." in _messages(resp)
    (message,) = mail.outbox
    assert message.subject == "[共创 Cocreate] Welcome! Please confirm your e-mail address"
    assert message.body.startswith("Hello Mia,")
    assert "Welcome to 共创 Cocreate! Please confirm that rain@example.com is your e-mail address." in message.body
    assert "The 共创 Cocreate team" in message.body


@pytest.mark.parametrize("name, error", [
    ("", "This field is required."),
    ("  \u200b\u202e  ", "Choose the name others will see on your reviews and ideas."),
    ("x" * 41, "Keep the display name under 40 characters."),
])
def test_signup_refuses_a_missing_or_too_long_name(client, name, error):
    resp = _signup(client, "en", display_name=name)
    assert resp.status_code == 200
    assert error in resp.context["form"].errors["display_name"]
    assert not User.objects.filter(email="rain@example.com").exists()


def test_log_in_message_names_the_person_in_both_languages(client):
    User.objects.create_user(email="mia@example.com", password=PASSWORD, display_name="Mia")
    for lang, expected in (("en", "Welcome, Mia! You are logged in."), ("zh-hans", "欢迎，Mia！你已登录。")):
        client.cookies["django_language"] = lang
        resp = client.post("/accounts/login/", {"login": "mia@example.com", "password": PASSWORD}, follow=True)
        assert expected in _messages(resp)
        client.post("/accounts/logout/")


def test_console_backend_prints_the_mail_decoded_under_a_banner():
    stream = io.StringIO()
    message = EmailMessage("[共创 Cocreate] 欢迎！", "小雨，你好：\n打开链接确认：\nhttp://127.0.0.1:8000/accounts/confirm-email/abc/\n",
                           to=["rain@example.com"])
    assert ConsoleEmailBackend(stream=stream).send_messages([message]) == 1
    out = stream.getvalue()
    assert "E-MAIL to rain@example.com" in out
    assert "Subject: [共创 Cocreate] 欢迎！" in out
    assert "小雨，你好：" in out  # readable, not base64
    assert "  Open: http://127.0.0.1:8000/accounts/confirm-email/abc/" in out
