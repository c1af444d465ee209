"""Everything that happens to a dossier, in one room per job; the README's "How it is built" maps them."""
