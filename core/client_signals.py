"""Privacy-preserving signals about the client of the current request, for integrity checks.

``ClientSignalsMiddleware`` gives every browser a long-lived random device id in a first-party
HttpOnly cookie (set on the first visit) and makes the request's signals readable, without a
request argument, through ``current()``:

- ``ip_prefix_hash``: HMAC-SHA256 (key ``INTEGRITY_SIGNAL_KEY``) of the client address's /24
  (IPv4) or /48 (IPv6) network, the address taken as the API throttles take it (``NUM_PROXIES``);
- ``device_hash``: HMAC-SHA256 of the device id;
- ``ua_family``: a coarse browser family and form factor, e.g. ``wechat-mobile``.

Nothing is computed until a service asks, and the raw address and user-agent never leave the
request. Outside a request (tasks, commands) ``current()`` is None.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cached_property, lru_cache

from django.conf import settings

DEVICE_COOKIE = "cc_device"
DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 60 * 60  # two years
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)
HASH_CHARS = 32  # 128 bits of the HMAC: plenty to tell networks and devices apart

_current: ContextVar[ClientSignals | None] = ContextVar("client_signals", default=None)


def current() -> ClientSignals | None:
    return _current.get()


def signal_hash(kind: str, value: str) -> str:
    """The keyed hash of one signal; ``kind`` separates the domains (an IP prefix never hashes
    like a device id with the same text)."""
    key = settings.INTEGRITY_SIGNAL_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:HASH_CHARS]


def ip_prefix(address: str) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) network of ``address`` as text, or None when it is not an
    address. An IPv4-mapped IPv6 address counts as its IPv4 address."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


def ip_prefix_hash(address: str) -> str | None:
    return _ip_prefix_hash(settings.INTEGRITY_SIGNAL_KEY, address)


@lru_cache(maxsize=4096)
def _ip_prefix_hash(_key, address):
    # Kept per process by address (and key): parsing the address cost more than a vote's
    # interaction row itself (issue 16, the vote path).
    prefix = ip_prefix(address)
    return signal_hash("ip", prefix) if prefix else None


# Order matters: WeChat and Edge also say "Chrome"/"Safari", Chrome also says "Safari".
_FAMILIES = (
    ("wechat", ("MicroMessenger",)),
    ("edge", ("Edg/", "EdgA/", "EdgiOS/", "Edge/")),
    ("firefox", ("Firefox/", "FxiOS/")),
    ("chrome", ("Chrome/", "CriOS/", "Chromium/")),
    ("safari", ("Safari/",)),
)
_MOBILE = ("Mobi", "Android", "iPhone", "iPad", "iPod")


def ua_family(user_agent: str) -> str:
    """``<browser>-<mobile|desktop>``: browser one of wechat, edge, firefox, chrome, safari,
    other. The full user-agent string is never kept."""
    ua = (user_agent or "")[:512]
    family = next((name for name, marks in _FAMILIES if any(m in ua for m in marks)), "other")
    form = "mobile" if any(m in ua for m in _MOBILE) else "desktop"
    return f"{family}-{form}"


def new_device_id() -> str:
    return secrets.token_urlsafe(16)


class ClientSignals:
    """The signals of one request, each computed on first read."""

    def __init__(self, request, device_id: str):
        self._request = request
        self._device_id = device_id

    @property
    def user(self):
        """The request's user once authenticated (DRF sets token users on the request later)."""
        return getattr(self._request, "user", None)

    @cached_property
    def ip_prefix_hash(self) -> str | None:
        return ip_prefix_hash(client_address(self._request))

    @cached_property
    def device_hash(self) -> str:
        return signal_hash("device", self._device_id)

    @cached_property
    def ua_family(self) -> str:
        return ua_family(self._request.META.get("HTTP_USER_AGENT", ""))


def client_address(request) -> str:
    """The client's address exactly as the API throttles (and the log-in lockout) take it."""
    from rest_framework.throttling import BaseThrottle

    return BaseThrottle().get_ident(request)


class ClientSignalsMiddleware:
    """Sets the device cookie on the first visit and exposes the request's signals to services."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        device_id = request.COOKIES.get(DEVICE_COOKIE, "")
        fresh = not _DEVICE_ID.fullmatch(device_id)
        if fresh:
            device_id = new_device_id()
        token = _current.set(ClientSignals(request, device_id))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if fresh:
            response.set_cookie(
                DEVICE_COOKIE, device_id, max_age=DEVICE_COOKIE_MAX_AGE, httponly=True,
                secure=settings.SESSION_COOKIE_SECURE, samesite="Lax",
            )
        return response


class GivenSignals:
    """Signals given outright (``signals_given``): an address and a device id from a replayed
    event stream. Only their keyed hashes are exposed, as for a request."""

    def __init__(self, *, ip="", device="", user_agent="", user=None):
        self.user = user
        self.ip_prefix_hash = ip_prefix_hash(ip) if ip else None
        self.device_hash = signal_hash("device", str(device)) if device not in (None, "") else None
        self.ua_family = ua_family(user_agent) if user_agent else None


@contextmanager
def signals_given(*, ip="", device="", user_agent="", user=None):
    """Make ``current()`` answer the given client's signals outside a request (``manage.py
    integrity replay``): the raw address is hashed here and never kept."""
    token = _current.set(GivenSignals(ip=ip, device=device, user_agent=user_agent, user=user))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
