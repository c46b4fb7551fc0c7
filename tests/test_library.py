"""The library folder: names, inputs, sidecars, rebuilding the history from the folder, atomic writes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from test_store import full_job, make_job

from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.jobs import JobState
from wan_desktop.core.library import Library, atomic_write_bytes, atomic_write_text, slugify
from wan_desktop.core.store import JobStore


@pytest.fixture
def berlin():
    """Local time matters for file names; pin it (and put it back)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def fox_job(**changes):
    job = make_job(0, prompt="A fox running in snow!")
    return replace(job, id="ab12cd34-5678-4000-8000-000000000000", **changes)


def test_stem_names_when_what_and_which(tmp_path, berlin):
    library = Library(tmp_path)
    # 14:03:22 UTC is 15:03:22 in Berlin in November
    assert library.stem_for(fox_job()) == "2026-11-26_15-03-22_a-fox-running-in-snow_ab12cd34"


@pytest.mark.parametrize(
    "prompt,slug",
    [
        ("", "video"),
        ("!!! ???", "video"),
        ("Ein Fuchs läuft über den Schnee", "ein-fuchs-lauft-uber-den-schnee"),
        ("一只狐狸在雪中奔跑", "一只狐狸在雪中奔跑"),
        ("slashes/and\\colons: are * not <allowed>", "slashes-and-colons-are-not-allowed"),
        ("a very long prompt that goes on and on about foxes in the snow", "a-very-long-prompt-that-goes-on-and-on"),
        ("x" * 60, "x" * 40),
    ],
)
def test_slugs(prompt, slug):
    assert slugify(prompt) == slug
    assert len(slug) <= 40


def test_files_of_a_job_sit_side_by_side(tmp_path, berlin):
    library = Library(tmp_path)
    job = fox_job()
    stem = library.stem_for(job)
    assert library.video_path(job) == tmp_path / f"{stem}.mp4"
    assert library.part_path(job) == tmp_path / f"{stem}.mp4.part"
    assert library.sidecar_path(job) == tmp_path / f"{stem}.json"
    assert library.thumbnail_path(job) == tmp_path / f"{stem}.jpg"
    assert library.inputs_dir.is_relative_to(tmp_path) and library.inputs_dir.parent.name.startswith(".")


def test_recorded_paths_win_over_the_naming_rule(tmp_path):
    library = Library(tmp_path)
    job = fox_job(video_path="2025/old-name.mp4", thumbnail_path="2025/old-name.jpg")
    assert library.video_path(job) == tmp_path / "2025" / "old-name.mp4"
    assert library.part_path(job) == tmp_path / "2025" / "old-name.mp4.part"
    assert library.sidecar_path(job) == tmp_path / "2025" / "old-name.json"
    assert library.thumbnail_path(job) == tmp_path / "2025" / "old-name.jpg"


def test_inputs_are_copied_once_by_content(tmp_path):
    library = Library(tmp_path / "lib")
    photo = tmp_path / "Photo.PNG"
    photo.write_bytes(b"picture bytes")
    first = library.copy_input("job-1", photo, "first_frame")
    assert first.parent == library.inputs_dir and first.suffix == ".png"
    assert first.read_bytes() == b"picture bytes"
    again = library.copy_input("job-2", photo, "last_frame")
    assert again == first
    other = tmp_path / "other.png"
    other.write_bytes(b"different bytes")
    assert library.copy_input("job-3", other, "first_frame") != first
    second = library.copy_input("j", other, "first_frame")
    assert sorted(p.name for p in library.inputs_dir.iterdir()) == sorted([first.name, second.name])
    photo.unlink()  # the original moves away: the job still has its copy
    assert first.read_bytes() == b"picture bytes"


def test_copying_a_missing_input_says_which(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape("The first frame 'gone.png' could not be found")):
        Library(tmp_path).copy_input("job", tmp_path / "gone.png", "first_frame")


def library_job(library, tmp_path):
    """A done job whose inputs were kept in the library."""
    source = tmp_path / "fox.png"
    source.write_bytes(b"fox")
    kept = library.copy_input("job", source, "first_frame")
    job = full_job()
    request = replace(
        job.request, first_frame=str(kept), last_frame="https://example.invalid/last.png", audio=None, first_clip=None
    )
    job = replace(job, request=request, video_path=None, thumbnail_path=None, sidecar_path=None)
    stem_paths = {
        "video_path": library.relative(library.video_path(job)),
        "thumbnail_path": library.relative(library.thumbnail_path(job)),
        "sidecar_path": library.relative(library.sidecar_path(job)),
    }
    return replace(job, **stem_paths)


def test_sidecar_round_trip_with_relative_paths(tmp_path):
    library = Library(tmp_path / "lib")
    job = library_job(library, tmp_path)
    path = library.write_sidecar(job)
    assert path == library.sidecar_path(job)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "wan-desktop-job" and data["version"] == 1
    assert data["job"]["request"]["first_frame"].startswith(".wan-desktop/inputs/")
    assert data["job"]["request"]["last_frame"] == "https://example.invalid/last.png"
    assert data["job"]["video_path"] == path.with_suffix(".mp4").name
    assert data["job"]["request"]["prompt"] == "ein Fuchs läuft im Schnee 🦊"  # readable, not escaped
    assert library.read_sidecar(path) == job
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".") and p.is_file()] == []


def test_a_sidecar_never_holds_a_key(tmp_path):
    """Fails the day someone adds a credential-like field to Job or its request."""
    library = Library(tmp_path)
    job = library_job(library, tmp_path)
    text = library.write_sidecar(job).read_text(encoding="utf-8")
    names = set()
    json.loads(text, object_pairs_hook=lambda pairs: names.update(name for name, _ in pairs) or dict(pairs))
    assert not {name for name in names if "key" in name.lower() or "secret" in name.lower()}


def test_a_moved_library_is_rerooted(tmp_path):
    library = Library(tmp_path / "lib")
    job = library_job(library, tmp_path)
    library.write_sidecar(job)
    library.video_path(job).write_bytes(b"video")
    shutil.move(tmp_path / "lib", tmp_path / "moved")
    moved = Library(tmp_path / "moved")
    [rebuilt] = moved.rebuild_jobs()
    assert rebuilt.request.first_frame.startswith(str(tmp_path / "moved" / ".wan-desktop" / "inputs"))
    assert os.path.exists(rebuilt.request.first_frame)
    assert moved.video_path(rebuilt).read_bytes() == b"video"
    assert replace(rebuilt, request=job.request) == job  # nothing else changed


def test_rebuild_finds_sidecars_in_subfolders_and_reports_broken_ones(tmp_path):
    library = Library(tmp_path)
    jobs = [make_job(n, prompt=f"clip {n}", state=JobState.DONE) for n in range(3)]
    # inputs live in the library's inputs folder (a note naming one elsewhere is refused: test_sidecar_trust)
    inside = str(library.inputs_dir / "a.png")
    jobs = [replace(job, request=replace(job.request, first_frame=inside)) for job in jobs]
    for job in jobs:
        library.write_sidecar(job)
    # the person tidies one video and its note into a folder of their own
    tidy = tmp_path / "holiday"
    tidy.mkdir()
    moved_sidecar = library.sidecar_path(jobs[1])
    (tmp_path / moved_sidecar.with_suffix(".mp4").name).write_bytes(b"v")
    shutil.move(moved_sidecar, tidy / moved_sidecar.name)
    shutil.move(moved_sidecar.with_suffix(".mp4"), tidy / moved_sidecar.with_suffix(".mp4").name)
    broken = tmp_path / "2026-11-26_10-00-00_broken_deadbeef.json"
    broken.write_text('{"format": "wan-desktop-job", "job": {"id": ')
    (tmp_path / "package.json").write_text('{"name": "not ours"}')  # someone else's JSON: ignored
    (library.app_dir / "cache").mkdir(parents=True)
    (library.app_dir / "cache" / "2026-11-26_10-00-00_x_y.json").write_text("{}")  # our own folder: skipped
    scan = library.scan_sidecars()
    assert [job.id for job in scan.jobs] == [job.id for job in jobs]  # oldest first
    assert scan.jobs[1].sidecar_path == f"holiday/{moved_sidecar.name}"
    assert scan.jobs[1].video_path == f"holiday/{moved_sidecar.with_suffix('.mp4').name}"
    assert [problem.path for problem in scan.problems] == [broken]
    assert "cannot be read" in scan.problems[0].message
    assert [job.id for job in library.rebuild_jobs()] == [job.id for job in jobs]


def test_the_store_can_be_rebuilt_from_sidecars(tmp_path):
    library = Library(tmp_path / "lib")
    job = library_job(library, tmp_path)
    library.write_sidecar(job)
    with JobStore(tmp_path / "fresh.db") as store:
        for rebuilt in library.rebuild_jobs():
            store.add(rebuilt)
        assert store.get(job.id) == job


@pytest.mark.parametrize(
    "content,words",
    [
        ("not json", "cannot be read"),
        ('{"format": "something-else"}', "not a Wan Desktop note"),
        ('{"format": "wan-desktop-job", "version": 99, "job": {}}', "newer Wan Desktop"),
        ('{"format": "wan-desktop-job", "version": 1, "job": {"id": "x"}}', "damaged"),
    ],
)
def test_reading_a_bad_sidecar_explains(tmp_path, content, words):
    path = tmp_path / "note.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=words):
        Library(tmp_path).read_sidecar(path)


def test_finalize_renames_the_part(tmp_path):
    library = Library(tmp_path)
    job = fox_job()
    part, final = library.part_path(job), library.video_path(job)
    part.write_bytes(b"complete video")
    library.finalize_video(part, final)
    assert final.read_bytes() == b"complete video" and not part.exists()


def test_atomic_write_replaces_whole_files(tmp_path):
    target = tmp_path / "deep" / "note.txt"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second ✓")
    assert target.read_text(encoding="utf-8") == "second ✓"
    assert sorted(p.name for p in target.parent.iterdir()) == ["note.txt"]


def test_atomic_write_on_a_full_disk_keeps_the_old_file(tmp_path):
    folder = tmp_path / "small"
    folder.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)]
    mounted = subprocess.run(command, capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {mounted.stderr.strip()}")
    try:
        target = folder / "note.json"
        atomic_write_bytes(target, b"old and whole")
        with pytest.raises(OSError) as caught:
            atomic_write_bytes(target, b"x" * 200_000)
        assert caught.value.errno == 28
        assert target.read_bytes() == b"old and whole"
        assert [p.name for p in folder.iterdir()] == ["note.json"]  # the temp file was cleaned up
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)


def test_a_job_made_in_another_time_zone_keeps_its_instant(tmp_path, berlin):
    library = Library(tmp_path)
    job = fox_job(created_at=datetime(2026, 6, 1, 23, 30, tzinfo=UTC))
    assert library.stem_for(job).startswith("2026-06-02_01-30-00_")  # summer time in Berlin


def test_empty_prompt_job_is_named_video(tmp_path):
    job = replace(fox_job(), request=GenerationRequest(model="wan2.2-i2v-flash", prompt=""))
    assert "_video_ab12cd34" in Library(tmp_path).stem_for(job)


def test_an_input_already_in_the_inputs_folder_is_not_copied_again(tmp_path):
    library = Library(tmp_path / "lib")
    library.inputs_dir.mkdir(parents=True)
    frame = library.inputs_dir / "last-frame-job1.png"
    frame.write_bytes(b"\x89PNG fake but present")
    assert library.copy_input("job2", frame, "first_frame") == frame
    assert sorted(p.name for p in library.inputs_dir.iterdir()) == ["last-frame-job1.png"]
