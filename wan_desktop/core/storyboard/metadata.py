"""The generation metadata of each shot (model, prompt, seed, task id, join), for the storyboard's note and
the exported files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wan_desktop.core.jobs import Job

from .model import Storyboard


def shot_metadata(board: Storyboard, jobs: Mapping[str, Job]) -> list[dict[str, Any]]:
    rows = []
    for number, shot in enumerate(board.shots, 1):
        job = jobs.get(shot.picked_job_id or "")
        request = job.request if job else shot.request
        rows.append(
            {
                "shot": number,
                "shot_id": shot.id,
                "join": shot.join.value,
                "model": request.model,
                "prompt": request.prompt,
                "seed": request.seed,
                "job_id": job.id if job else None,
                "task_id": job.task_id if job else None,
                "takes": len(shot.takes),
                "stale": board.is_stale(shot.id),
                "notes": shot.notes,
            }
        )
    return rows


def chapter_title(row: Mapping[str, Any]) -> str:
    # In English whatever the app's language: the title is read by other programs (the MP4's chapters, the
    # .otio clip names, the copied clips' file names); the prompt is kept as written (UTF-8).
    return f"Shot {row['shot']}: {str(row['prompt'])[:60] or 'untitled'}"
