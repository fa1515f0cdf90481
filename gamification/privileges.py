"""The one check for privileges: ``user_can(user, privilege)``.

The rest of the code asks this function and never compares level numbers. Until
levels exist (the gamification issue) only staff hold privileges.
"""

PRIVILEGES = {
    "skip_premoderation": "publish first, screened right after",
    "heavier_reports": "reports weigh more",
    "more_challenge_votes": "more votes per challenge",
    "more_photos": "can upload more photos",
    "higher_rate_limits": "higher rate limits",
}


def user_can(user, privilege):
    if privilege not in PRIVILEGES:
        raise KeyError(f"unknown privilege: {privilege}")
    return bool(user and user.is_authenticated and user.is_staff)
