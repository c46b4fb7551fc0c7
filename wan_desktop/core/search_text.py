"""Search text typed by a person, made safe for SQLite's full-text MATCH.

A NUL or a lone surrogate (pasted from a broken clipboard, or read from a damaged file) cannot be encoded
for SQLite and used to raise; such characters are taken as word breaks, like other control characters.

Words of spaced scripts (English, German …) match as word prefixes in ``jobs_fts`` (unicode61, accents
folded: "cafe" finds "Café"). Chinese and Japanese write no spaces, so a word there is any run of characters
inside a sentence: those match as substrings in ``jobs_trigram`` (FTS5's trigram tokenizer), and a word of one
or two characters, which a trigram index cannot hold, by LIKE over the prompts ("日落" in "山后的日落很美").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SEARCH = 1_000  # characters of search text looked at
# C0/C1 controls (NUL among them) and every surrogate code point: none is a character anyone searches for.
_UNSEARCHABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_search_text(text: str) -> str:
    return _UNSEARCHABLE.sub(" ", str(text)[:MAX_SEARCH])


# Han (with its extensions and compatibility forms), kana, and the CJK symbols used inside such words
_UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_PROMPT_COLUMNS = ("prompt", "negative_prompt", "actual_prompt")


@dataclass(frozen=True)
class SearchClause:
    """A WHERE condition on the ``jobs`` table (every word must match) and its parameters."""

    sql: str
    params: tuple[str, ...]


def search_words(text: str) -> list[str]:
    return [word for word in clean_search_text(text).split() if word.strip('"')]


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_clause(text: str) -> SearchClause | None:
    """The condition that finds jobs whose prompts hold every word of ``text``; None when it has no word."""
    parts: list[str] = []
    params: list[str] = []
    for word in search_words(text):
        if not _UNSPACED.search(word):
            parts.append("jobs.rowid IN (SELECT rowid FROM jobs_fts WHERE jobs_fts MATCH ?)")
            params.append(_quoted(word) + "*")
        elif len(word) >= 3:
            parts.append("jobs.rowid IN (SELECT rowid FROM jobs_trigram WHERE jobs_trigram MATCH ?)")
            params.append(_quoted(word))
        else:
            parts.append("(" + " OR ".join(f"jobs.{c} LIKE ? ESCAPE '\\'" for c in _PROMPT_COLUMNS) + ")")
            params.extend([_like(word)] * len(_PROMPT_COLUMNS))
    return SearchClause(" AND ".join(parts), tuple(params)) if parts else None
