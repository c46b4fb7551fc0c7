"""The job journal: SQLite, the single source of truth for every job.

Callers save a job *before* the action its state announces (a ``submitting`` row exists before the create
request goes out), so each commit must be durable: WAL with ``synchronous=FULL``. One connection, guarded by a
lock, serves every thread; SQLite allows one writer anyway.

Environment failures (full disk, read-only folder, a second program holding the lock, a damaged file) become
``StoreError`` subclasses that carry a sentence for the person; anything else is a bug and propagates.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import statistics
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from wan_desktop.core.dashscope.catalog import find_model
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.i18n import _
from wan_desktop.core.job_codec import (  # noqa: F401  (re-exported: callers import the codec from here)
    CodecError,
    job_from_dict,
    job_to_dict,
    parse_datetime,
    request_from_dict,
    request_to_dict,
)
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.search_text import search_clause
from wan_desktop.core.store_schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 5000
TYPICAL_SAMPLE = 20  # recent finished jobs that decide the typical generation time


# -- errors -------------------------------------------------------------------------------------------------
class ClaimGuard(Protocol):
    """A check made inside the claim's transaction (the budget), and what it writes once the claim holds."""

    def allows(self, conn: sqlite3.Connection) -> bool: ...

    def claimed(self, conn: sqlite3.Connection) -> None: ...


class StoreError(Exception):
    """The job database cannot do what was asked; ``explanation`` is a sentence for the person.

    A subclass says its own sentence by overriding ``default_sentence`` (worded when the error is made, in the
    language of that moment). ``default_explanation`` is the older way, an English sentence as a class attribute:
    still honoured, but not translated."""

    default_explanation: str | None = None

    def __init__(self, explanation: str | None = None, *, detail: str = "") -> None:
        self.explanation = explanation or self.default_explanation or self.default_sentence()
        self.detail = detail  # SQLite's own words, for the log
        super().__init__(self.explanation + (f" ({detail})" if detail else ""))

    def default_sentence(self) -> str:
        return _("Wan Desktop could not use its job database.")


class DiskFullError(StoreError):
    def default_sentence(self) -> str:
        return _("The disk holding Wan Desktop's data is full. Free some space; nothing was lost, the app will retry.")


class ReadOnlyError(StoreError):
    def default_sentence(self) -> str:
        return _(
            "Wan Desktop cannot write to its data folder because it is read-only. "
            "Check the folder's permissions or the disk; nothing was lost, the app will retry."
        )


class LockedError(StoreError):
    def default_sentence(self) -> str:
        return _(
            "Wan Desktop's job database is busy in another program (perhaps a second Wan Desktop window). "
            "Close the other one; nothing was lost, the app will retry."
        )


class CorruptDatabaseError(StoreError):
    def default_sentence(self) -> str:
        return _(
            "Wan Desktop's job database is damaged. Your videos and their notes in the library folder are safe; "
            "the history can be rebuilt from them."
        )


def _translate(error: BaseException, db_path: Path) -> StoreError:
    """Map SQLite's and the OS's environment failures to errors a person can act on."""
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error).lower()
    folder = db_path.parent
    if isinstance(error, OSError):
        if error.errno == errno.ENOSPC:
            return DiskFullError(detail=str(error))
        if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return ReadOnlyError(_read_only_sentence(folder), detail=str(error))
        return StoreError(
            _("Wan Desktop could not use its data folder {folder}.").format(folder=folder), detail=str(error)
        )
    if name == "SQLITE_FULL" or "database or disk is full" in text:
        return DiskFullError(detail=str(error))
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        return ReadOnlyError(_read_only_sentence(folder), detail=str(error))
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return LockedError(detail=str(error))
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "not a database" in text or "malformed" in text:
        return CorruptDatabaseError(
            _(
                "Wan Desktop's job database ({path}) is damaged. Your videos and their notes in the library "
                "folder are safe; the history can be rebuilt from them."
            ).format(path=db_path),
            detail=str(error),
        )
    if name.startswith("SQLITE_CANTOPEN") or "unable to open database" in text:
        if not _writable(folder):
            return ReadOnlyError(_read_only_sentence(folder), detail=str(error))
        return StoreError(
            _("Wan Desktop could not open its job database {path}.").format(path=db_path), detail=str(error)
        )
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return StoreError(
            _(
                "The disk holding Wan Desktop's data ({folder}) reported an error. Check the disk; "
                "nothing was lost, the app will retry."
            ).format(folder=folder),
            detail=str(error),
        )
    return StoreError(detail=str(error))


def _read_only_sentence(folder: Path) -> str:
    return _(
        "Wan Desktop cannot write to its data folder {folder} because it is read-only. "
        "Check the folder's permissions or the disk; nothing was lost, the app will retry."
    ).format(folder=folder)


def _writable(folder: Path) -> bool:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return os.access(probe, os.W_OK)


# -- Job <-> JSON: the strict codec lives in job_codec; these names stay importable from here ----------------
_parse_datetime = parse_datetime


def _epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


# -- schema: core/store_schema.py (re-exported here) --------------------------------------------------------


# -- the read-only view -------------------------------------------------------------------------------------
class JobReader:
    """The history, read only: a SQLite connection opened with ``mode=ro``, so nothing through it can write.
    The engine's journal (a ``JobStore``) is the one writer of job rows."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        with self._guard():
            self._conn = self._open()

    def _open(self) -> sqlite3.Connection:
        uri = f"{self.db_path.absolute().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return conn

    # -- lifecycle ----------------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self._reading() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    # -- reading ------------------------------------------------------------------------------------------
    def get(self, job_id: str) -> Job | None:
        with self._reading() as conn:
            row = conn.execute("SELECT data FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row[0]) if row else None

    def jobs(self, states: Iterable[JobState] | None = None) -> list[Job]:
        """Jobs oldest first, optionally only those in ``states``."""
        query, params = "SELECT data FROM jobs", []
        if states is not None:
            params = [JobState(state).value for state in states]
            if not params:
                return []
            query += f" WHERE state IN ({', '.join('?' for _ in params)})"
        with self._reading() as conn:
            rows = conn.execute(query + " ORDER BY created_ts, rowid", params).fetchall()
        return [_job(row[0]) for row in rows]

    def job_for_task(self, task_id: str) -> Job | None:
        with self._reading() as conn:
            row = conn.execute(
                "SELECT jobs.data FROM job_tasks JOIN jobs ON jobs.id = job_tasks.job_id WHERE job_tasks.task_id = ?",
                (task_id,),
            ).fetchone()
        return _job(row[0]) if row else None

    def owned_task_ids(self) -> set[str]:
        """Every task id any job of ours ever had, including retried and deleted ones."""
        with self._reading() as conn:
            return {row[0] for row in conn.execute("SELECT task_id FROM job_tasks")}

    def recent_durations(self, model: str, resolution: str) -> list[float]:
        """Service times (submit to end) of the last finished jobs of this model and resolution."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT finished_ts - submitted_ts FROM jobs WHERE state = ? AND model = ? AND resolution = ? "
                "AND submitted_ts IS NOT NULL AND finished_ts IS NOT NULL AND finished_ts >= submitted_ts "
                "ORDER BY finished_ts DESC LIMIT ?",
                (JobState.DONE.value, model, resolution, TYPICAL_SAMPLE),
            ).fetchall()
        return [row[0] for row in rows]

    def typical_seconds(self, model: str, resolution: str) -> float | None:
        """Median service time (submit to end) of the last finished jobs of this model and resolution."""
        durations = self.recent_durations(model, resolution)
        return statistics.median(durations) if durations else None

    def search(self, text: str, limit: int = 500) -> list[Job]:
        """Jobs whose prompts contain every word of ``text`` (word prefixes match; a Chinese word anywhere
        in a sentence), newest first."""
        search = search_clause(text)
        if search is None:
            return []
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT jobs.data FROM jobs WHERE {search.sql} ORDER BY jobs.created_ts DESC LIMIT ?",
                (*search.params, limit),
            ).fetchall()
        return [_job(row[0]) for row in rows]

    # -- history browser (issue 5): the one read-only hook wan_desktop.core.history uses ---------------------
    def history_rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        """Rows of a read-only SELECT (the gallery's filtered, projected lists)."""
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            raise ValueError("history queries only read")
        with self._reading() as conn:
            return conn.execute(sql, tuple(params)).fetchall()

    # -- end of history browser hook ------------------------------------------------------------------------

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except (sqlite3.Error, OSError) as error:
            raise _translate(error, self.db_path) from error

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._guard():
            yield self._connection()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: takes the write lock up front, so it cannot fail half way on BUSY."""
        with self._lock, self._guard():
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(_("The job database is closed."))
        return self._conn


# -- the store (the engine's journal writes through it) -----------------------------------------------------
class JobStore(JobReader):
    def _open(self) -> sqlite3.Connection:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.db_path, check_same_thread=False, isolation_level=None)
        try:
            self._configure(conn)
            self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute("PRAGMA optimize")
                except sqlite3.Error:
                    pass  # closing must not fail on a full or read-only disk
        super().close()

    # -- writing ------------------------------------------------------------------------------------------
    def add(self, job: Job) -> None:
        """Insert a new job; ValueError if its id is taken."""
        with self._writing() as conn:
            if conn.execute("SELECT 1 FROM jobs WHERE id = ?", (job.id,)).fetchone():
                raise ValueError(f"a job with id {job.id} already exists")
            self._write(conn, job)

    def save(self, job: Job, also: Callable[[sqlite3.Connection], None] | None = None) -> None:
        """Insert or replace the whole job; durable when this returns. ``also`` writes other tables (the
        ledger) in the same transaction, so they commit together or not at all."""
        with self._writing() as conn:
            self._write(conn, job)
            if also is not None:
                also(conn)

    def delete(self, job_id: str) -> None:
        # Its task ids stay in job_tasks: the task is still ours, and must never be taken for another job's.
        with self._writing() as conn:
            conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def claim(self, job: Job, guard: ClaimGuard | None = None) -> bool:
        """Write ``job`` (in ``submitting``) only if its row is still ``queued`` (or held by budget): the one
        step before a paid create. False when another writer changed the row first, so this one must not send
        it, or when ``guard`` (the budget) refused it; the guard's check and the claim are one transaction."""
        row = _row(job)
        updates = ", ".join(f"{name} = :{name}" for name in row if name != "id")
        waiting = f"'{JobState.QUEUED.value}', '{JobState.HELD_BY_BUDGET.value}'"
        with self._writing() as conn:
            if guard is not None and not guard.allows(conn):
                return False
            cursor = conn.execute(f"UPDATE jobs SET {updates} WHERE id = :id AND state IN ({waiting})", row)
            if cursor.rowcount == 1 and guard is not None:
                guard.claimed(conn)
            return cursor.rowcount == 1

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One IMMEDIATE transaction for another table's repository (never for job rows)."""
        return self._writing()

    def _write(self, conn: sqlite3.Connection, job: Job) -> None:
        row = _row(job)
        columns = ", ".join(row)
        placeholders = ", ".join(f":{name}" for name in row)
        updates = ", ".join(f"{name} = excluded.{name}" for name in row if name != "id")
        conn.execute(
            f"INSERT INTO jobs ({columns}) VALUES ({placeholders}) ON CONFLICT(id) DO UPDATE SET {updates}", row
        )
        if job.task_id:
            conn.execute(
                "INSERT INTO job_tasks (task_id, job_id) VALUES (?, ?) "
                "ON CONFLICT(task_id) DO UPDATE SET job_id = excluded.job_id",
                (job.task_id, job.id),
            )

    @staticmethod
    def _configure(conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot use write-ahead logging (journal mode {mode})")
        # FULL: a commit survives power loss, which the journal promise (save before acting) needs.
        conn.execute("PRAGMA synchronous = FULL")

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                _(
                    "The job database {path} was made by a newer Wan Desktop (schema {version}; this version "
                    "knows up to {known}). Update Wan Desktop, or choose another data folder."
                ).format(path=self.db_path, version=version, known=SCHEMA_VERSION),
            )
        if version == SCHEMA_VERSION:
            return
        if version > 0:  # a database with jobs in it: keep a copy of it as it was
            self._backup(conn, self.db_path.with_name(f"{self.db_path.name}.v{version}.bak"))
        for target in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[target - 1](conn)
                conn.execute(f"PRAGMA user_version = {target}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _backup(conn: sqlite3.Connection, dest: Path) -> None:
        """A consistent copy (SQLite's backup API, WAL included) before a migration changes anything."""
        temp = dest.with_name(dest.name + ".tmp")
        target = sqlite3.connect(temp)
        try:
            conn.backup(target)
        finally:
            target.close()
        os.replace(temp, dest)

    # -- recovery -----------------------------------------------------------------------------------------
    @staticmethod
    def set_aside(db_path: Path) -> Path:
        """Move a damaged database (and its WAL files) out of the way so a fresh one can start; the history
        can then be rebuilt from the library's sidecars. Returns the new name of the damaged file."""
        db_path = Path(db_path)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        moved = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            source = db_path.with_name(db_path.name + suffix)
            if source.exists():
                os.replace(source, moved.with_name(moved.name + suffix))
        return moved


def open_reader(db_path: Path) -> JobReader:
    """A read-only view of the history at the current schema. A database the engine has not created or
    migrated yet (a window may show its history before the engine opens it) is brought up to date first;
    that writes the schema, never a job row."""
    try:
        reader = JobReader(db_path)
        if reader.schema_version == SCHEMA_VERSION:
            return reader
        reader.close()
    except StoreError:
        pass  # not there yet: create it
    JobStore(db_path).close()
    return JobReader(db_path)


def _row(job: Job) -> dict[str, Any]:
    """The row of ``job``: its JSON, and the projections of it that queries and indexes use."""
    request = job.request
    return {
        "id": job.id,
        "state": job.state.value,
        "task_id": job.task_id,
        "model": request.model,
        "resolution": _effective_resolution(request),
        "prompt": request.prompt or "",
        "negative_prompt": request.negative_prompt or "",
        "actual_prompt": job.actual_prompt or "",
        "created_ts": _epoch(job.created_at),
        "updated_ts": _epoch(job.updated_at),
        "submitted_ts": _epoch(job.submitted_at),
        "finished_ts": _epoch(job.finished_at),
        "parent_job_id": job.parent_job_id,
        "video_seconds": job.video_seconds,
        "data": json.dumps(job_to_dict(job), ensure_ascii=False, separators=(",", ":")),
    }


def _job(data: str) -> Job:
    return job_from_dict(json.loads(data))


def _effective_resolution(request: GenerationRequest) -> str:
    if request.resolution:
        return request.resolution
    spec = find_model(request.model)
    return spec.default_resolution if spec else ""
