"""One new row of a model, by an INSERT built once per model and database: for the hottest writes
(a vote, an interaction log row), where the ORM spent about as much CPU building the statement
as the database spent running it (0.28 against 0.13 ms per row; docs/benchmarks.md).

Values are prepared exactly as ``save()`` prepares them (each field's ``pre_save`` and
``get_db_prep_save``). Unlike ``save()`` it sends no ``pre_save``/``post_save`` signal: use it only
for models no receiver listens to (``tests/test_insertone.py`` checks the ones it is used for).

``delete_one`` is the same for a withdrawn vote's row: one written-out DELETE by primary key, where
the ORM's ``delete()`` collects related rows and sends ``pre_delete``/``post_delete``. Only for
models nothing points to and no receiver listens to (also checked there).
"""
from django.db import connections, router
from django.db.models import NOT_PROVIDED

_statements: dict = {}


def _statement(model, connection):
    key = (model, connection.alias)
    found = _statements.get(key)
    if found is None:
        meta = model._meta
        unsupported = [f.name for f in meta.concrete_fields
                       if getattr(f, "generated", False) or getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED]
        if meta.parents or meta.proxy or unsupported:
            raise TypeError(f"insert_one handles plain models only (no inheritance, generated or db_default "
                            f"fields): {model.__name__} {unsupported}")
        fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
        q = connection.ops.quote_name
        sql = (f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        returning = connection.features.can_return_columns_from_insert
        if returning:
            sql += f" RETURNING {q(model._meta.pk.column)}"
        found = _statements[key] = (sql, fields, returning)
    return found


def insert_one(obj):
    """INSERT the unsaved model instance ``obj`` on its model's write database; sets its primary
    key and marks it saved. Returns ``obj``."""
    model = type(obj)
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    sql, fields, returning = _statement(model, connection)
    if obj.pk is not None:
        raise ValueError("insert_one makes new rows: the instance already has a primary key")
    values = [f.pre_save(obj, True) for f in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        raise TypeError("insert_one takes values, not expressions")
    params = [f.get_db_prep_save(value, connection) for f, value in zip(fields, values)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    obj._state.adding = False
    obj._state.db = using
    return obj


def delete_one(model, pk) -> int:
    """DELETE the row of ``model`` with primary key ``pk`` on its write database; returns how
    many rows went (0 or 1)."""
    connection = connections[router.db_for_write(model)]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {q(model._meta.db_table)} WHERE {q(model._meta.pk.column)} = %s", [pk])
        return cursor.rowcount
