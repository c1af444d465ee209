"""Queries every act on a dossier runs, written by the ORM once per database connection and then sent as written:
building and compiling a query, and working out how to read its row back, costs several times what the database
takes to answer it, and a year of demo history runs tens of thousands of them."""

from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connections

# An id no row has, to find the parameter's place in what the ORM writes.
_PLACEHOLDER_ID = -731_093_117


class PreparedQuery:
    """`build(pk)` gives a queryset whose single parameter is the id `pk`: `sql()` is its SQL with that parameter's
    placeholder, for connection.cursor(); `instance(pk)` runs it and reads its row as the ORM would, or None (a
    queryset of one model's instances, without select_related)."""

    def __init__(self, build):
        self.build = build
        # Per connection (each thread has its own): its backend writes the SQL and converts the values read.
        self._compiled = WeakKeyDictionary()

    def sql(self):
        return self._compile(connections[DEFAULT_DB_ALIAS]).sql

    def instance(self, pk):
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._compile(connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            row = next(compiled.compiler.apply_converters([row], compiled.converters))
        return compiled.compiler.query.model.from_db(connection.alias, compiled.attnames, row)

    def _compile(self, connection):
        if connection not in self._compiled:
            self._compiled[connection] = _Compiled(self.build(_PLACEHOLDER_ID), connection)
        return self._compiled[connection]


class _Compiled:
    def __init__(self, queryset, connection):
        self.compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = self.compiler.as_sql()
        if list(params) != [_PLACEHOLDER_ID]:
            raise ValueError(f"A prepared query takes exactly one parameter, not {params!r}.")
        columns = [column for column, _sql, _alias in self.compiler.select]
        self.converters = self.compiler.get_converters(columns)
        self.attnames = [getattr(getattr(column, "target", None), "attname", None) for column in columns]
