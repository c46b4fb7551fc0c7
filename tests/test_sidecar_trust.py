"""Planted sidecars (issue 9 items 2 and 3): a note in the library folder is untrusted input.

Each case plants a note in a temporary library, runs what reads notes (rebuild, the Library's scan, import,
the downloader, the trash list), and checks that nothing sendable is restored, that the bad note is reported
by name with a sentence, and that a file outside the library is byte-identical afterwards.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wan_desktop import commands
from wan_desktop.core import history
from wan_desktop.core.dashscope.transfer import DownloadResult
from wan_desktop.core.downloader import DownloadStatus, fetch_video
from wan_desktop.core.jobs import FINAL_STATES, JobState
from wan_desktop.core.library import Library, SidecarError, UnsafePath
from wan_desktop.core.settings import Settings
from wan_desktop.core.store import JobStore

STEM = "2026-11-26_14-03-22_a-fox_ab12cd34"
SECRET = b"the person's own file, not the app's\n"


@pytest.fixture
def library(tmp_path) -> Library:
    lib = Library(tmp_path / "lib")
    lib.root.mkdir()
    return lib


@pytest.fixture
def outside(tmp_path) -> Path:
    path = tmp_path / "outside" / "precious.mp4"
    path.parent.mkdir()
    path.write_bytes(SECRET)
    return path


def note(state="done", **fields) -> dict:
    job = {
        "id": "ab12cd34-0000-4000-8000-000000000001",
        "request": {"model": "wan2.6-i2v-flash", "prompt": "a fox", "first_frame": ".wan-desktop/inputs/a.png"},
        "state": state,
        "created_at": "2026-11-26T14:03:22+00:00",
        "updated_at": "2026-11-26T14:08:22+00:00",
        "region": "ap-southeast-1",
    }
    request = fields.pop("request", {})
    job["request"].update(request)
    job.update(fields)
    return {"format": "wan-desktop-job", "version": 1, "job": job}


def plant(library: Library, data, name: str = f"{STEM}.json") -> Path:
    path = library.root / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def rebuild(library: Library, home: Path) -> list:
    """What `wan-desktop library rebuild` stores."""
    commands._rebuild(home, Settings(library_dir=library.root))
    with JobStore(home / "jobs.sqlite3") as store:
        return store.jobs()


def refused(library: Library, path: Path, words: str) -> None:
    scan = library.scan_sidecars()
    assert scan.jobs == ()
    assert [problem.path for problem in scan.problems] == [path]
    assert path.name in scan.problems[0].message and words in scan.problems[0].message
    with pytest.raises(SidecarError, match=words):
        library.read_sidecar(path)


@pytest.mark.parametrize("state", sorted(s.value for s in JobState if s not in FINAL_STATES))
def test_a_note_of_an_unfinished_job_is_never_restored(library, tmp_path, state):
    path = plant(library, note(state, task_id="t-1", video_url="https://example.invalid/v.mp4"))
    refused(library, path, "not finished")
    assert rebuild(library, tmp_path / "home") == []


def test_finished_notes_are_restored_and_never_queue_anything(library, tmp_path):
    for number, state in enumerate(sorted(s.value for s in FINAL_STATES)):
        body = note(state)
        body["job"]["id"] = f"job-{number}"
        plant(library, body, name=f"{STEM[:-8]}{number:08d}.json")
    jobs = rebuild(library, tmp_path / "home")
    assert sorted(job.state.value for job in jobs) == sorted(s.value for s in FINAL_STATES)
    assert all(job.state.is_final for job in jobs)


def test_a_first_frame_outside_the_inputs_folder_is_refused(library, outside, tmp_path):
    path = plant(library, note("failed", request={"first_frame": str(outside)}))
    refused(library, path, "first frame is unsafe")
    assert rebuild(library, tmp_path / "home") == []
    (library.root / "sub").mkdir()
    plant(library, note("failed", request={"first_frame": "../outside/precious.mp4"}), name=f"sub/{STEM}.json")
    assert library.scan_sidecars().jobs == ()
    assert outside.read_bytes() == SECRET


@pytest.mark.parametrize("field", ["video_path", "thumbnail_path"])
def test_a_file_path_outside_the_library_is_refused(library, outside, tmp_path, field):
    path = plant(library, note("done", **{field: str(outside)}))
    refused(library, path, f"{field.replace('_', ' ')} is unsafe")
    climbing = plant(library, note("done", **{field: "../../outside/precious.mp4"}))
    assert climbing == path and library.scan_sidecars().jobs == ()
    assert "'..'" in library.scan_sidecars().problems[0].message
    assert rebuild(library, tmp_path / "home") == []
    assert outside.read_bytes() == SECRET


def test_a_symlinked_video_leading_out_is_refused(library, outside, tmp_path):
    (library.root / f"{STEM}.mp4").symlink_to(outside)
    path = plant(library, note("done", video_path=f"{STEM}.mp4"))
    refused(library, path, "leads outside")
    assert rebuild(library, tmp_path / "home") == []
    assert outside.read_bytes() == SECRET


def test_a_symlinked_note_leading_out_is_not_read(library, tmp_path):
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(note("done")))
    (library.root / f"{STEM}.json").symlink_to(elsewhere)
    scan = library.scan_sidecars()
    assert scan.jobs == () and "outside the library" in scan.problems[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_named_like_a_note_does_not_hang(library, tmp_path):
    os.mkfifo(library.root / "x.json")
    os.mkfifo(library.root / f"{STEM}.json")
    scan = library.scan_sidecars()  # before the fix this blocked forever in open()
    assert scan.jobs == ()
    assert [problem.path.name for problem in scan.problems] == [f"{STEM}.json"]
    assert "not a regular file" in scan.problems[0].message
    assert rebuild(library, tmp_path / "home") == []


def test_deep_nesting_is_refused_without_recursion_error(library):
    deep = '{"format": "wan-desktop-job", "version": 1, "job": ' + "[" * 100_000 + "]" * 100_000 + "}"
    refused(library, plant(library, deep), "nested more than")


def test_an_oversized_note_is_refused(library):
    refused(library, plant(library, '{"format": "wan-desktop-job", "pad": "' + "x" * (2 << 20) + '"}'), "larger")


@pytest.mark.parametrize("version", [None, [1], "1", True, 0, 1.5])
def test_a_version_that_is_not_a_number_is_refused_with_a_sentence(library, version):
    body = note("done")
    body["version"] = version
    refused(library, plant(library, body), "version")


@pytest.mark.parametrize(
    "change,field",
    [
        ({"id": 12345}, "'id'"),
        ({"request": {"prompt": 42}}, "'request.prompt'"),
        ({"request": {"model": None}}, "'request.model'"),
        ({"favourite": "yes"}, "'favourite'"),
        ({"cost": True}, "'cost'"),
        ({"bytes_total": 1e400}, "'bytes_total'"),
        ({"created_at": "yesterday"}, "'created_at'"),
        ({"state": "paid-twice"}, "'state'"),
        ({"usage": {"duration": "5"}}, "'usage.duration'"),
        ({"request_ids": "r-1"}, "'request_ids'"),
    ],
)
def test_a_field_of_the_wrong_type_is_named(library, change, field):
    body = note("done")
    for name, value in change.items():
        if name == "request":
            body["job"]["request"].update(value)
        else:
            body["job"][name] = value
    refused(library, plant(library, body), field)


def test_import_never_adds_a_sendable_job(library, tmp_path):
    folder = library.root / "found"
    folder.mkdir()
    plant(Library(folder), note("queued"))
    plant(Library(folder), note("done", video_path="../../../outside.mp4"), name=f"{STEM[:-8]}00000002.json")
    scan = history.sidecars_to_import(library, folder)
    assert scan.jobs == () and len(scan.problems) == 2
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        report = history.import_folder(store, library, folder, lambda jobs: pytest.fail("nothing to add"))
    assert report.added == () and "not finished" in report.message


# -- the database side: recorded paths are confined too ------------------------------------------------------
def done_job(library: Library, **paths):
    from tests.test_store import make_job

    job = make_job(1, state=JobState.DONE)
    return replace(job, **paths)


def test_recorded_paths_that_escape_fall_back_to_the_apps_own_names(library, outside):
    job = done_job(library, video_path=str(outside), thumbnail_path="../../x.jpg", sidecar_path="/etc/passwd")
    stem = library.stem_for(job)
    assert library.video_path(job) == library.root / f"{stem}.mp4"
    assert library.thumbnail_path(job) == library.root / f"{stem}.jpg"
    assert library.sidecar_path(job) == library.root / f"{stem}.json"
    with pytest.raises(UnsafePath, match="climbs out"):
        library.confined("a/../../b")
    assert library.confined(str(library.inputs_dir / "a.png"), within=library.inputs_dir).name == "a.png"


def test_the_trash_list_holds_only_this_jobs_files_inside_the_library(library, outside):
    job = done_job(library, video_path=str(outside))
    assert history.job_files(job, library) == []
    stem = library.stem_for(job)
    (library.root / f"{stem}.mp4").write_bytes(b"ours")
    (library.root / f"{stem}.json").write_text('{"name": "a note of someone else"}')
    assert history.job_files(job, library) == [library.root / f"{stem}.mp4"]
    library.write_sidecar(job)  # someone else's .json keeps its name; ours takes a free one
    assert json.loads((library.root / f"{stem}.json").read_text()) == {"name": "a note of someone else"}
    assert outside.read_bytes() == SECRET


class FakeClient:
    """Writes a real video into whatever file it is given, and remembers where."""

    def __init__(self, video: bytes) -> None:
        self.video = video
        self.written: list[Path] = []

    def download(self, url, dest, *, offset=0, on_progress=None, should_stop=None):
        Path(dest).write_bytes(self.video)
        self.written.append(Path(dest))
        return DownloadResult(len(self.video), len(self.video), True)


@pytest.fixture(scope="module")
def small_video(tmp_path_factory) -> bytes:
    from tests.test_history import encode_mp4

    return encode_mp4(tmp_path_factory.mktemp("video") / "v.mp4", seconds=1.0).read_bytes()


def succeeded(library: Library, **paths):
    from tests.test_store import make_job

    job = make_job(2, state=JobState.DOWNLOADING, video_url="https://example.invalid/v.mp4", task_id="t")
    job = replace(job, request=replace(job.request, duration=1), **paths)
    return job


def test_a_download_never_lands_outside_even_if_the_journal_says_so(library, outside, small_video):
    job = succeeded(library, video_path=str(outside), thumbnail_path=str(outside.with_suffix(".jpg")))
    outside.with_suffix(".jpg").write_bytes(SECRET)
    client = FakeClient(small_video)
    outcome = fetch_video(job, client, library, threading.Event())
    assert outcome.status is DownloadStatus.SAVED, outcome.message
    assert library.is_inside(outcome.video_path) and library.is_inside(outcome.thumbnail_path)
    assert all(library.is_inside(path) for path in client.written)
    assert outside.read_bytes() == SECRET and outside.with_suffix(".jpg").read_bytes() == SECRET


def test_a_file_already_at_the_videos_name_is_kept_and_the_video_takes_a_free_name(library, small_video):
    job = succeeded(library)
    theirs = library.video_path(job)
    theirs.write_bytes(SECRET)  # not a video: before the fix it was "checked", found damaged and deleted
    picture = theirs.with_suffix(".jpg")
    picture.write_bytes(SECRET)
    outcome = fetch_video(job, FakeClient(small_video), library, threading.Event())
    assert outcome.status is DownloadStatus.SAVED, outcome.message
    assert theirs.read_bytes() == SECRET and picture.read_bytes() == SECRET
    assert outcome.video_path.name == f"{theirs.stem} (2).mp4"
    assert outcome.thumbnail_path.name == f"{theirs.stem} (2).jpg"
    assert outcome.sidecar_path.name == f"{theirs.stem} (2).json"


def test_a_picture_at_the_thumbnails_name_is_kept(library, small_video):
    job = succeeded(library)
    picture = library.video_path(job).with_suffix(".jpg")
    picture.write_bytes(SECRET)
    outcome = fetch_video(job, FakeClient(small_video), library, threading.Event())
    assert outcome.status is DownloadStatus.SAVED and outcome.video_path == library.video_path(job)
    assert picture.read_bytes() == SECRET and outcome.thumbnail_path.name.endswith(".thumb.jpg")


def test_a_symlinked_part_is_never_written_through(library, outside, small_video):
    job = succeeded(library)
    library.part_path(job).symlink_to(outside)
    client = FakeClient(small_video)
    outcome = fetch_video(job, client, library, threading.Event())
    assert outcome.status is DownloadStatus.SAVED and client.written[0].name.endswith(" (2).mp4.part")
    assert outside.read_bytes() == SECRET


def test_datetimes_out_of_range_are_refused(library):
    body = note("done", created_at=datetime(1, 1, 1, tzinfo=UTC).isoformat())
    refused(library, plant(library, body), "'created_at'")


def test_the_kept_mark_round_trips_when_the_job_has_it(library):
    """Job gains `kept: bool | None` in the engine's work; the codec follows dataclasses.fields."""
    from dataclasses import fields

    from wan_desktop.core.job_codec import CodecError, job_from_dict, job_to_dict
    from wan_desktop.core.jobs import Job

    if "kept" not in {f.name for f in fields(Job)}:
        pytest.skip("Job has no kept field on this branch yet")
    job = done_job(library)
    assert job_from_dict(job_to_dict(job)).kept is None  # absent in old rows: the default
    for value in (True, False, None):
        assert job_from_dict(job_to_dict(replace(job, kept=value))).kept is value
    with pytest.raises(CodecError, match="'kept'"):
        job_from_dict(job_to_dict(job) | {"kept": "yes"})
