"""Accent-insensitive matching: "khai sinh" finds "Đăng ký khai sinh" on PostgreSQL (unaccent) and on SQLite."""

import unicodedata

from django.db.models import Q

# NFKD leaves these letters alone; PostgreSQL's unaccent folds them.
_UNDECOMPOSABLE = str.maketrans({"đ": "d", "Đ": "D"})


def fold_accents(text):
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def register_sqlite_unaccent(sender, connection, **kwargs):
    """Give the embedded SQLite database the UNACCENT() function that PostgreSQL's extension provides."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("UNACCENT", 1, _sqlite_unaccent, deterministic=True)


def _sqlite_unaccent(value):
    return None if value is None else fold_accents(value).lower()


def words_match(query, *fields):
    """Every word of the query appears, accents and case ignored, in one of the fields."""
    condition = Q()
    for word in query.split():
        word_condition = Q()
        for field in fields:
            word_condition |= Q(**{f"{field}__unaccent__icontains": word})
        condition &= word_condition
    return condition
