"""The hottest reads as server-side prepared statements, on a direct PostgreSQL connection.

Every signed-in product page and review list asks one small statement (the viewer's votes on the
listed reviews, and their own review). PostgreSQL spent about 0.11 ms planning it and 0.02 ms
running it (EXPLAIN ANALYZE at the 10M seed): Django binds parameters on the client and prepares
nothing, so each request plans the statement again. Prepared, PostgreSQL plans it for its first
five runs on a connection and then keeps a generic plan (planning: 0.005 ms).

When: the alias's ``PREPARED_READS`` (the settings set it on PostgreSQL aliases unless
``DATABASE_POOLER=pgbouncer``: a prepared statement lives in one server session, which a client of
PgBouncer's transaction pooling does not keep) and persistent connections (``CONN_MAX_AGE`` not 0:
a statement prepared on a connection closed after the request would never pay back its PARSE).
Otherwise, and on SQLite, the same statement runs through Django's usual cursor.

Only these statements are prepared. Django's psycopg 3 backend connects with
``prepare_threshold`` None, so psycopg neither prepares nor tracks the other queries; this module
sets a threshold on the connection for the length of its own ``execute`` and puts None back.
Integers are sent as ``bigint`` whatever their size (psycopg would pick smallint, integer or
bigint per value, and each choice would be a statement of its own); a statement per number of
listed ids remains (at most a page's worth).

The statement goes through Django's cursor wrapper, so it is logged and counted like any query
(query-count tests, ``connection.queries``, execute wrappers), and Django's connection health
check and error wrapping apply as to any cursor.
"""
import functools

from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


def enabled(connection):
    settings_dict = connection.settings_dict
    return (connection.vendor == "postgresql" and settings_dict.get("PREPARED_READS", False)
            and settings_dict.get("CONN_MAX_AGE", 0) != 0)


def fetch_all(using, sql, params):
    """The rows of ``sql`` on database ``using``: prepared where the connection allows it."""
    connection = connections[using]
    if not enabled(connection):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    from psycopg.types.numeric import Int8

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = _preparing_cursor_class()(connection.connection)
    cursor = _LoggedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        cursor.execute(sql, [Int8(p) if type(p) is int else p for p in params])
        return cursor.fetchall()


@functools.cache
def _preparing_cursor_class():
    """Django's server-binding cursor (its conversions included), asking psycopg to prepare each
    statement it runs; psycopg keeps the prepared names per connection (at most 100, LRU). Built
    on first use: only a PostgreSQL deployment imports Django's PostgreSQL backend."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            # psycopg prepares nothing while the connection's threshold is None (Django's).
            self.connection.prepare_threshold = 5
            try:
                return super().execute(query, params, prepare=True, binary=binary)
            finally:
                self.connection.prepare_threshold = None

    return PreparingCursor


class _LoggedCursor(CursorDebugWrapper):
    """Django's logging wrapper, logging the statement with its parameters put in: Django reads the
    text back from psycopg's cursor, which keeps none for a prepared statement."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)
