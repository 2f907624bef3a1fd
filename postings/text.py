"""Text normalisation shared by search on every database: lower case, accents removed."""

import unicodedata


def fold(text: str) -> str:
    """'Droits des Étrangers' -> 'droits des etrangers'. Used to build and to query `Posting.search_text`."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
