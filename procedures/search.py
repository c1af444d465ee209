"""Accent-insensitive matching: "khai sinh" finds "Đăng ký khai sinh" on PostgreSQL (unaccent) and on SQLite."""

import unicodedata

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Func, Q, Value
from django.db.models.functions import Lower

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


# How close (PostgreSQL's word similarity of trigrams, 0 to 1) a typed phrase must be to part of a procedure's name
# to count as a match despite a typo.
TYPO_SIMILARITY = 0.5


def name_similarity(query):
    """PostgreSQL only: how well the query matches the best part of the procedure's name, accents and case
    ignored."""
    return TrigramWordSimilarity(_folded(Value(query)), _folded("name"))


def _folded(expression):
    return Lower(Func(expression, function="unaccent"))
