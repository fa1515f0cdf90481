"""Questions a lower layer asks a higher one, answered through slots the higher layer
fills at start (its ``AppConfig.ready``).

A lower layer never imports a higher one (see docs/architecture.md). When it needs an
answer only a higher layer has (may this user skip pre-moderation?), it calls a
``Hook``; the app that knows fills the hook with ``provide``. An unfilled hook answers
with its default, so each layer also works, and is tested, on its own.
"""


class Hook:
    def __init__(self, name, default):
        self.name = name
        self._default = default
        self._impl = None

    def provide(self, impl):
        """Answer this hook with ``impl`` (one provider per hook; the last one wins)."""
        self._impl = impl
        return impl

    @property
    def provided(self) -> bool:
        return self._impl is not None

    def __call__(self, *args, **kwargs):
        return (self._impl or self._default)(*args, **kwargs)

    def __repr__(self):
        return f"<Hook {self.name} {'provided' if self.provided else 'default'}>"


# Privileges a user holds (gamification's levels grant them). Asked by the API throttle,
# community (photo limits, pre-moderation), co-creation (votes) and moderation (report weight).
user_can = Hook("user_can", lambda user, code: False)
privilege_value = Hook("privilege_value", lambda user, code, default=0: default)
