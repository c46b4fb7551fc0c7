"""Storyboards in the job database's ``storyboards`` table (migration v5). This repository owns that table
only and never reads or writes the jobs table: the engine's journal is the one writer of job rows, and the
jobs of a storyboard are found through the engine (``Job.project``).

The database must be at the current schema (a ``JobStore`` opened on it migrates it first)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wan_desktop.core.i18n import N_, _
from wan_desktop.core.job_codec import CodecError
from wan_desktop.core.store import BUSY_TIMEOUT_MS, StoreError, _translate

from .codec import board_from_dict, board_to_dict
from .model import Storyboard


class StoryboardError(StoreError):
    default_explanation = N_("Wan Desktop could not use its storyboards.")

    def __init__(self, explanation: str | None = None, *, detail: str = "") -> None:
        super().__init__(explanation or _("Wan Desktop could not use its storyboards."), detail=detail)


class StoryboardRepository:
    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(self.db_path, check_same_thread=False, isolation_level=None)
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("SELECT 1 FROM storyboards LIMIT 1")
        except sqlite3.Error as error:
            raise _translate(error, self.db_path) from error

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> StoryboardRepository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as error:
                raise _translate(error, self.db_path) from error

    # -- reading --------------------------------------------------------------------------------------------
    def all(self) -> list[Storyboard]:
        with self._guard() as conn:
            rows = conn.execute("SELECT id, data FROM storyboards ORDER BY name COLLATE NOCASE").fetchall()
        return [self._board(board_id, data) for board_id, data in rows]

    def get(self, board_id: str) -> Storyboard | None:
        with self._guard() as conn:
            row = conn.execute("SELECT id, data FROM storyboards WHERE id = ?", (board_id,)).fetchone()
        return self._board(*row) if row else None

    def by_name(self, name: str) -> Storyboard | None:
        with self._guard() as conn:
            row = conn.execute("SELECT id, data FROM storyboards WHERE name = ?", (name.strip(),)).fetchone()
        return self._board(*row) if row else None

    def _board(self, board_id: str, data: str) -> Storyboard:
        try:
            return board_from_dict(json.loads(data))
        except (CodecError, ValueError) as error:
            raise StoryboardError(
                _("The storyboard {id} in the database cannot be read ({reason}).").format(id=board_id, reason=error)
            ) from None

    # -- writing --------------------------------------------------------------------------------------------
    def save(self, board: Storyboard) -> None:
        data = json.dumps(board_to_dict(board), ensure_ascii=False, sort_keys=True)
        with self._guard() as conn:
            try:
                conn.execute(
                    "INSERT INTO storyboards (id, name, updated_ts, data) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET name = excluded.name, updated_ts = excluded.updated_ts, "
                    "data = excluded.data",
                    (board.id, board.name, board.updated_at.timestamp(), data),
                )
            except sqlite3.IntegrityError:
                raise StoryboardError(
                    _("There is already a storyboard called {name}.").format(name=repr(board.name))
                ) from None

    def delete(self, board_id: str) -> None:
        with self._guard() as conn:
            conn.execute("DELETE FROM storyboards WHERE id = ?", (board_id,))
