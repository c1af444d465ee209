"""Queries every act on a dossier runs, written by the ORM once per database backend and then sent as written:
building and compiling a query costs several times what the database takes to answer it, and a year of demo
history runs tens of thousands of them."""

from django.db import connection

# An id no row has, to find the parameter's place in what the ORM writes.
_PLACEHOLDER_ID = -731_093_117


class PreparedQuery:
    """`build(pk)` gives a queryset whose single parameter is the id `pk`; `sql()` is its SQL with that parameter's
    placeholder, for connection.cursor() or Model.objects.raw()."""

    def __init__(self, build):
        self.build = build
        self._sql = {}

    def sql(self):
        vendor = connection.vendor
        if vendor not in self._sql:
            sql, params = self.build(_PLACEHOLDER_ID).query.sql_with_params()
            if list(params) != [_PLACEHOLDER_ID]:
                raise ValueError(f"A prepared query takes exactly one parameter, not {params!r}.")
            self._sql[vendor] = sql
        return self._sql[vendor]
