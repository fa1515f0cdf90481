"""The request signals integrity reads: the device cookie, the keyed IP-prefix and device
hashes, and the user-agent family (core/client_signals.py)."""
import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from core import client_signals
from core.client_signals import DEVICE_COOKIE, ClientSignalsMiddleware, ip_prefix, ip_prefix_hash, ua_family

UA = {
    "chrome-desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/124.0.0.0 Safari/537.36",
    "chrome-mobile": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/124.0.0.0 Mobile Safari/537.36",
    "safari-mobile": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                     "Version/17.4 Mobile/15E148 Safari/604.1",
    "safari-desktop": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                      "Version/17.4 Safari/605.1.15",
    "firefox-desktop": "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "firefox-mobile": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                      "FxiOS/125.0 Mobile/15E148 Safari/605.1.15",
    "edge-desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
    "wechat-mobile": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                     "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",
    "wechat-desktop": "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/81.0.4044.138 Safari/537.36 "
                      "NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat",
    "chrome-mobile-ios": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                         "(KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
    "other-desktop": "curl/8.5.0",
    "other-mobile": "SomeApp/1.0 (Android 13)",
}


@pytest.mark.parametrize("expected,ua", sorted(UA.items()))
def test_user_agent_family_table(expected, ua):
    assert ua_family(ua) == expected.replace("-ios", "")


def test_empty_user_agent_is_other():
    assert ua_family("") == "other-desktop"


def test_ipv4_hash_is_stable_inside_a_24_and_differs_across():
    assert ip_prefix("203.0.113.7") == "203.0.113.0/24"
    assert ip_prefix_hash("203.0.113.7") == ip_prefix_hash("203.0.113.250")
    assert ip_prefix_hash("203.0.113.7") != ip_prefix_hash("203.0.114.7")
    assert len(ip_prefix_hash("203.0.113.7")) == 32


def test_ipv6_groups_by_48_and_mapped_ipv4_is_its_ipv4():
    assert ip_prefix("2001:db8:aa:1::5") == "2001:db8:aa::/48"
    assert ip_prefix_hash("2001:db8:aa:1::5") == ip_prefix_hash("2001:db8:aa:ffff::1")
    assert ip_prefix_hash("2001:db8:aa:1::5") != ip_prefix_hash("2001:db8:ab:1::5")
    assert ip_prefix_hash("::ffff:203.0.113.9") == ip_prefix_hash("203.0.113.7")
    assert ip_prefix("not an address") is None and ip_prefix_hash("") is None


def test_hashes_depend_on_the_key(settings):
    before = ip_prefix_hash("203.0.113.7")
    settings.INTEGRITY_SIGNAL_KEY = "another key"
    assert ip_prefix_hash("203.0.113.7") != before


def _run(request):
    seen = {}

    def view(req):
        sig = client_signals.current()
        seen.update(ip=sig.ip_prefix_hash, device=sig.device_hash, ua=sig.ua_family)
        return HttpResponse("ok")

    response = ClientSignalsMiddleware(view)(request)
    return response, seen


def test_middleware_sets_a_long_lived_http_only_cookie_once_and_hashes_it():
    rf = RequestFactory()
    response, first = _run(rf.get("/", REMOTE_ADDR="198.51.100.20", HTTP_USER_AGENT=UA["wechat-mobile"]))
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    device_id = cookie.value
    assert first == {"ip": ip_prefix_hash("198.51.100.20"), "device": client_signals.signal_hash("device", device_id),
                     "ua": "wechat-mobile"}
    assert device_id not in first["device"]
    # The browser sends it back: no new cookie, same device hash.
    request = rf.get("/", REMOTE_ADDR="198.51.100.99")
    request.COOKIES[DEVICE_COOKIE] = device_id
    response, second = _run(request)
    assert DEVICE_COOKIE not in response.cookies
    assert second["device"] == first["device"] and second["ip"] == first["ip"]
    assert client_signals.current() is None  # reset after the request


def test_a_forged_cookie_value_is_replaced(settings):
    settings.SESSION_COOKIE_SECURE = True
    request = RequestFactory().get("/")
    request.COOKIES[DEVICE_COOKIE] = "x" * 500
    response, _seen = _run(request)
    assert response.cookies[DEVICE_COOKIE].value != "x" * 500 and response.cookies[DEVICE_COOKIE]["secure"]


def test_client_address_follows_num_proxies(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    _response, seen = _run(request)
    assert seen["ip"] == ip_prefix_hash("198.51.100.20")


def test_a_real_page_sets_the_cookie(client, db):
    response = client.get("/")
    assert response.status_code == 200 and response.cookies[DEVICE_COOKIE]["httponly"]
    assert DEVICE_COOKIE not in client.get("/").cookies
