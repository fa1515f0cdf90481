"""The one check for privileges: ``user_can(user, privilege)``.

The rest of the code asks this function and never compares level numbers. Which
level grants what is data (``PrivilegeGrant``, edited by operators); staff and
superusers hold every privilege. The answer is cheap: the grant table is cached,
the user's level comes from the per-user level cache and is memoised on the user
object for the rest of the request.
"""
from gamification.levels import grants_table

PRIVILEGES = {
    "skip_premoderation": "publish first, screened right after",
    "heavier_reports": "reports weigh more",
    "more_challenge_votes": "more votes per challenge",
    "more_photos": "can upload more photos",
    "higher_rate_limits": "higher rate limits",
}


def _level_number(user) -> int:
    from gamification.selectors import user_level_number

    return user_level_number(user)  # memoised on the user object for this request


def user_can(user, privilege):
    if privilege not in PRIVILEGES:
        raise KeyError(f"unknown privilege: {privilege}")
    if not (user and user.is_authenticated):
        return False
    if user.is_staff or user.is_superuser:
        return True
    grant = grants_table().get(privilege)
    if grant is None:
        return False
    return _level_number(user) >= grant[0]


def privilege_value(user, privilege, default=0) -> int:
    """The grant's ``value`` (e.g. extra photos) when the user holds the privilege, else ``default``."""
    if not user_can(user, privilege):
        return default
    grant = grants_table().get(privilege)
    return grant[1] if grant else default
