"""Accent-insensitive matching: "khai sinh" finds "Đăng ký khai sinh" on PostgreSQL (unaccent) and on SQLite."""

import unicodedata

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection
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
    ignored. Of names holding the query equally well, the one closest to it as a whole ranks first: "khai sinh"
    puts "Đăng ký khai sinh" before "Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con" (the tie-break adds at
    most a hundredth)."""
    typed, name = _folded(Value(query)), _folded("name")
    return TrigramWordSimilarity(typed, name) + TrigramSimilarity(typed, name) / 100


def ranked_by_name(procedures, query):
    """The procedures annotated with `similarity` to the query on PostgreSQL, for ordering best first; elsewhere
    unchanged."""
    if connection.vendor != "postgresql" or not query.strip():
        return procedures
    return procedures.annotate(similarity=name_similarity(query))


def _folded(expression):
    return Lower(Func(expression, function="unaccent"))
