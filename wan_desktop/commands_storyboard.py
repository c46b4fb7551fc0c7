"""``wan-desktop storyboard ...``: plan a film, render it in order, pick takes, export it. Writing actions hold
the home's lock, as submit does; ``list`` and ``show`` only read and work while another program holds it."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from wan_desktop.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from wan_desktop.cli_storyboard import ACTIONS_THAT_WRITE
from wan_desktop.commands import _offline_or_real_target, _print_event  # pyright: ignore[reportPrivateUsage]
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.home_lock import HomeLock
from wan_desktop.core.i18n import _, format_number, ngettext
from wan_desktop.core.jobs import Job
from wan_desktop.core.session import Session, open_session
from wan_desktop.core.settings import Settings
from wan_desktop.core.storyboard import edits
from wan_desktop.core.storyboard.estimate import film_estimate
from wan_desktop.core.storyboard.export import ExportError
from wan_desktop.core.storyboard.film import export_film
from wan_desktop.core.storyboard.model import Join, Storyboard
from wan_desktop.core.storyboard.planner import board_jobs, plan
from wan_desktop.core.storyboard.render import StoryboardRenderer
from wan_desktop.core.storyboard.repository import StoryboardRepository
from wan_desktop.demo import DemoService


class Refused(Exception):
    """A sentence for the person; the command changed nothing."""


class Context:
    """What one storyboard command works with: the repository and, for writing actions, an engine."""

    def __init__(self, repository: StoryboardRepository, session: Session | None, jobs: Callable[[], list[Job]]):
        self.repository = repository
        self.session = session
        self._jobs = jobs

    def board(self, name: str) -> Storyboard:
        board = self.repository.by_name(name)
        if board is None:
            raise Refused(_("There is no storyboard called {name!r} (see 'storyboard list').").format(name=name))
        return board

    def jobs(self, board: Storyboard) -> dict[str, Job]:
        return board_jobs(board, self._jobs())

    @property
    def renderer(self) -> StoryboardRenderer:
        assert self.session is not None
        return renderer_for(self.session, self.repository)

    @property
    def region(self):
        assert self.session is not None
        return self.session.target.region


def renderer_for(session: Session, repository: StoryboardRepository) -> StoryboardRenderer:
    return StoryboardRenderer(session.engine, repository, session.store.db_path.parent / "scratch" / "storyboard")


def storyboard_command(args, home: Path, settings: Settings, *, demo: bool) -> int:
    try:
        with ExitStack() as stack:
            if args.action in ACTIONS_THAT_WRITE:
                stack.enter_context(HomeLock.acquire(home, f"wan-desktop {'demo ' if demo else ''}storyboard"))
            context = _open(stack, args, home, settings, demo)
            return HANDLERS[args.action](args, context)
    except (Refused, edits.EditRefused, ExportError) as refused:
        print(f"wan-desktop: {refused}", file=sys.stderr)
        return EXIT_USAGE if not isinstance(refused, ExportError) else EXIT_ERROR


def _open(stack: ExitStack, args, home: Path, settings: Settings, demo: bool) -> Context:
    from wan_desktop.core.store import open_reader

    db = home / "jobs.sqlite3"
    if args.action not in ACTIONS_THAT_WRITE:
        reader = stack.enter_context(open_reader(db))
        return Context(stack.enter_context(StoryboardRepository(db)), None, reader.jobs)
    sends = args.action == "render" and args.run
    demo_service = DemoService(home / "simulator") if demo and sends else None
    if demo_service is not None:
        stack.callback(demo_service.close)
    target = (
        demo_service.target if demo_service else _offline_or_real_target(settings, "run" if sends else "submit", demo)
    )
    listener = _print_event if sends and not args.quiet else None
    session = open_session(
        home,
        settings.library_dir or home / "library",
        target,
        listener=listener,
        max_concurrent=settings.max_concurrent_jobs,
    )
    stack.callback(session.close)
    return Context(stack.enter_context(StoryboardRepository(db)), session, session.engine.jobs)


def _say(line: str) -> None:
    print(f"wan-desktop: {line}", file=sys.stderr)


def _now() -> datetime:
    return datetime.now(UTC)


# -- the actions ------------------------------------------------------------------------------------------------
def _new(args, context: Context) -> int:
    if context.repository.by_name(args.name.strip()):
        raise Refused(_("There is already a storyboard called {name!r}.").format(name=args.name.strip()))
    board = edits.new_board(args.name, _now())
    context.repository.save(board)
    print(board.id)
    return EXIT_OK


def _add(args, context: Context) -> int:
    board = context.board(args.name)
    join = _join_of(args)
    request = GenerationRequest(
        model=args.model,
        prompt=args.prompt,
        negative_prompt=args.negative,
        first_frame=str(args.image.expanduser().absolute()) if args.image else None,
        resolution=args.resolution,
        duration=args.duration,
        seed=args.seed,
        prompt_extend=not args.no_prompt_extend,
        audio_enabled=args.audio_enabled,
    )
    shot = edits.new_shot(request, join, args.notes)
    edits.add_shot(board, shot, context.region, _now())  # refuses before a copy of the picture is kept
    if args.image and context.session is not None:  # kept in the library, so the board survives the file moving
        kept = context.session.library.copy_input(board.id, args.image, "first_frame")
        shot = replace(shot, request=replace(request, first_frame=str(kept)))
    board = edits.add_shot(board, shot, context.region, _now())
    _save(context, board)
    print(_("Shot {number}: {join}.").format(number=format_number(len(board.shots)), join=join.label))
    return EXIT_OK


def _join_of(args) -> Join:
    if args.image:
        return Join.CUT
    if args.continue_clip:
        return Join.CLIP
    if args.reference_previous:
        return Join.REFERENCE
    return Join.LAST_FRAME


def _save(context: Context, board: Storyboard) -> None:
    from wan_desktop.core.storyboard import sidecar

    context.repository.save(board)
    if context.session is not None:
        try:
            sidecar.write(context.session.library, board, context.jobs(board))
        except OSError as error:
            _say(_("the storyboard's note could not be written ({reason})").format(reason=error.strerror))


def _list(args, context: Context) -> int:
    rows = []
    for board in context.repository.all():
        states = [item.state.value for item in plan(board, context.jobs(board))]
        rows.append({"id": board.id, "name": board.name, "shots": len(board.shots), "done": states.count("done")})
    if args.json:
        print(json.dumps(rows, indent=2))
    for row in [] if args.json else rows:
        words = ngettext("{name}: {n} shot, {done} done", "{name}: {n} shots, {done} done", row["shots"])
        print(words.format(name=row["name"], n=format_number(row["shots"]), done=format_number(row["done"])))
    return EXIT_OK


def _show(args, context: Context) -> int:
    return _print_board(context.board(args.name), context, as_json=args.json)


def _print_board(board: Storyboard, context: Context, *, as_json: bool) -> int:
    rows = show_rows(board, context.jobs(board))
    if as_json:
        print(json.dumps({"id": board.id, "name": board.name, "shots": rows}, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(
        ngettext("{name} ({n} shot)", "{name} ({n} shots)", len(rows)).format(
            name=board.name, n=format_number(len(rows))
        )
    )
    for row in rows:
        print("  " + _shot_line(row))
    return EXIT_OK


def _shot_line(row: dict) -> str:
    words = {"shot": row["shot"], "state": row["state_label"], "join": row["join_label"]}
    words.update(model=row["model"], prompt=row["prompt"], n=format_number(len(row["takes"])))
    if not row["takes"]:
        return _("{shot}. [{state}] {join}, {model}: {prompt}").format(**words)
    line = ngettext(
        "{shot}. [{state}] {join}, {model}, {n} take: {prompt}",
        "{shot}. [{state}] {join}, {model}, {n} takes: {prompt}",
        len(row["takes"]),
    )
    return line.format(**words)


def show_rows(board: Storyboard, jobs: dict[str, Job]) -> list[dict]:
    rows = []
    for item in plan(board, jobs):
        shot = item.shot
        picked = jobs.get(shot.picked_job_id or "")
        rows.append(
            {
                "shot": item.number,
                "id": shot.id,
                "join": shot.join.value,
                "join_label": shot.join.label,
                "model": shot.request.model,
                "prompt": shot.request.prompt,
                "state": item.state.value,
                "state_label": item.state.label,
                "stale": board.is_stale(shot.id),
                "takes": [
                    {"job_id": t.job_id, "state": jobs[t.job_id].state.value if t.job_id in jobs else None}
                    for t in shot.takes
                ],
                "picked_job_id": shot.picked_job_id,
                "task_id": picked.task_id if picked else None,
                "seconds": picked.video_seconds if picked else None,
            }
        )
    return rows


def _render(args, context: Context) -> int:
    board = context.board(args.name)
    estimate = film_estimate(board, context.jobs(board), context.region)
    print(estimate.sentence())
    if estimate.to_render and not args.yes and not _confirmed():
        _say(_("nothing was queued (say --yes to render without being asked)"))
        return EXIT_USAGE
    report = context.renderer.render_all(board.id)
    for problem in report.problems:
        _say(str(problem))
    queued = len(report.queued)
    words = ngettext(
        "Queued {n} shot now; the shots that continue others follow as they can.",
        "Queued {n} shots now; the shots that continue others follow as they can.",
        queued,
    )
    print(words.format(n=format_number(queued)))
    if args.run:
        assert context.session is not None
        render_until_done(context.session, threading.Event())
        return _print_board(context.board(board.name), context, as_json=False)
    return EXIT_OK


def _confirmed() -> bool:
    if not sys.stdin.isatty():
        return False
    return input(_("Render it? [y/N] ")).strip().lower() in ("y", "yes")


def render_until_done(session: Session, stop: threading.Event) -> None:
    """Work the queue until idle, then let every storyboard queue the shots that can now start, and again,
    until no storyboard has anything more to queue (what ``run`` does, so chains render to their end)."""
    with StoryboardRepository(session.store.db_path) as repository:
        renderer = renderer_for(session, repository)
        renderer.resume()
        while not stop.is_set():
            session.engine.run(stop, until_idle=True)
            if stop.is_set() or not any(report.queued for report in renderer.resume()):
                break


def restore_storyboards(db: Path, library) -> None:
    """``library rebuild``: the storyboards whose notes are in the library and not in the database."""
    from wan_desktop.core.storyboard import sidecar

    with StoryboardRepository(db) as repository:
        restored, skipped = sidecar.restore(repository, library)
    for line in skipped:
        _say(line)
    if restored:
        words = ngettext("Restored {n} storyboard: {names}.", "Restored {n} storyboards: {names}.", len(restored))
        print(words.format(n=format_number(len(restored)), names=_(", ").join(restored)))


def _take(args, context: Context) -> int:
    board = context.board(args.name)
    shot = _shot(board, args.shot)
    changes = {name: value for name, value in (("seed", args.seed), ("prompt", args.prompt)) if value is not None}
    report = context.renderer.new_take(board.id, shot.id, **changes)
    for problem in report.problems:
        _say(str(problem))
    if report.queued:
        print(_("Queued another take of shot {number}; 'run' renders it.").format(number=args.shot))
    return EXIT_OK if report.queued else EXIT_USAGE


def _pick(args, context: Context) -> int:
    board = context.board(args.name)
    shot = _shot(board, args.shot)
    matches = [take.job_id for take in shot.takes if take.job_id.startswith(args.job)]
    if len(matches) != 1:
        raise Refused(_("No single take of shot {number} matches {job!r}.").format(number=args.shot, job=args.job))
    context.renderer.pick(board.id, shot.id, matches[0])
    print(_("Shot {number} now uses take {job}.").format(number=args.shot, job=matches[0][:8]))
    return EXIT_OK


def _shot(board: Storyboard, number: int):
    if not 1 <= number <= len(board.shots):
        words = _("{name!r} has shots 1 to {last}; there is no shot {number}.")
        raise Refused(words.format(name=board.name, last=len(board.shots), number=number))
    return board.shots[number - 1]


def _remove(args, context: Context) -> int:
    board = context.board(args.name)
    _save(context, edits.remove_shot(board, _shot(board, args.shot).id, context.region, _now()))
    print(_("Removed shot {number}.").format(number=args.shot))
    return EXIT_OK


def _duplicate(args, context: Context) -> int:
    board = context.board(args.name)
    _save(context, edits.duplicate_shot(board, _shot(board, args.shot).id, context.region, _now()))
    print(_("Shot {copy} is a copy of shot {number}.").format(copy=args.shot + 1, number=args.shot))
    return EXIT_OK


def _move(args, context: Context) -> int:
    board = context.board(args.name)
    _save(context, edits.move_shot(board, _shot(board, args.shot).id, args.to - 1, context.region, _now()))
    print(_("Moved shot {number} to place {place}.").format(number=args.shot, place=args.to))
    return EXIT_OK


def _export(args, context: Context) -> int:
    board = context.board(args.name)
    assert context.session is not None
    result = export_film(board, context.jobs(board), context.session.library, args.out, otio=args.otio)
    print(result.message)
    return EXIT_OK


HANDLERS: dict[str, Callable[..., int]] = {
    "new": _new,
    "add": _add,
    "list": _list,
    "show": _show,
    "render": _render,
    "take": _take,
    "pick": _pick,
    "remove": _remove,
    "duplicate": _duplicate,
    "move": _move,
    "export": _export,
}
