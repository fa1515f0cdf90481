"""What community pages and services ask of the layers above them (gamification,
moderation), answered through ``core.hooks.Hook`` slots those apps fill at start.

Community never imports gamification or moderation; each hook has a harmless default
(no level, no badges, nothing to screen), so community works on its own.
"""
from core.hooks import Hook

# --- answered by moderation ---------------------------------------------------------------

# Open or reopen the moderation case of a content item; screening runs after commit.
content_submit = Hook(
    "content_submit",
    lambda *, content_type, object_id, author_id, published_first=False, language="": None,
)
# {object_id: case_id} of the items' moderation cases (authors appeal through them).
case_ids_for = Hook("case_ids_for", lambda content_type, object_ids: {})
# The quality band and hints shown to an item's author, or None when it is not scored.
quality_summary = Hook("quality_summary", lambda *, content_type, object_id: None)
# Whether a report on the item was upheld (gamification does not vest its points).
content_report_upheld = Hook("content_report_upheld", lambda content_type, object_id: False)
# Near-duplicate grouping of short texts: {key: root_key} for {key: text} (brand insights groups
# ideas by theme with it). The default groups only identical texts.
def _identical_groups(texts, *, threshold=0.6):
    roots = {}
    for key in sorted(texts, key=str):
        roots.setdefault(" ".join((texts[key] or "").lower().split()), key)
    return {key: roots[" ".join((texts[key] or "").lower().split())] for key in texts}


text_groups = Hook("text_groups", _identical_groups)
# The item's quality band ("low", "ok", "good", "great"); gamification scales points by it.
content_quality_band = Hook("content_quality_band", lambda content_type, object_id: "ok")

# --- answered by gamification -------------------------------------------------------------

# A user's level (a dict with ``number`` and ``name``) from a user id or a user object (kept on
# the object for the request), or None.
user_level = Hook("user_level", lambda user: None)
# {user_id: level} for many users at once (one query).
user_levels = Hook("user_levels", lambda user_ids: {})
# {user_id: [badges]} for many users at once.
badges_for_users = Hook("badges_for_users", lambda user_ids, per_user=3: {})
# A leaderboard: {"rows": [...], ...}; empty without gamification.
leaderboard_get = Hook("leaderboard_get", lambda *, period, scope, limit=10: {"rows": []})

# --- filled by co-creation and trials -------------------------------------------------------

# The home page's sections from apps above community: {context name: callable returning a list}.
HOME_SECTIONS = {}


def home_section_register(name, fetch):
    HOME_SECTIONS[name] = fetch
    return fetch

# The fake-interaction rate for a period (issue 11 section 4), for the growth dashboard. Moderation
# fills it; the default answers None, which the dashboard shows as "not measured yet".
fake_interaction_rate = Hook("fake_interaction_rate", lambda *, start, end, brand_id=None: None)

# The account's interactions the integrity checks invalidated, for a notice on the points page
# (PIPL Art. 24: people see automated decisions and can ask a human): {"count", "appealable",
# "pending", "url"} or None. Moderation fills it (one query).
invalidated_interactions_notice = Hook("invalidated_interactions_notice", lambda user_id: None)
