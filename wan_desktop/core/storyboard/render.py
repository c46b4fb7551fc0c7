"""Render all: queue every shot of a board that has no take yet, in dependency order, through the engine's
crash-safe queue. A shot that joins the one before waits for that shot's picked video and takes its last
frame (or the clip itself) when it is there; hard cuts are queued at once and run side by side up to the
engine's caps. A failed shot holds back only the shots that join it.

Everything is derived again at each step from the board and the states of its jobs (``planner``), so a step
after a crash carries on where the last one stopped. The renderer never writes job rows: it asks the engine
(``add_jobs``), and runs on the engine thread (``Engine.post``) or while the engine's loop is not running.

Crash safety of "one job per shot": a shot is marked reserved (saved) before its job is queued; a job of the
board that no take names yet is given to the reserved shot on the next step instead of queuing another."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from wan_desktop.core import media
from wan_desktop.core.dashscope.errors import DashScopeError
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.engine import Engine
from wan_desktop.core.events import EngineEvent, EventKind
from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import FINAL_STATES, Job, JobState

from . import edits, planner, sidecar
from .model import Join, Shot, Storyboard, Take, board_of_project
from .repository import StoryboardRepository


@dataclass(frozen=True)
class StepReport:
    queued: tuple[str, ...]  # shot ids given a job in this step
    problems: tuple[str, ...]  # sentences: shots that could not be queued
    finished: bool  # render has nothing more to do for this board


class StoryboardRenderer:
    def __init__(self, engine: Engine, repository: StoryboardRepository, scratch: Path) -> None:
        self.engine = engine
        self.repository = repository
        self.scratch = Path(scratch)

    # -- what the person asks ---------------------------------------------------------------------------
    def render_all(self, board_id: str) -> StepReport:
        board = self._board(board_id)
        self.save(replace(board, render_requested=True))
        return self.step(board_id)

    def new_take(self, board_id: str, shot_id: str, **changes: object) -> StepReport:
        """Another take of one shot (another seed or prompt); the other shots are not touched."""
        board = self._board(board_id)
        shot = board.shots[board.index(shot_id)]
        plans = {item.shot.id: item for item in planner.plan(board, self._jobs(board))}
        item = plans[shot_id]
        if shot.join.needs_previous and item.basis is None:
            waits = _("Shot {number} waits for the shot before it to have a video.").format(number=item.number)
            return StepReport((), (waits,), False)
        template = replace(shot.request, **changes) if changes else shot.request
        if shot.picked_job_id is None and not board.render_requested:
            # a shot that had no video yet (it failed): the shots joining it follow once this take is done
            board = replace(board, render_requested=True)
            self.save(board)
        problem = self._queue(board, replace(item, shot=replace(shot, request=template)))
        return StepReport(() if problem else (shot_id,), (problem,) if problem else (), False)

    def pick(self, board_id: str, shot_id: str, job_id: str) -> Storyboard:
        board = edits.pick_take(self._board(board_id), shot_id, job_id, _now())
        self.save(board)
        return board

    # -- the steps --------------------------------------------------------------------------------------
    def step(self, board_id: str) -> StepReport:
        board = self._board(board_id)
        jobs = self._jobs(board)
        board = _auto_picked(_orphans_attached(board, jobs), jobs)
        plans = planner.plan(board, jobs)
        queued, problems = [], []
        if board.render_requested:
            for item in planner.ready(plans):
                problem = self._queue(board, item)
                board = self._board(board_id)
                (problems if problem else queued).append(problem or item.shot.id)
            plans = planner.plan(board, self._jobs(board))
        done = planner.finished(plans)
        if done and board.render_requested:
            board = replace(board, render_requested=False)
        self.save(board)
        return StepReport(tuple(queued), tuple(problems), done)

    def resume(self) -> list[StepReport]:
        """Carry on every board whose render was asked for and not finished (after a restart)."""
        return [self.step(board.id) for board in self.repository.all() if board.render_requested]

    def on_event(self, event: EngineEvent) -> None:
        """An engine listener: a job of a board that reached its end may let the next shot start."""
        job = event.job
        if event.kind is not EventKind.JOB_UPDATED or job is None or job.state not in FINAL_STATES:
            return
        board_id = board_of_project(job.project)
        if board_id is not None:
            self.engine.post(lambda: self._step_quietly(board_id))

    def _step_quietly(self, board_id: str) -> None:
        if self.repository.get(board_id) is not None:
            self.step(board_id)

    # -- one shot ---------------------------------------------------------------------------------------
    def _queue(self, board: Storyboard, item: planner.ShotPlan) -> str | None:
        shot = item.shot
        try:
            request = self._request(shot, item.basis)
        except media.MediaError as error:
            problem = _("the video before it cannot be continued ({reason})").format(reason=error)
            return edits.shot_sentence(item.number, problem)
        self.save(edits.reserve(board, shot.id, _now()))
        try:
            jobs = self.engine.add_jobs(
                [request], parent_job_id=item.basis.id if item.basis else None, project=board.project
            )
        except (DashScopeError, OSError, ValueError) as error:
            current = self._board(board.id)
            self.save(edits.update_shot_unchecked(current, shot.id, reserved_at=None))
            return edits.shot_sentence(item.number, str(getattr(error, "explanation", None) or error))
        take = Take(jobs[0].id, item.basis.id if item.basis else None)
        self.save(edits.add_take(self._board(board.id), shot.id, take, _now()))
        return None

    def _request(self, shot: Shot, basis: Job | None) -> GenerationRequest:
        if not shot.join.needs_previous or basis is None:
            return shot.request
        video = self.engine.library.video_path(basis)
        if shot.join is Join.CLIP:
            return replace(shot.request, first_clip=str(video))
        if shot.join is Join.REFERENCE:
            raise media.MediaError(_("no model here takes a previous clip as a reference yet"))
        frame = self.scratch / f"{shot.id}-{basis.id[:12]}.png"
        if not frame.is_file():
            media.extract_frame(video, frame)
        return replace(shot.request, first_frame=str(frame))

    # -- storage ----------------------------------------------------------------------------------------
    def _board(self, board_id: str) -> Storyboard:
        board = self.repository.get(board_id)
        if board is None:
            raise KeyError(f"no storyboard {board_id!r}")
        return board

    def _jobs(self, board: Storyboard) -> dict[str, Job]:
        return planner.board_jobs(board, self.engine.jobs())

    def save(self, board: Storyboard) -> None:
        """Save a board and write its note in the library (the note is rewritten at the next change if this fails)."""
        self.repository.save(board)
        try:
            sidecar.write(self.engine.library, board, self._jobs(board))
        except OSError:
            pass  # the database has it; the note is written again at the next change


def _orphans_attached(board: Storyboard, jobs: Mapping[str, Job]) -> Storyboard:
    """A job of this board that no take names was queued just before a crash: it belongs to the shot that
    was reserved then (reservations and jobs are made one at a time, so their orders match)."""
    named = {take.job_id for shot in board.shots for take in shot.takes}
    mine = (job for job in jobs.values() if job.project == board.project and job.id not in named)
    orphans = sorted(mine, key=lambda job: job.created_at)
    reserved = sorted((s for s in board.shots if s.reserved_at), key=lambda s: s.reserved_at or _now())
    for number, shot in enumerate(reserved):
        if number < len(orphans):
            board = edits.add_take(board, shot.id, Take(orphans[number].id, orphans[number].parent_job_id), _now())
        else:  # the crash came before the job was written: nothing was queued, so the shot is free again
            board = edits.update_shot_unchecked(board, shot.id, reserved_at=None)
    return board


def _auto_picked(board: Storyboard, jobs: Mapping[str, Job]) -> Storyboard:
    """The first finished take of a shot that has none picked becomes its pick."""
    for shot in board.shots:
        if shot.picked_job_id is None:
            done = next((t for t in shot.takes if t.job_id in jobs and jobs[t.job_id].state is JobState.DONE), None)
            if done is not None:
                board = edits.pick_take(board, shot.id, done.job_id, _now())
    return board


def _now() -> datetime:
    return datetime.now(UTC)
