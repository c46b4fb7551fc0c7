"""What the storyboard view shows, read in one go off the GUI thread: every board, each shot's state,
length, thumbnail and video, and the film's estimate. Frozen, so it can be handed to the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library

from .estimate import FilmEstimate, film_estimate
from .model import Join, Storyboard
from .planner import ShotState, board_jobs, plan
from .repository import StoryboardRepository


@dataclass(frozen=True)
class ShotView:
    shot_id: str
    number: int
    join: Join
    state: ShotState
    prompt: str
    model: str
    seconds: float | None
    thumbnail: Path | None
    video: Path | None
    takes: tuple[str, ...]  # job ids
    picked_job_id: str | None


@dataclass(frozen=True)
class BoardView:
    board: Storyboard
    shots: tuple[ShotView, ...]
    estimate: FilmEstimate

    def videos(self) -> list[Path]:
        return [shot.video for shot in self.shots if shot.video is not None]


def load_views(db_path: Path, jobs: list[Job], library: Library, region: Region) -> tuple[BoardView, ...]:
    with StoryboardRepository(db_path) as repository:
        boards = repository.all()
    return tuple(board_view(board, board_jobs(board, jobs), library, region) for board in boards)


def board_view(board: Storyboard, jobs: dict[str, Job], library: Library, region: Region) -> BoardView:
    shots = []
    for item in plan(board, jobs):
        picked = jobs.get(item.shot.picked_job_id or "") if item.state.has_video else None
        video = library.video_path(picked) if picked is not None else None
        thumbnail = library.thumbnail_path(picked) if picked is not None else None
        shots.append(
            ShotView(
                item.shot.id,
                item.number,
                item.shot.join,
                item.state,
                item.shot.request.prompt,
                item.shot.request.model,
                picked.video_seconds if picked is not None else None,
                thumbnail if thumbnail is not None and thumbnail.is_file() else None,
                video if video is not None and video.is_file() else None,
                tuple(take.job_id for take in item.shot.takes),
                item.shot.picked_job_id,
            )
        )
    return BoardView(board, tuple(shots), film_estimate(board, jobs, region))
