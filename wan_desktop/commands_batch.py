"""The handlers of `batch`, `preset` and `inspect` (parser in cli_batch). Only `batch` without --dry-run
writes: it runs inside the home lock through the engine's add_jobs, like `submit`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from wan_desktop.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE, pad
from wan_desktop.core.batch import BatchPreview, BatchRefused, BatchSettings, parse_lists, preview, requests_to_queue
from wan_desktop.core.batch_files import BatchFileError, read_source
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.errors import LocalValidationError
from wan_desktop.core.i18n import _, format_number, ngettext, pgettext
from wan_desktop.core.presets import PresetBook, PresetError, preset_from_dict


def _err(line: str) -> None:
    print(f"wan-desktop: {line}", file=sys.stderr)


# -- inspect ----------------------------------------------------------------------------------------------------
def inspect_video(args) -> int:
    from wan_desktop.core import media_tags
    from wan_desktop.core.job_codec import request_to_dict

    settings = media_tags.read_settings(args.video)
    if settings is None:
        words = _("'{name}' carries no Wan Desktop settings (it was not made by the app, or its tag is damaged).")
        _err(words.format(name=args.video.name))
        return EXIT_ERROR
    data = {
        "job_id": settings.job_id,
        "task_id": settings.task_id,
        "region": settings.region,
        "created_at": settings.created_at.isoformat() if settings.created_at else None,
        "app_version": settings.app_version,
        "request": request_to_dict(settings.request),
    }
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    request = data["request"]
    print(_("Made with Wan Desktop {version}").format(version=settings.app_version))
    for name in ("model", "prompt", "negative_prompt", "seed", "resolution", "duration", "first_frame"):
        if request.get(name) not in (None, ""):
            print(f"{pad(_field_words(name), 16)} {request[name]}")
    for name in ("task_id", "job_id", "created_at"):
        if data[name]:
            print(f"{pad(_field_words(name), 16)} {data[name]}")
    return EXIT_OK


def _field_words(name: str) -> str:
    """The heading of one line of `inspect`."""
    return {
        "model": _("Model"),
        "prompt": _("Prompt"),
        "negative_prompt": _("Negative prompt"),
        "seed": _("Seed"),
        "resolution": _("Resolution"),
        "duration": _("Duration"),
        "first_frame": _("First frame"),
        "task_id": _("Task id"),
        "job_id": _("Job id"),
        "created_at": _("Created at"),
    }[name]


# -- presets ----------------------------------------------------------------------------------------------------
def preset_command(args, home: Path) -> int:
    book = PresetBook(home)
    try:
        return _preset_action(args, book)
    except PresetError as error:
        _err(str(error))
        return EXIT_ERROR


def _preset_action(args, book: PresetBook) -> int:
    if args.action == "list":
        presets = book.all()
        if args.json:
            print(json.dumps([{**p.to_dict(), "builtin": p.builtin} for p in presets], indent=2, ensure_ascii=False))
        else:
            for preset in presets:
                options = ", ".join(f"{k}={v}" for k, v in preset.to_dict().items() if k not in ("name", "model"))
                shipped = "  " + _("(ships with the app)") if preset.builtin else ""
                print(f"{preset.name:<24} {preset.model:<20} {options}{shipped}")
        for problem in book.problems:
            _err(problem)
        return EXIT_OK
    if not args.name:
        _err(_("preset {action} needs a name").format(action=args.action))
        return EXIT_USAGE
    if args.action == "save":
        return _save(args, book)
    if args.action == "delete":
        book.delete(args.name)
        print(_("Deleted the preset '{name}'.").format(name=args.name))
    elif args.action == "rename":
        renamed = book.rename(args.name, args.target or "")
        print(_("Renamed '{name}' to '{new}'.").format(name=args.name, new=renamed.name))
    elif args.action == "export":
        target = book.export(args.name, Path(args.target or f"{args.name}.json"))
        print(_("Wrote the preset '{name}' to {file}.").format(name=args.name, file=target))
    elif args.action == "import":
        imported = book.import_file(Path(args.name))
        words = ngettext("Imported {n} preset: {names}.", "Imported {n} presets: {names}.", len(imported))
        print(words.format(n=format_number(len(imported)), names=_(", ").join(p.name for p in imported)))
    return EXIT_OK


def _save(args, book: PresetBook) -> int:
    if not args.model:
        _err(_("preset save needs --model"))
        return EXIT_USAGE
    data = {"name": args.name, "model": args.model, "prompt_extend": not args.no_prompt_extend}
    data.update({"watermark": args.watermark, "negative_prompt": args.negative or ""})
    if args.resolution:
        data["resolution"] = args.resolution
    if args.duration is not None:
        data["duration"] = args.duration
    path = book.save(preset_from_dict(data))
    print(_("Saved the preset '{name}' ({file}).").format(name=args.name, file=path.name))
    return EXIT_OK


# -- batch ------------------------------------------------------------------------------------------------------
def batch_preview(args, home: Path, region: Region) -> BatchPreview | None:
    """The preview, or None after printing why the source cannot be read as a batch."""
    try:
        preset = None
        if args.preset:
            preset = PresetBook(home).get(args.preset)
            if preset is None:
                words = _("There is no preset called '{name}'; see `wan-desktop preset list`.")
                raise PresetError(words.format(name=args.preset))
        settings = BatchSettings(
            model=args.model or (preset.model if preset else "wan2.6-i2v-flash"),
            preset=preset if not args.model or (preset and preset.model == args.model) else None,
            template=args.prompt,
            lists=parse_lists(args.var),
            region=region,
        )
        table = read_source(args.source, pattern=args.filter, recursive=args.recursive)
    except (BatchFileError, PresetError, ValueError, OSError) as error:
        _err(str(error))
        return None
    return preview(table, settings)


def print_preview(result: BatchPreview, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(preview_dict(result), indent=2, ensure_ascii=False))
        return
    for note in result.notes:
        print(f"  {note}")
    for row in result.rows:
        price = row.estimate.text() if row.estimate else "-"
        verdict = pgettext("batch row", "ok") if row.valid else pgettext("batch row", "BAD")
        print(f"{pad(row.where, 14)} {pad(verdict, 3)} {pad(price, 12)} {row.prompt[:50]}")
        for problem in row.problems:
            print(f"{'':<14}     {problem}")
    valid, videos = len(result.valid_rows), result.video_count()
    words = ngettext(
        "{n} valid row of {rows}, {videos}, estimated {total}.",
        "{n} valid rows of {rows}, {videos}, estimated {total}.",
        valid,
    )
    videos_words = ngettext("{n} video", "{n} videos", videos).format(n=format_number(videos))
    total = result.total().text()
    print(words.format(n=format_number(valid), rows=format_number(len(result.rows)), videos=videos_words, total=total))


def preview_dict(result: BatchPreview) -> dict:
    return {
        "batch": result.project,
        "notes": list(result.notes),
        "rows": [
            {
                "line": row.line,
                "where": row.where,
                "image": row.image,
                "prompt": row.prompt,
                "valid": row.valid,
                "verdict": row.verdict,
                "problems": list(row.problems),
                "videos": len(row.requests),
                "cost": row.estimate.amount if row.estimate else None,
            }
            for row in result.rows
        ],
        "valid_rows": len(result.valid_rows),
        "videos": result.video_count(),
        "total": result.total().amount,
        "currency": result.total().currency.value,
    }


def batch_dry_run(args, home: Path, region: Region) -> int:
    result = batch_preview(args, home, region)
    if result is None:
        return EXIT_USAGE
    print_preview(result, as_json=args.json)
    return EXIT_OK if result.all_valid else EXIT_USAGE


def batch_queue(args, session, home: Path) -> int:
    """Inside the home lock: preview, then queue through the engine (nothing when a row is bad, unless
    --skip-invalid)."""
    result = batch_preview(args, home, session.target.region)
    if result is None:
        return EXIT_USAGE
    print_preview(result, as_json=args.json)
    try:
        requests = requests_to_queue(result, skip_invalid=args.skip_invalid)
        jobs = session.engine.add_jobs(requests, project=result.project)
    except BatchRefused as refused:
        _err(str(refused))
        return EXIT_USAGE
    except LocalValidationError as error:
        for problem in error.problems:
            _err(str(problem))
        return EXIT_USAGE
    remember_prompts(home, requests)
    if not args.json:
        words = ngettext(
            "Queued {n} job as {batch}; `wan-desktop run` sends them.",
            "Queued {n} jobs as {batch}; `wan-desktop run` sends them.",
            len(jobs),
        )
        print(words.format(n=format_number(len(jobs)), batch=result.project))
    return EXIT_OK


def remember_prompts(home: Path, requests) -> None:
    """Into the prompt history; a history that cannot be written never fails the command that queued."""
    from wan_desktop.core.prompt_history import remember_quietly

    problem = remember_quietly(home, requests)
    if problem:
        _err(problem)
