"""Storyboards without the service: edits refused in words, the strict codec, the repository (its own
table), the sidecar and its restore, staleness and the render plan derived from job states."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine_helpers import make_image
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.job_codec import CodecError
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobStore
from wan_desktop.core.storyboard import edits, planner, sidecar
from wan_desktop.core.storyboard.codec import board_from_dict, board_to_dict
from wan_desktop.core.storyboard.estimate import film_estimate
from wan_desktop.core.storyboard.model import Join, Take
from wan_desktop.core.storyboard.planner import ShotState
from wan_desktop.core.storyboard.repository import StoryboardError, StoryboardRepository

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
R = Region.CUSTOM


@pytest.fixture
def picture(tmp_path):
    return str(make_image(tmp_path / "first.png"))


def three_shots(picture: str):
    board = edits.new_board("Fox film", NOW)
    cut = GenerationRequest("wan2.2-i2v-plus", first_frame=picture, prompt="a fox", resolution="480P")
    frame = GenerationRequest("wan2.2-i2v-plus", prompt="the fox runs", resolution="480P")
    clip = GenerationRequest("wan2.7-i2v", prompt="the fox jumps", resolution="720P", duration=10)
    for request, join in ((cut, Join.CUT), (frame, Join.LAST_FRAME), (clip, Join.CLIP)):
        board = edits.add_shot(board, edits.new_shot(request, join), R, NOW)
    return board


def job(job_id: str, state=JobState.DONE, parent=None, project=None) -> Job:
    return Job(
        job_id, GenerationRequest("wan2.2-i2v-plus"), state, NOW, NOW, "custom", parent_job_id=parent, project=project
    )


def test_a_model_that_cannot_do_the_join_is_refused_with_a_sentence(picture):
    board = three_shots(picture)
    plain = GenerationRequest("wan2.2-i2v-plus", prompt="x")
    with pytest.raises(edits.EditRefused, match="cannot do a shot that continues the clip"):
        edits.add_shot(board, edits.new_shot(plain, Join.CLIP), R, NOW)
    with pytest.raises(edits.EditRefused, match="reference"):
        edits.add_shot(board, edits.new_shot(plain, Join.REFERENCE), R, NOW)
    with pytest.raises(edits.EditRefused, match="first shot has nothing before it"):
        edits.add_shot(edits.new_board("b", NOW), edits.new_shot(plain, Join.LAST_FRAME), R, NOW)
    with pytest.raises(edits.EditRefused, match="hard cut needs its own first-frame picture"):
        edits.add_shot(board, edits.new_shot(plain, Join.CUT), R, NOW)
    short = GenerationRequest("wan2.7-i2v", prompt="x", duration=5)
    with pytest.raises(edits.EditRefused, match="counts the clip it continues"):
        edits.add_shot(board, edits.new_shot(short, Join.CLIP), R, NOW)
    bad = GenerationRequest("wan2.2-i2v-plus", prompt="x", duration=7)
    with pytest.raises(edits.EditRefused, match="Duration"):
        edits.add_shot(board, edits.new_shot(bad, Join.LAST_FRAME), R, NOW)


def test_reorder_duplicate_and_remove(picture):
    board = three_shots(picture)
    ids = [shot.id for shot in board.shots]
    with pytest.raises(edits.EditRefused, match="Shot 1"):  # a joined shot cannot open the film
        edits.move_shot(board, ids[1], 0, R, NOW)
    copy = edits.duplicate_shot(board, ids[0], R, NOW)
    assert len(copy.shots) == 4 and copy.shots[1].request == copy.shots[0].request and not copy.shots[1].takes
    removed = edits.remove_shot(copy, copy.shots[1].id, R, NOW)
    assert [shot.id for shot in removed.shots] == ids
    with pytest.raises(edits.EditRefused):  # the last-frame shot would open the film
        edits.remove_shot(board, ids[0], R, NOW)
    moved = edits.move_shot(copy, copy.shots[1].id, 3, R, NOW)  # a cut can go anywhere
    assert moved.shots[3].id == copy.shots[1].id


def test_a_joined_shot_is_stale_when_the_take_before_changes(picture):
    board = three_shots(picture)
    first, second, _ = (shot.id for shot in board.shots)
    a, b, c = "a" * 32, "b" * 32, "c" * 32
    board = edits.add_take(board, first, Take(a), NOW)
    board = edits.pick_take(board, first, a, NOW)
    board = edits.add_take(board, second, Take(c, basis_job_id=a), NOW)
    board = edits.pick_take(board, second, c, NOW)
    assert not board.is_stale(second)
    board = edits.pick_take(edits.add_take(board, first, Take(b), NOW), first, b, NOW)
    assert board.is_stale(second) and not board.is_stale(first)
    jobs = {x: job(x) for x in (a, b, c)}
    states = [item.state for item in planner.plan(board, jobs)]
    assert states == [ShotState.DONE, ShotState.STALE, ShotState.READY]


def test_the_plan_waits_blocks_and_renders_only_what_has_no_take(picture):
    board = three_shots(picture)
    first = board.shots[0].id
    assert [i.state for i in planner.plan(board, {})] == [ShotState.READY, ShotState.WAITING, ShotState.WAITING]
    a = "a" * 32
    board = edits.add_take(board, first, Take(a), NOW)
    assert [i.state for i in planner.plan(board, {a: job(a, JobState.RUNNING)})][:2] == [
        ShotState.RENDERING,
        ShotState.WAITING,
    ]
    failed = [i.state for i in planner.plan(board, {a: job(a, JobState.FAILED)})]
    assert failed == [ShotState.FAILED, ShotState.BLOCKED, ShotState.BLOCKED]
    assert planner.finished(planner.plan(board, {a: job(a, JobState.FAILED)}))
    estimate = film_estimate(three_shots(picture), {}, Region.SINGAPORE)
    assert estimate.to_render == 3 and estimate.film_seconds == 20.0 and "3 shots" in estimate.sentence()


def test_codec_round_trips_and_refuses_what_a_board_does_not_hold(picture):
    board = three_shots(picture)
    assert board_from_dict(json.loads(json.dumps(board_to_dict(board)))) == board
    data = board_to_dict(board)
    for broken in (
        {**data, "shots": "x"},
        {**data, "id": "../etc"},
        {**data, "name": ""},
        {**data, "shots": [{**data["shots"][0], "join": "teleport"}]},
        {**data, "shots": [{**data["shots"][0], "picked_job_id": "d" * 32}]},
        {**data, "shots": [data["shots"][0], data["shots"][0]]},
    ):
        with pytest.raises(CodecError):
            board_from_dict(broken)


def test_repository_keeps_boards_in_its_own_table(tmp_path, picture):
    db = tmp_path / "jobs.sqlite3"
    JobStore(db).close()  # migrates
    board = three_shots(picture)
    with StoryboardRepository(db) as repository:
        repository.save(board)
        assert repository.by_name("Fox film") == board
        with pytest.raises(StoryboardError, match="already a storyboard called"):
            repository.save(replace(edits.new_board("Fox film", NOW)))
        assert [b.id for b in repository.all()] == [board.id]
    with JobStore(db) as store:
        assert store.jobs() == []


def test_sidecar_restores_the_board_and_confines_its_inputs(tmp_path):
    library = Library(tmp_path / "library")
    kept = library.copy_input("x" * 32, make_image(tmp_path / "p.png"), "first_frame")
    board = three_shots(str(kept))
    path = sidecar.write(library, board, {})
    assert "storyboard" in json.loads(path.read_text())
    assert sidecar.scan(library).boards == (board,)
    assert library.scan_sidecars().problems == ()  # the jobs' rebuild does not trip over it
    data = json.loads(path.read_text())
    data["storyboard"]["shots"][0]["request"]["first_frame"] = "../../outside.png"
    path.write_text(json.dumps(data))
    scan = sidecar.scan(library)
    assert scan.boards == () and "climbs out" in scan.problems[0][1]


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=40),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
        max_leaves=30,
    )
)
@settings(max_examples=200, deadline=None)
def test_the_codec_refuses_anything_else_with_its_own_error(data):
    try:
        board_from_dict(data)
    except CodecError:
        pass


@given(
    st.sampled_from(["id", "name", "created_at", "shots", "render_requested"]),
    st.none() | st.integers() | st.text(max_size=20) | st.lists(st.integers(), max_size=3),
)
@settings(max_examples=100, deadline=None)
def test_a_board_with_one_field_broken_is_refused_in_words(field, value):
    data = board_to_dict(three_shots("https://example.com/a.png"))
    data[field] = value
    try:
        board_from_dict(data)
    except CodecError as error:
        assert "field" in str(error) or "shot" in str(error)
