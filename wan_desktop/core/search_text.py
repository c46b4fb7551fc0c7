"""Search text typed by a person, made safe for SQLite's full-text MATCH.

A NUL or a lone surrogate (pasted from a broken clipboard, or read from a damaged file) cannot be encoded
for SQLite and used to raise; such characters are taken as word breaks, like other control characters.
"""

from __future__ import annotations

import re

MAX_SEARCH = 1_000  # characters of search text looked at
# C0/C1 controls (NUL among them) and every surrogate code point: none is a character anyone searches for.
_UNSEARCHABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_search_text(text: str) -> str:
    return _UNSEARCHABLE.sub(" ", str(text)[:MAX_SEARCH])


def fts_query(text: str) -> str:
    """Each word quoted (so FTS syntax in a prompt is taken literally) and matched as a prefix."""
    words = [word for word in clean_search_text(text).split() if word.strip('"')]
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)
