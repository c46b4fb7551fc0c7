"""The job journal on real SQLite files, including full and read-only disks (real tmpfs mounts)."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.disks import mount_tmpfs, remount, unmount
from wan_desktop.core.dashscope.types import GenerationRequest, ShotType
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.store import (
    SCHEMA_VERSION,
    CorruptDatabaseError,
    DiskFullError,
    JobReader,
    JobStore,
    LockedError,
    ReadOnlyError,
    StoreError,
    job_from_dict,
    job_to_dict,
)

T0 = datetime(2026, 11, 26, 14, 3, 22, tzinfo=UTC)


def make_job(number=0, prompt="a fox running in snow", state=JobState.QUEUED, **changes):
    created = T0 + timedelta(minutes=number)
    job = Job(
        id=f"{number:08d}-{uuid.uuid4().hex[:8]}",
        request=GenerationRequest(model="wan2.6-i2v-flash", first_frame="/lib/.wan/inputs/a.png", prompt=prompt),
        state=state,
        created_at=created,
        updated_at=created,
        region="ap-southeast-1",
    )
    return replace(job, **changes)


def full_job() -> Job:
    """A job with every field away from its default, so a lost field shows."""
    cet = timezone(timedelta(hours=1))
    return Job(
        id="ab12cd34-0000-4000-8000-000000000001",
        request=GenerationRequest(
            model="wan2.6-i2v",
            first_frame="inputs/3f/first.png",
            prompt="ein Fuchs läuft im Schnee 🦊",
            negative_prompt="blur",
            last_frame="inputs/last.png",
            audio="inputs/voice.mp3",
            first_clip="inputs/clip.mp4",
            resolution="720P",
            duration=10,
            seed=42,
            prompt_extend=False,
            watermark=True,
            audio_enabled=False,
            shot_type=ShotType.MULTI,
            template="squish",
        ),
        state=JobState.DONE,
        created_at=T0,
        updated_at=T0 + timedelta(seconds=300),
        region="cn-beijing",
        task_id="task-1",
        request_ids=("req-1", "req-2"),
        submit_started_at=T0 + timedelta(seconds=1),
        submitted_at=datetime(2026, 11, 26, 15, 3, 24, tzinfo=cet),
        scheduled_at=T0 + timedelta(seconds=3),
        finished_at=T0 + timedelta(seconds=200),
        video_url="https://example.invalid/v.mp4?Expires=1",
        orig_prompt="a fox",
        actual_prompt="a red fox running through deep snow",
        usage={"duration": 10, "SR": 720, "video_count": 1, "nested": {"a": [1, 2]}},
        cost=1.25,
        currency="CNY",
        error_code="X",
        error_message="Something to read.",
        error_detail="raw",
        video_path="2026-11-26_x.mp4",
        thumbnail_path="2026-11-26_x.jpg",
        sidecar_path="2026-11-26_x.json",
        bytes_downloaded=1000,
        bytes_total=1000,
        attempts=2,
        parent_job_id="parent",
        favourite=True,
        kept=False,
        project="storyboard:opening-night",
    )


@pytest.fixture
def store(tmp_path):
    with JobStore(tmp_path / "data" / "jobs.db") as opened:
        yield opened


def test_every_field_round_trips(store):
    job = full_job()
    other_time = T0 - timedelta(days=1)
    defaults = Job(
        id="x",
        request=GenerationRequest(model="m"),
        state=JobState.QUEUED,
        created_at=other_time,
        updated_at=other_time,
        region="r",
    )
    changed = {f.name for f in fields(Job) if getattr(job, f.name) != getattr(defaults, f.name)}
    assert changed == {f.name for f in fields(Job)}  # the fixture really exercises every field
    store.add(job)
    back = store.get(job.id)
    assert back == job
    assert back.submitted_at.utcoffset() == timedelta(hours=1)
    assert back.request.shot_type is ShotType.MULTI and back.state is JobState.DONE
    assert job_from_dict(job_to_dict(job)) == job


def test_the_database_is_configured_for_a_durable_journal(tmp_path):
    path = tmp_path / "jobs.db"
    JobStore(path).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


def test_saves_survive_reopening(tmp_path):
    path = tmp_path / "jobs.db"
    job = make_job(1)
    with JobStore(path) as first:
        first.add(job)
        first.save(job.moved_to(JobState.SUBMITTING))
    with JobStore(path) as second:
        assert second.get(job.id).state is JobState.SUBMITTING


def test_add_refuses_a_duplicate_and_save_upserts(store):
    job = make_job(1)
    store.add(job)
    with pytest.raises(ValueError, match="already exists"):
        store.add(job)
    store.save(replace(job, favourite=True))
    assert store.get(job.id).favourite
    other = make_job(2)
    store.save(other)  # save also inserts
    assert store.get(other.id) == other
    assert store.get("missing") is None


def test_jobs_oldest_first_and_filtered_by_state(store):
    late, early, middle = make_job(3), make_job(1, state=JobState.DONE), make_job(2, state=JobState.RUNNING)
    for job in (late, early, middle):
        store.add(job)
    assert [j.id for j in store.jobs()] == [early.id, middle.id, late.id]
    assert [j.id for j in store.jobs([JobState.RUNNING, JobState.QUEUED])] == [middle.id, late.id]
    assert store.jobs([]) == []


def test_delete(store):
    job = make_job(1, task_id="t-1")
    store.add(job)
    store.delete(job.id)
    assert store.get(job.id) is None and store.jobs() == []
    assert store.job_for_task("t-1") is None
    assert store.owned_task_ids() == {"t-1"}  # still ours: never to be adopted by another job


def test_task_ids_follow_retries(store):
    job = make_job(1, state=JobState.FAILED, task_id="first-task")
    store.add(job)
    retried = job.moved_to(JobState.QUEUED, task_id=None)
    store.save(retried)
    store.save(replace(retried, state=JobState.PENDING, task_id="second-task"))
    assert store.owned_task_ids() == {"first-task", "second-task"}
    assert store.job_for_task("first-task").id == job.id
    assert store.job_for_task("second-task").task_id == "second-task"
    assert store.job_for_task("nobody") is None


def test_typical_seconds_is_the_median_of_recent_done_jobs(store):
    assert store.typical_seconds("wan2.6-i2v-flash", "1080P") is None
    for number, seconds in enumerate([60, 90, 300, 75, 80]):
        submitted = T0 + timedelta(hours=number)
        store.add(
            make_job(
                number, state=JobState.DONE, submitted_at=submitted, finished_at=submitted + timedelta(seconds=seconds)
            )
        )
    # not counted: failed, other resolution, unfinished
    store.add(make_job(10, state=JobState.FAILED, submitted_at=T0, finished_at=T0 + timedelta(seconds=5)))
    store.add(
        make_job(
            11,
            state=JobState.DONE,
            request=GenerationRequest(model="wan2.6-i2v-flash", resolution="720P"),
            submitted_at=T0,
            finished_at=T0 + timedelta(seconds=7),
        )
    )
    store.add(make_job(12, state=JobState.RUNNING, submitted_at=T0))
    assert store.typical_seconds("wan2.6-i2v-flash", "1080P") == 80  # default resolution of the model
    assert store.typical_seconds("wan2.6-i2v-flash", "720P") == 7
    assert store.typical_seconds("wan2.2-i2v-plus", "1080P") is None


def test_typical_seconds_uses_only_the_last_twenty(store):
    for number in range(25):
        submitted = T0 + timedelta(hours=number)
        seconds = 1000 if number < 5 else 50  # the five oldest were slow
        store.add(
            make_job(
                number, state=JobState.DONE, submitted_at=submitted, finished_at=submitted + timedelta(seconds=seconds)
            )
        )
    assert store.typical_seconds("wan2.6-i2v-flash", "1080P") == 50


def test_search_over_all_prompts(store):
    fox = make_job(1, prompt="A fox running in snow")
    cat = make_job(2, prompt="a cat", actual_prompt="a ginger cat on a sofa near a fox-shaped pillow")
    neg = make_job(
        3,
        prompt="dancing",
        request=GenerationRequest(model="wan2.6-i2v", prompt="dancing", negative_prompt="no snowflakes"),
    )
    accent = make_job(4, prompt="Café au lait")
    for job in (fox, cat, neg, accent):
        store.add(job)
    assert [j.id for j in store.search("fox")] == [cat.id, fox.id]  # newest first
    assert [j.id for j in store.search("snow")] == [neg.id, fox.id]  # word prefixes match
    assert [j.id for j in store.search("fox snow")] == [fox.id]
    assert [j.id for j in store.search("cafe")] == [accent.id]
    assert store.search("") == [] and store.search("   ") == []
    assert store.search('"unbalanced AND OR (') == []  # search syntax in the text is taken literally
    assert len(store.search("fox", limit=1)) == 1


def test_search_follows_updates_and_deletes(store):
    job = make_job(1, prompt="old words")
    store.add(job)
    store.save(replace(job, actual_prompt="brand new description"))
    assert [j.id for j in store.search("brand")] == [job.id]
    store.save(replace(job, request=replace(job.request, prompt="changed")))
    assert store.search("old") == []
    store.delete(job.id)
    assert store.search("brand") == []


def test_threads_share_one_store(store):
    errors = []

    def writer(base):
        try:
            for number in range(base, base + 25):
                store.save(make_job(number))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(base,), name=f"writer-{base}") for base in (0, 100, 200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(store.jobs()) == 75


def test_closed_store_says_so(tmp_path):
    closed = JobStore(tmp_path / "jobs.db")
    closed.close()
    closed.close()  # twice is fine
    with pytest.raises(StoreError, match="closed"):
        closed.jobs()


# -- migrations ---------------------------------------------------------------------------------------------
def make_v1_database(path, **changes):
    """What the first released schema looked like, with a job in it."""
    from wan_desktop.core.store import MIGRATIONS, job_to_dict

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    job = make_job(1, prompt="kept through the upgrade", **changes)
    import json

    conn.execute(
        "INSERT INTO jobs (id, state, model, resolution, prompt, created_ts, updated_ts, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            job.id,
            job.state.value,
            job.request.model,
            "1080P",
            job.request.prompt,
            job.created_at.timestamp(),
            job.updated_at.timestamp(),
            json.dumps(job_to_dict(job)),
        ),
    )
    conn.close()
    return job


def test_migration_keeps_a_backup_and_the_jobs(tmp_path):
    path = tmp_path / "jobs.db"
    job = make_v1_database(path)
    with JobStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.get(job.id) == job
        assert [j.id for j in store.search("upgrade")] == [job.id]  # rows made before the index exist
    backup = tmp_path / "jobs.db.v1.bak"
    assert backup.exists()
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT id FROM jobs").fetchall() == [(job.id,)]
    finally:
        conn.close()


def test_migration_v3_fills_the_video_length_column_from_each_job(tmp_path):
    path = tmp_path / "jobs.db"
    job = make_v1_database(path, usage={"duration": 5})
    with JobStore(path) as store:
        assert store.history_rows("SELECT video_seconds FROM jobs WHERE id = ?", (job.id,)) == [(5.0,)]
        made = replace(make_job(2), usage={"output_video_duration": 3})
        store.save(made)  # every write keeps the column in step with Job.video_seconds
        assert store.history_rows("SELECT video_seconds FROM jobs WHERE id = ?", (made.id,)) == [(3.0,)]


def test_kept_defaults_to_unmarked_when_absent(store):
    data = job_to_dict(make_job(1))
    del data["kept"]
    assert job_from_dict(data).kept is None


def test_the_reader_reads_and_cannot_write(tmp_path):
    path = tmp_path / "jobs.db"
    with JobStore(path) as store:
        job = make_job(1)
        store.add(job)
    with JobReader(path) as reader:
        assert reader.get(job.id) == job and [j.id for j in reader.search("fox")] == [job.id]
        assert not hasattr(reader, "save") and not hasattr(reader, "claim")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader._connection().execute("DELETE FROM jobs")  # the connection itself refuses


def test_claim_succeeds_once_and_only_from_queued(tmp_path):
    path = tmp_path / "jobs.db"
    with JobStore(path) as first, JobStore(path) as second:
        job = make_job(1)
        first.add(job)
        sending = job.moved_to(JobState.SUBMITTING)
        assert first.claim(sending) is True
        assert second.claim(sending) is False  # the row is no longer queued: the second writer must not send
        assert second.get(job.id).state is JobState.SUBMITTING
        assert first.claim(make_job(2).moved_to(JobState.SUBMITTING)) is False  # no row at all


def test_a_fresh_database_needs_no_backup(tmp_path):
    JobStore(tmp_path / "jobs.db").close()
    assert sorted(p.name for p in tmp_path.iterdir() if ".bak" in p.name) == []


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "jobs.db"
    JobStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer Wan Desktop") as caught:
        JobStore(path)
    assert "Update Wan Desktop" in caught.value.explanation


# -- a damaged file -----------------------------------------------------------------------------------------
def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "jobs.db"
    path.write_bytes(b"this is not sqlite at all, just text " * 200)
    with pytest.raises(CorruptDatabaseError) as caught:
        JobStore(path)
    assert "rebuilt" in caught.value.explanation and str(path) in caught.value.explanation
    moved = JobStore.set_aside(path)
    assert not path.exists() and moved.exists()
    with JobStore(path) as fresh:  # a fresh start is possible afterwards
        assert fresh.jobs() == []


def test_a_damaged_page_is_reported(tmp_path):
    path = tmp_path / "jobs.db"
    with JobStore(path) as store:
        for number in range(40):
            store.add(make_job(number, prompt="x" * 2000))
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, len(data), 4096):  # scramble every page after the first two
        data[offset : offset + 64] = os.urandom(64)
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptDatabaseError):
        with JobStore(path) as store:
            store.jobs()


# -- the environment: locked, full, read-only ---------------------------------------------------------------
def test_a_database_locked_by_another_program(tmp_path, monkeypatch):
    import wan_desktop.core.store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "jobs.db"
    store = JobStore(path)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        with pytest.raises(LockedError) as caught:
            store.save(make_job(1))
        assert "another program" in caught.value.explanation
        other.execute("ROLLBACK")
        store.save(make_job(1))  # released: writing works again
    finally:
        other.close()
        store.close()


@pytest.fixture
def small_disk(tmp_path):
    """A real 512 KiB file system, so SQLite meets a real ENOSPC (the empty schema's WAL, with two search
    indexes, takes about 210 KiB of it)."""
    folder = tmp_path / "small"
    mount_tmpfs(folder, "512k")
    yield folder
    unmount(folder)


@pytest.fixture
def read_only_disk(tmp_path):
    """A real read-only mount (root ignores chmod, so permissions alone would prove nothing in CI)."""
    folder = tmp_path / "ro"
    mount_tmpfs(folder, "1m")
    yield folder
    unmount(folder)


def _remount_read_only(folder):
    remount(folder, "ro")


def fill(path):
    """Take every free block of the file system ``path`` is on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as error:
        assert error.errno == 28  # ENOSPC: the disk is full now
    finally:
        os.close(fd)


def test_a_full_disk_is_reported_and_nothing_is_lost(small_disk):
    store = JobStore(small_disk / "jobs.db")
    try:
        kept = make_job(0)
        store.add(kept)
        filler = small_disk / "filler"
        fill(filler)
        with pytest.raises(DiskFullError) as caught:
            for number in range(1, 200):
                store.add(make_job(number, prompt="p" * 4000))
        assert caught.value.explanation == (
            "The disk holding Wan Desktop's data is full. Free some space; nothing was lost, the app will retry."
        )
        assert store.get(kept.id) == kept
        filler.unlink()  # the person frees space: the retry succeeds
        later = make_job(500)
        store.save(later)
        assert store.get(later.id) == later
    finally:
        store.close()


def test_opening_in_a_read_only_folder(read_only_disk):
    _remount_read_only(read_only_disk)
    with pytest.raises(ReadOnlyError) as caught:
        JobStore(read_only_disk / "data" / "jobs.db")
    assert "read-only" in caught.value.explanation and str(read_only_disk) in caught.value.explanation


def test_opening_an_existing_database_on_a_read_only_disk(read_only_disk):
    path = read_only_disk / "jobs.db"
    JobStore(path).close()
    _remount_read_only(read_only_disk)
    with pytest.raises(ReadOnlyError):
        JobStore(path)


@pytest.mark.parametrize(
    "message,kind",
    [
        ("database or disk is full", DiskFullError),
        ("attempt to write a readonly database", ReadOnlyError),
        ("database is locked", LockedError),
        ("file is not a database", CorruptDatabaseError),
        ("database disk image is malformed", CorruptDatabaseError),
    ],
)
def test_sqlite_messages_map_to_errors_a_person_can_act_on(tmp_path, message, kind):
    """The message text decides when SQLite gives no error name (older Pythons, wrapped errors)."""
    from wan_desktop.core.store import _translate

    error = _translate(sqlite3.OperationalError(message), tmp_path / "jobs.db")
    assert type(error) is kind
    assert error.explanation.endswith(".") and error.detail == message
