"""The job database's schema, as ordered migrations (the store runs them, after a backup, on open)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable


def _v1_jobs(conn: sqlite3.Connection) -> None:
    # The full job lives in `data` (JSON); the other columns are projections of it for queries and indexes.
    conn.execute(
        """CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            task_id TEXT,
            model TEXT NOT NULL,
            resolution TEXT NOT NULL,
            prompt TEXT NOT NULL DEFAULT '',
            negative_prompt TEXT NOT NULL DEFAULT '',
            actual_prompt TEXT NOT NULL DEFAULT '',
            created_ts REAL NOT NULL,
            updated_ts REAL NOT NULL,
            submitted_ts REAL,
            finished_ts REAL,
            parent_job_id TEXT,
            data TEXT NOT NULL
        )"""
    )
    conn.execute("CREATE INDEX jobs_by_state ON jobs(state, created_ts)")
    conn.execute("CREATE INDEX jobs_by_created ON jobs(created_ts)")
    conn.execute("CREATE INDEX jobs_typical ON jobs(model, resolution, state, finished_ts)")
    # Every task id a job ever had (a retry gets a new one): the reconciliation must know all tasks we own.
    conn.execute("CREATE TABLE job_tasks (task_id TEXT PRIMARY KEY, job_id TEXT NOT NULL)")
    conn.execute("CREATE INDEX job_tasks_by_job ON job_tasks(job_id)")


def _v2_search(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE VIRTUAL TABLE jobs_fts USING fts5(
            prompt, negative_prompt, actual_prompt, content='jobs', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2')"""
    )
    conn.execute(
        """CREATE TRIGGER jobs_fts_insert AFTER INSERT ON jobs BEGIN
            INSERT INTO jobs_fts(rowid, prompt, negative_prompt, actual_prompt)
            VALUES (new.rowid, new.prompt, new.negative_prompt, new.actual_prompt);
        END"""
    )
    conn.execute(
        """CREATE TRIGGER jobs_fts_delete AFTER DELETE ON jobs BEGIN
            INSERT INTO jobs_fts(jobs_fts, rowid, prompt, negative_prompt, actual_prompt)
            VALUES ('delete', old.rowid, old.prompt, old.negative_prompt, old.actual_prompt);
        END"""
    )
    conn.execute(
        """CREATE TRIGGER jobs_fts_update AFTER UPDATE OF prompt, negative_prompt, actual_prompt ON jobs BEGIN
            INSERT INTO jobs_fts(jobs_fts, rowid, prompt, negative_prompt, actual_prompt)
            VALUES ('delete', old.rowid, old.prompt, old.negative_prompt, old.actual_prompt);
            INSERT INTO jobs_fts(rowid, prompt, negative_prompt, actual_prompt)
            VALUES (new.rowid, new.prompt, new.negative_prompt, new.actual_prompt);
        END"""
    )
    conn.execute("INSERT INTO jobs_fts(jobs_fts) VALUES ('rebuild')")  # index rows made before v2


def _v3_video_seconds(conn: sqlite3.Connection) -> None:
    # Job.video_seconds is the one rule of a video's length; SQL reads this projection of it.
    from wan_desktop.core.store import job_from_dict  # the store is loaded by the time it migrates

    conn.execute("ALTER TABLE jobs ADD COLUMN video_seconds REAL")
    rows = conn.execute("SELECT id, data FROM jobs").fetchall()
    for job_id, data in rows:
        try:
            seconds = job_from_dict(json.loads(data)).video_seconds
        except (ValueError, KeyError, TypeError):
            continue  # a row that is not a job keeps no length; reading it fails the same way as before
        conn.execute("UPDATE jobs SET video_seconds = ? WHERE id = ?", (seconds, job_id))


def _v4_money(conn: sqlite3.Connection) -> None:
    # The spend ledger: one entry per job attempt that reached an end (task_id '' when no task was made).
    # `amount` is what the service charged (NULL: charged, but no price was known); `counted` is what the
    # budget counts (demo jobs cost nothing yet count, so budgets can be tried in demo mode).
    conn.execute(
        """CREATE TABLE ledger (
            job_id TEXT NOT NULL,
            task_id TEXT NOT NULL DEFAULT '',
            day TEXT NOT NULL,
            month TEXT NOT NULL,
            state TEXT NOT NULL,
            model TEXT NOT NULL,
            region TEXT NOT NULL,
            resolution TEXT NOT NULL,
            currency TEXT NOT NULL,
            price_date TEXT,
            per_second REAL,
            input_per_second REAL,
            output_seconds REAL NOT NULL DEFAULT 0,
            input_seconds REAL NOT NULL DEFAULT 0,
            amount REAL,
            counted REAL NOT NULL DEFAULT 0,
            charged INTEGER NOT NULL,
            reason TEXT NOT NULL,
            project TEXT,
            PRIMARY KEY (job_id, task_id)
        )"""
    )
    conn.execute("CREATE INDEX ledger_by_day ON ledger(currency, day)")
    conn.execute("CREATE INDEX ledger_by_month ON ledger(currency, month)")
    # What jobs sent and not finished yet are expected to cost, written with the claim that sends them.
    conn.execute(
        """CREATE TABLE spend_in_flight (
            job_id TEXT PRIMARY KEY, day TEXT NOT NULL, month TEXT NOT NULL, currency TEXT NOT NULL,
            amount REAL NOT NULL)"""
    )
    conn.execute(
        """CREATE TABLE budgets (
            currency TEXT PRIMARY KEY, daily REAL, monthly REAL, confirm_over REAL)"""
    )
    # Small facts of the money side: the latest wall time seen (a clock that moves back does not reopen a
    # day) and the cap notices already given.
    conn.execute("CREATE TABLE money_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def _v5_storyboards(conn: sqlite3.Connection) -> None:
    # Storyboards (issue 12): the whole board as strict JSON (core/storyboard/codec.py); jobs stay untouched.
    conn.execute(
        """CREATE TABLE storyboards (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            updated_ts REAL NOT NULL,
            data TEXT NOT NULL
        )"""
    )


def _v6_substring_search(conn: sqlite3.Connection) -> None:
    # Chinese prompts have no spaces, so unicode61 holds a whole sentence as one word and "日落" never matches
    # "山后的日落很美". A trigram index finds any run of three characters or more (search_text.py says which
    # words use which index); FTS5's trigram tokenizer needs SQLite 3.34, which every Python 3.11 build has.
    conn.execute(
        """CREATE VIRTUAL TABLE jobs_trigram USING fts5(
            prompt, negative_prompt, actual_prompt, content='jobs', content_rowid='rowid', tokenize='trigram')"""
    )
    columns = "prompt, negative_prompt, actual_prompt"
    new = "new.prompt, new.negative_prompt, new.actual_prompt"
    old = "old.prompt, old.negative_prompt, old.actual_prompt"
    insert = f"INSERT INTO jobs_trigram(rowid, {columns}) VALUES (new.rowid, {new});"
    delete = f"INSERT INTO jobs_trigram(jobs_trigram, rowid, {columns}) VALUES ('delete', old.rowid, {old});"
    conn.execute(f"CREATE TRIGGER jobs_trigram_insert AFTER INSERT ON jobs BEGIN {insert} END")
    conn.execute(f"CREATE TRIGGER jobs_trigram_delete AFTER DELETE ON jobs BEGIN {delete} END")
    conn.execute(f"CREATE TRIGGER jobs_trigram_update AFTER UPDATE OF {columns} ON jobs BEGIN {delete} {insert} END")
    conn.execute("INSERT INTO jobs_trigram(jobs_trigram) VALUES ('rebuild')")  # index rows made before v6


# Ordered: MIGRATIONS[n] takes a database from version n to n + 1. Append only; never edit a released one.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v1_jobs,
    _v2_search,
    _v3_video_seconds,
    _v4_money,
    _v5_storyboards,
    _v6_substring_search,
)
SCHEMA_VERSION = len(MIGRATIONS)
