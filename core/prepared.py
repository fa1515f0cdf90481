"""The hottest reads as server-side prepared statements, on a direct PostgreSQL connection.

Every signed-in product page and review list asks one small statement (the viewer's votes on the
listed reviews, and their own review). PostgreSQL spent about 0.11 ms planning it and 0.02 ms
running it (EXPLAIN ANALYZE at the 10M seed): Django binds parameters on the client and prepares
nothing, so each request plans the statement again. Prepared, PostgreSQL plans it for its first
five runs on a connection and then keeps a generic plan (planning: 0.005 ms).

Django's psycopg 3 backend disables prepared statements (``prepare_threshold`` None) so that
PgBouncer's transaction pooling works: a prepared statement lives in one server session, which a
pooled client does not keep. The settings give the option a value only when ``DATABASE_POOLER`` is
empty (config/settings/base.py); without it, and on SQLite, the same statement runs through the
usual cursor. Other queries are unchanged: Django's cursors bind on the client and never prepare.

The statement goes through Django's cursor wrapper, so it is logged and counted like any query
(query-count tests, ``connection.queries``, execute wrappers).
"""
from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

_cursor_class = None


def fetch_all(using, sql, params):
    """The rows of ``sql`` on database ``using``: prepared where the connection allows it."""
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _preparing_cursor_class()(connection.connection)
    cursor = _LoggedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _preparing_cursor_class():
    """Django's server-binding cursor (its conversions included), asking psycopg to prepare every
    statement it runs; psycopg keeps the prepared names per connection (at most 100, LRU)."""
    global _cursor_class
    if _cursor_class is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparingCursor(ServerBindingCursor):
            def execute(self, query, params=None, *, prepare=None, binary=None):
                return super().execute(query, params, prepare=True, binary=binary)

        _cursor_class = PreparingCursor
    return _cursor_class


class _LoggedCursor(CursorDebugWrapper):
    """Django's logging wrapper, logging the statement with its parameters put in: Django reads the
    text back from psycopg's cursor, which keeps none for a prepared statement."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)
