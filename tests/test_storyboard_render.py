"""Render all against the real simulator over HTTP: dependency order, last frames and clips handed on, one
job per shot however often a step runs, and a failed shot holding back only the shots that join it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import pytest
from PIL import Image, ImageChops, ImageStat

from tests.conftest import TEST_KEY
from tests.engine_helpers import EngineRig
from tests.storyboard_helpers import NOW, three_shot_board
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.jobs import JobState
from wan_desktop.core.library import file_sha256
from wan_desktop.core.storyboard import edits
from wan_desktop.core.storyboard.planner import ShotState, plan
from wan_desktop.core.storyboard.render import StoryboardRenderer
from wan_desktop.core.storyboard.repository import StoryboardRepository


@pytest.fixture
def rig(tmp_path, simulator):
    rig = EngineRig(tmp_path, simulator.base_url, TEST_KEY)
    repository = StoryboardRepository(rig.store.db_path)
    rig.renderer = StoryboardRenderer(rig.engine, repository, tmp_path / "scratch")
    yield rig
    repository.close()
    rig.close()


def render_to_the_end(rig, board_id: str, rounds: int = 6):
    report = rig.renderer.render_all(board_id)
    for _ in range(rounds):
        rig.run_until_idle()
        report = rig.renderer.step(board_id)
        if report.finished:
            return report
    raise AssertionError("the storyboard did not finish")


def board_jobs(rig, board):
    return {job.id: job for job in rig.engine.jobs() if job.project == board.project}


def first_frame(path):
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_image()


def last_frame(path):
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            last = frame
    return last.to_image()


def mean_difference(one: Image.Image, two: Image.Image) -> float:
    """Mean absolute difference per channel (0-255), at the size of ``two``."""
    one = one.convert("RGB").resize(two.size)
    return sum(ImageStat.Stat(ImageChops.difference(one, two.convert("RGB"))).mean) / 3


def test_three_shots_render_in_order_each_from_the_one_before(rig, tmp_path):
    board = three_shot_board(rig.library, tmp_path)
    rig.renderer.repository.save(board)
    first = rig.renderer.render_all(board.id)
    assert len(first.queued) == 1  # the two joined shots wait for the shot before
    render_to_the_end(rig, board.id)
    board = rig.renderer.repository.get(board.id)
    jobs = board_jobs(rig, board)
    assert [item.state for item in plan(board, jobs)] == [ShotState.DONE] * 3
    assert len(jobs) == 3 and all(len(shot.takes) == 1 for shot in board.shots)
    one, two, three = (jobs[shot.picked_job_id] for shot in board.shots)
    assert two.parent_job_id == one.id and three.parent_job_id == two.id
    assert three.request.first_clip and three.request.model == "wan2.7-i2v"
    # the last-frame shot was given exactly the last picture of the shot before (compared pixel by pixel)
    with Image.open(two.request.first_frame) as given:
        assert mean_difference(given, last_frame(rig.library.video_path(one))) == 0
    # the clip shot was given the very file of the shot before
    assert file_sha256(Path(three.request.first_clip)) == file_sha256(rig.library.video_path(two))
    assert not rig.renderer.repository.get(board.id).render_requested
    again = rig.renderer.render_all(board.id)  # nothing more to do: no second job for any shot
    assert again.queued == () and len(board_jobs(rig, board)) == 3


def test_a_failed_shot_stops_only_the_shots_that_join_it(rig, tmp_path, simulator):
    board = three_shot_board(rig.library, tmp_path)
    cut = replace(board.shots[0], id="f" * 32)
    board = edits.add_shot(board, cut, Region.CUSTOM, NOW, at=2)  # cut A, last frame of A, cut B, clip of B
    rig.renderer.repository.save(board)
    simulator.add_faults([{"on": "task", "times": 1, "fail_code": "DataInspectionFailed"}])  # the first task
    render_to_the_end(rig, board.id)
    board = rig.renderer.repository.get(board.id)
    states = [item.state for item in plan(board, board_jobs(rig, board))]
    assert states == [ShotState.FAILED, ShotState.BLOCKED, ShotState.DONE, ShotState.DONE]
    # another take of the failed shot: once it is done, the shot joining it follows by itself
    assert rig.renderer.new_take(board.id, board.shots[0].id, seed=5).queued == (board.shots[0].id,)
    for _ in range(3):
        rig.run_until_idle()
        rig.renderer.step(board.id)
    board = rig.renderer.repository.get(board.id)
    assert [item.state for item in plan(board, board_jobs(rig, board))] == [ShotState.DONE] * 4
    assert [len(shot.takes) for shot in board.shots] == [2, 1, 1, 1]


def test_steps_never_queue_a_second_job_for_a_shot(rig, tmp_path):
    board = three_shot_board(rig.library, tmp_path)
    rig.renderer.repository.save(board)
    for _ in range(3):
        rig.renderer.render_all(board.id)
    jobs = board_jobs(rig, board)
    assert len(jobs) == 1
    # a crash after the reservation and the job, before the take was written: the job is found, not redone
    saved = rig.renderer.repository.get(board.id)
    shot = saved.shots[0]
    rig.renderer.repository.save(edits.update_shot_unchecked(saved, shot.id, takes=(), reserved_at=NOW))
    report = rig.renderer.step(board.id)
    assert report.queued == () and board_jobs(rig, board).keys() == jobs.keys()
    assert [take.job_id for take in rig.renderer.repository.get(board.id).shots[0].takes] == list(jobs)
    # a crash after the reservation, before the job: nothing was queued, so the shot is queued once now
    saved = rig.renderer.repository.get(board.id)
    rig.renderer.repository.save(edits.update_shot_unchecked(saved, saved.shots[0].id, takes=(), reserved_at=NOW))
    rig.engine.remove(next(iter(jobs)))
    assert rig.renderer.step(board.id).queued == (shot.id,)
    assert len(board_jobs(rig, board)) == 1


def test_a_new_take_touches_only_its_shot_and_makes_the_next_stale(rig, tmp_path):
    board = three_shot_board(rig.library, tmp_path)
    rig.renderer.repository.save(board)
    render_to_the_end(rig, board.id)
    before = rig.renderer.repository.get(board.id)
    report = rig.renderer.new_take(board.id, before.shots[0].id, seed=1234)
    assert report.queued == (before.shots[0].id,)
    rig.run_until_idle()
    rig.renderer.step(board.id)
    board = rig.renderer.repository.get(board.id)
    assert [len(shot.takes) for shot in board.shots] == [2, 1, 1]
    assert board.shots[0].picked_job_id == before.shots[0].picked_job_id  # a new take is not picked for you
    new = board.shots[0].takes[1].job_id
    assert board_jobs(rig, board)[new].request.seed == 1234
    board = rig.renderer.pick(board.id, board.shots[0].id, new)
    states = [item.state for item in plan(board, board_jobs(rig, board))]
    assert states == [ShotState.DONE, ShotState.STALE, ShotState.DONE]


def test_a_lineage_made_by_hand_becomes_a_storyboard_and_its_seams_play(rig, tmp_path):
    from wan_desktop.core import history
    from wan_desktop.core.storyboard.lineage import board_from_lineage
    from wan_desktop.core.storyboard.seams import seam_clip

    board = three_shot_board(rig.library, tmp_path)
    rig.renderer.repository.save(board)
    render_to_the_end(rig, board.id)
    rendered = rig.renderer.repository.get(board.id)
    last = rendered.shots[2].picked_job_id
    made = board_from_lineage(history.lineage(rig.store, last), "By hand", NOW)
    assert [shot.join.value for shot in made.shots] == ["cut", "last_frame", "clip"]
    assert [shot.picked_job_id for shot in made.shots] == [shot.picked_job_id for shot in rendered.shots]
    rig.renderer.repository.save(replace(made, render_requested=True))
    report = rig.renderer.step(made.id)  # every shot has its take: nothing is queued, nothing is stale
    assert report.queued == () and report.finished
    assert [item.state for item in plan(made, rig.renderer._jobs(made))] == [ShotState.DONE] * 3
    jobs = board_jobs(rig, rendered)
    one, two = (rig.library.video_path(jobs[shot.picked_job_id]) for shot in rendered.shots[:2])
    seam = seam_clip(one, two, tmp_path / "seam.mp4")
    with av.open(str(seam)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 120  # the last 2 s and the first 2 s at 30 fps


class ListeningRig(EngineRig):
    """An engine whose events also reach ``hook`` (on the engine thread), as the window's do."""

    hook = None

    def _record(self, event) -> None:
        super()._record(event)
        if self.hook is not None:
            self.hook(event)


def test_the_renderer_follows_engine_events_to_the_end_of_the_chain(tmp_path, simulator):
    rig = ListeningRig(tmp_path, simulator.base_url, TEST_KEY)
    repository = StoryboardRepository(rig.store.db_path)
    renderer = StoryboardRenderer(rig.engine, repository, tmp_path / "scratch")
    rig.hook = renderer.on_event  # reacts through Engine.post: the next shot starts on the engine thread
    try:
        board = three_shot_board(rig.library, tmp_path)
        repository.save(board)
        with rig.running():
            rig.engine.post(lambda: renderer.render_all(board.id))

            def all_done() -> bool:
                jobs = board_jobs(rig, board)
                return len(jobs) == 3 and all(job.state is JobState.DONE for job in jobs.values())

            rig.wait_until(all_done, timeout=120)
        rig.hook = None
        saved = repository.get(board.id)
        renderer.step(board.id)
        assert [len(shot.takes) for shot in repository.get(board.id).shots] == [1, 1, 1]
        assert saved is not None
    finally:
        repository.close()
        rig.close()
