"""The history browser's core: gallery queries straight from SQLite, lineage, favourites, export, relink, import."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest
from PIL import Image

from wan_desktop.core import history
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.history import GalleryQuery, SortOrder
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobStore

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def encode_mp4(path: Path, seconds: float = 1.0, size=(64, 48), fps: int = 24) -> Path:
    """A small real H.264 MP4 whose frames brighten over time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        frames = round(seconds * fps)
        for index in range(frames):
            level = int(20 + 200 * index / max(1, frames - 1))
            frame = av.VideoFrame.from_image(Image.new("RGB", size, (level, level // 2, 255 - level)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def make_job(
    number: int,
    *,
    prompt: str = "",
    state: JobState = JobState.DONE,
    model: str = "wan2.6-i2v",
    resolution: str = "720P",
    parent: str | None = None,
    favourite: bool = False,
    **changes,
) -> Job:
    when = T0 + timedelta(hours=number)
    request = GenerationRequest(
        model=model, prompt=prompt or f"clip number {number}", resolution=resolution, first_frame="/nowhere/first.png"
    )
    return Job(
        id=f"job{number:05d}",
        request=request,
        state=state,
        created_at=when,
        updated_at=when,
        region="beijing",
        parent_job_id=parent,
        favourite=favourite,
        **changes,
    )


def finished(library: Library, job: Job, video: Path | None = None) -> Job:
    """The job as the engine leaves it: a video, thumbnail and sidecar in the library."""
    stem = library.stem_for(job)
    target = library.root / f"{stem}.mp4"
    if video is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(video.read_bytes())
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"not really a video")
    thumb = target.with_suffix(".jpg")
    Image.new("RGB", (32, 18), (200, 90, 20)).save(thumb)
    job = replace(job, state=JobState.DONE, video_path=library.relative(target), thumbnail_path=library.relative(thumb))
    library.write_sidecar(job)
    return replace(job, sidecar_path=library.relative(target.with_suffix(".json")))


@pytest.fixture
def store(tmp_path):
    with JobStore(tmp_path / "jobs.sqlite3") as opened:
        yield opened


@pytest.fixture
def library(tmp_path):
    return Library(tmp_path / "library")


def ids(items):
    return [item.job_id for item in items]


def test_everything_newest_first_with_tile_fields(store, library):
    done = finished(library, make_job(1, prompt="a fox in snow"))
    store.add(done)
    store.add(make_job(2, state=JobState.RUNNING))
    items = history.gallery_items(store, library)
    assert ids(items) == ["job00002", "job00001"]
    tile = items[1]
    assert tile.state is JobState.DONE and tile.model == "wan2.6-i2v" and tile.resolution == "720P"
    assert tile.duration == 5  # the model's default when the request left it out
    assert Path(tile.video).is_file() and Path(tile.thumbnail).is_file() and not tile.missing
    assert tile.has_video and not items[0].has_video


def test_search_reaches_prompt_negative_and_rewritten(store, library):
    store.add(make_job(1, prompt="a red fox running"))
    store.add(replace(make_job(2, prompt="a cat"), actual_prompt="a tabby cat beside a fox den"))
    negative = make_job(3, prompt="a dog")
    store.add(replace(negative, request=replace(negative.request, negative_prompt="no foxes")))
    store.add(make_job(4, prompt="an owl"))
    assert ids(history.gallery_items(store, library, GalleryQuery(text="fox"))) == ["job00003", "job00002", "job00001"]
    assert ids(history.gallery_items(store, library, GalleryQuery(text="fox run"))) == ["job00001"]
    assert ids(history.gallery_items(store, library, GalleryQuery(text='"OR" NEAR('))) == []  # literal, no crash


@pytest.mark.parametrize(
    "text,words", [("fox\x00", True), ("\x00", False), ("fox \ud800", True), ("\udfff\ud83e", False), ("fox\x1b", True)]
)
def test_search_text_with_a_nul_or_a_lone_surrogate_does_not_raise(store, library, text, words):
    store.add(make_job(1, prompt="a red fox running"))
    store.add(make_job(2, prompt="an owl"))
    # nothing searchable left: the gallery shows everything, as for empty text, and search finds nothing
    assert ids(history.gallery_items(store, library, GalleryQuery(text=text))) == (
        ["job00001"] if words else ["job00002", "job00001"]
    )
    assert [job.id for job in store.search(text)] == (["job00001"] if words else [])


def test_a_recorded_path_leading_out_of_the_library_is_not_shown(store, library, tmp_path):
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(b"x")
    store.add(make_job(1, video_path=str(outside), thumbnail_path="../../etc/passwd"))
    [item] = history.gallery_items(store, library)
    assert item.video is None and item.thumbnail is None and item.missing and not item.has_video


def test_filters_combine(store, library):
    store.add(make_job(1, model="wan2.7-i2v", resolution="1080P"))
    store.add(make_job(2, model="wan2.6-i2v", favourite=True))
    store.add(make_job(3, model="wan2.6-i2v", state=JobState.FAILED, resolution="480P"))
    store.add(make_job(30, model="wan2.6-i2v"))  # a day later
    query = GalleryQuery
    assert ids(history.gallery_items(store, library, query(models=frozenset({"wan2.7-i2v"})))) == ["job00001"]
    assert ids(history.gallery_items(store, library, query(favourites_only=True))) == ["job00002"]
    assert ids(history.gallery_items(store, library, query(states=frozenset({JobState.FAILED})))) == ["job00003"]
    assert ids(history.gallery_items(store, library, query(resolutions=frozenset({"480P", "1080P"})))) == [
        "job00003",
        "job00001",
    ]
    window = query(since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=4))
    assert ids(history.gallery_items(store, library, window)) == ["job00003", "job00002"]
    assert ids(history.gallery_items(store, library, query(sort=SortOrder.OLDEST))) == [
        "job00001",
        "job00002",
        "job00003",
        "job00030",
    ]
    assert history.filter_choices(store) == (["wan2.6-i2v", "wan2.7-i2v"], ["1080P", "480P", "720P"])


def test_a_missing_video_is_marked_not_hidden(store, library):
    job = finished(library, make_job(1))
    store.add(job)
    library.video_path(job).unlink()
    (item,) = history.gallery_items(store, library)
    assert item.missing and not item.has_video


def test_lineage_parent_children_and_sequence(store, library):
    root = finished(library, make_job(1))
    child = finished(library, make_job(2, parent=root.id))
    failed_child = make_job(3, parent=root.id, state=JobState.FAILED)
    grandchild = finished(library, make_job(4, parent=child.id))
    for job in (root, child, failed_child, grandchild):
        store.add(job)
    family = history.lineage(store, child.id)
    assert family.parent.id == root.id
    assert [job.id for job in family.children] == [grandchild.id]
    assert [job.id for job in family.sequence] == [root.id, child.id, grandchild.id]
    assert [job.id for job in history.lineage(store, root.id).children] == [child.id, failed_child.id]
    assert [p.name for p in history.sequence_videos(family, library)] == [
        library.video_path(job).name for job in (root, child, grandchild)
    ]


def test_lineage_survives_a_loop_in_damaged_data(store):
    store.add(make_job(1, parent="job00002"))
    store.add(make_job(2, parent="job00001"))
    family = history.lineage(store, "job00001")
    assert [job.id for job in family.ancestors] == ["job00002"]


def test_favourites_filter_reads_what_the_engine_saved(store, library):
    # favourite is set by the engine's command now (the one writer); the history only reads it
    store.add(make_job(1, favourite=True))
    store.add(make_job(2))
    assert ids(history.gallery_items(store, library, GalleryQuery(favourites_only=True))) == ["job00001"]
    assert not hasattr(history, "set_favourite") and not hasattr(history, "forget_job")


def test_export_copies_video_and_note_without_overwriting(store, library, tmp_path):
    job = finished(library, make_job(1, prompt="export me"))
    out = tmp_path / "out"
    first = history.export_copy(job, library, out)
    second = history.export_copy(job, library, out)
    assert [path.suffix for path in first] == [".mp4", ".json"]
    assert first[0] != second[0] and all(path.is_file() for path in first + second)
    assert json.loads(first[1].read_text())["job"]["request"]["prompt"] == "export me"
    library.video_path(job).unlink()
    with pytest.raises(FileNotFoundError, match="not on disk"):
        history.export_copy(job, library, out)


def test_relink_counts_what_the_new_folder_holds(store, library, tmp_path):
    for number in (1, 2):
        store.add(finished(library, make_job(number)))
    moved = tmp_path / "moved"
    library.root.rename(moved)
    assert history.gallery_items(store, library)[0].missing
    report = history.relink_check(store, moved)
    assert (report.found, report.missing) == (2, 0)
    assert "2 videos found" in report.message
    empty = history.relink_check(store, tmp_path / "elsewhere")
    assert empty.found == 0 and "None of the 2 videos" in empty.message
    assert not any(item.missing for item in history.gallery_items(store, Library(moved)))


def importable(folder: Library, number: int) -> Job:
    """A finished job whose first frame is kept in ``folder``'s inputs, as the engine keeps it."""
    job = make_job(number)
    return finished(folder, replace(job, request=replace(job.request, first_frame=str(folder.inputs_dir / "a.png"))))


def test_import_hands_sidecars_to_the_engine_once_and_reports_problems(store, library):
    other = Library(library.root / "old-videos")  # a folder the person put into the library
    jobs = [importable(other, number) for number in (1, 2)]
    broken = other.root / "2026-01-01_00-00-00_broken_abc.json"
    broken.write_text("{not json")
    handed: list[list[Job]] = []

    def add_jobs(batch):  # stands in for Engine.import_jobs, the one writer
        handed.append(list(batch))
        for job in batch:
            store.add(job)

    report = history.import_folder(store, library, other.root, add_jobs)
    assert set(report.added) == {job.id for job in jobs} and report.already == 0
    assert len(report.problems) == 1 and "broken" in report.message
    assert all(job.state is JobState.DONE and job.video_path.startswith("old-videos/") for job in handed[0])
    items = history.gallery_items(store, library)
    assert all(not item.missing and Path(item.video).parent == other.root for item in items)
    again = history.import_folder(store, library, other.root, add_jobs)
    assert again.added == () and again.already == 2 and len(handed) == 1


def test_import_scan_is_pure_and_refuses_a_folder_outside_the_library(store, library, tmp_path):
    outside = Library(tmp_path / "elsewhere")
    importable(outside, 1)
    before = sorted(p.name for p in outside.root.iterdir())
    scan = history.sidecars_to_import(library, outside.root)
    assert scan.jobs == () and "outside the library" in scan.problems[0].message
    report = history.import_folder(store, library, outside.root, lambda batch: pytest.fail("nothing to add"))
    assert report.added == () and "Move it into the library" in report.message
    assert sorted(p.name for p in outside.root.iterdir()) == before and store.get("job00001") is None


def test_history_rows_only_reads(store):
    with pytest.raises(ValueError):
        store.history_rows("DELETE FROM jobs")


def test_job_files_lists_what_exists(library):
    job = finished(library, make_job(1))
    assert {path.suffix for path in history.job_files(job, library)} == {".mp4", ".json", ".jpg"}
