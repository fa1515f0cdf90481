"""The policy banner: signed-in people who have not accepted the newest policy version are
asked once, on every page until they do, and nothing is blocked. Lazy: a page that does not
render the banner asks nothing; one that does reads the session and the cached version."""
from django.utils.functional import SimpleLazyObject

from community.privacy import selectors
from community.privacy.services import SESSION_POLICY_KEY


def policy_banner_for(request):
    """The policy version to ask this person to accept, or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    current = selectors.policy_current()
    if current is None:
        return None
    session = getattr(request, "session", None)
    accepted = session.get(SESSION_POLICY_KEY) if session is not None else None
    if accepted is None:  # a session that began before this code: ask the table once
        accepted = current.version if selectors.policy_accepted_current(user=user) else ""
        if session is not None:
            session[SESSION_POLICY_KEY] = accepted
    return None if accepted == current.version else current


def policy_banner(request):
    return {"privacy_policy_banner": SimpleLazyObject(lambda: policy_banner_for(request))}
