"""Prompt history: every prompt sent, searchable, most recent first, with pinning; local and clearable.

Kept in its own small SQLite file in the home (``prompt_history.sqlite3``), not as a migration of the job
database: it never touches the jobs table by construction, clearing it is deleting its rows (and the file can
simply be removed), it needs no backup-before-migrate of the jobs database, and reading it for completion
never contends with the engine's journal. One connection per call keeps it safe from any thread.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wan_desktop.core.i18n import _

FILE_NAME = "prompt_history.sqlite3"
MAX_PROMPT = 5_000
MAX_ENTRIES = 5_000  # the oldest unpinned prompts beyond this are forgotten
_SCHEMA = """
CREATE TABLE IF NOT EXISTS prompts (
    text TEXT PRIMARY KEY,
    last_used REAL NOT NULL,
    uses INTEGER NOT NULL DEFAULT 1,
    pinned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS prompts_recent ON prompts(pinned DESC, last_used DESC);
"""


@dataclass(frozen=True)
class PromptEntry:
    text: str
    last_used: datetime
    uses: int
    pinned: bool


class PromptHistory:
    def __init__(self, home: Path) -> None:
        self.path = Path(home) / FILE_NAME

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        conn.executescript(_SCHEMA)
        return conn

    def remember(self, prompts: list[str] | tuple[str, ...], when: datetime | None = None) -> None:
        stamp = (when or datetime.now(UTC)).timestamp()
        texts = [text.strip()[:MAX_PROMPT] for text in prompts if text and text.strip()]
        if not texts:
            return
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                """INSERT INTO prompts(text, last_used) VALUES (?, ?)
                   ON CONFLICT(text) DO UPDATE SET last_used = excluded.last_used, uses = uses + 1""",
                [(text, stamp) for text in dict.fromkeys(texts)],
            )
            conn.execute(
                """DELETE FROM prompts WHERE pinned = 0 AND text NOT IN (
                       SELECT text FROM prompts ORDER BY pinned DESC, last_used DESC LIMIT ?)""",
                (MAX_ENTRIES,),
            )
            conn.execute("COMMIT")

    def search(self, words: str = "", limit: int = 50) -> list[PromptEntry]:
        """Pinned first, then most recent; ``words`` must all appear (case-insensitive)."""
        if not self.path.exists():
            return []
        clauses, values = [], []
        for word in words.split()[:10]:
            clauses.append("instr(lower(text), ?) > 0")
            values.append(word.lower())
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with closing(self._connect()) as conn:
            rows = conn.execute(
                f"SELECT text, last_used, uses, pinned FROM prompts {where} "
                "ORDER BY pinned DESC, last_used DESC LIMIT ?",
                (*values, max(1, min(limit, MAX_ENTRIES))),
            ).fetchall()
        return [PromptEntry(t, datetime.fromtimestamp(u, UTC), n, bool(p)) for t, u, n, p in rows]

    def pin(self, text: str, pinned: bool = True) -> None:
        with closing(self._connect()) as conn:
            conn.execute("UPDATE prompts SET pinned = ? WHERE text = ?", (int(pinned), text))

    def forget(self, text: str) -> None:
        with closing(self._connect()) as conn:
            conn.execute("DELETE FROM prompts WHERE text = ?", (text,))

    def clear(self) -> None:
        """Everything, pinned too; the file is compacted so no old prompt stays readable in it."""
        if not self.path.exists():
            return
        with closing(self._connect()) as conn:
            conn.execute("DELETE FROM prompts")
            conn.execute("VACUUM")


def remember_quietly(home: Path | None, requests) -> str | None:
    """Remember the prompts of ``requests``; a history that cannot be written never fails the queuing.

    Returns the reason when it could not (for a log line, and the CLI's warning), else None."""
    if home is None:
        return None
    try:
        PromptHistory(home).remember([request.prompt for request in requests])
    except (OSError, sqlite3.Error) as error:
        return _("the prompt was not added to the history ({reason})").format(reason=error)
    return None
