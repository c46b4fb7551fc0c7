"""The headless subcommands (submit, run, jobs, cancel, retry, decide, library, key, demo) over the engine."""

from __future__ import annotations

import argparse
import errno
import json
import os
import signal
import sys
import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path

from wan_desktop.cli import EXIT_BLOCKED, EXIT_BUSY, EXIT_ERROR, EXIT_OK, EXIT_USAGE, SUBCOMMANDS, pad
from wan_desktop.cli_money import MONEY_SUBCOMMANDS
from wan_desktop.commands_money import run_money_command
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.errors import LocalValidationError
from wan_desktop.core.dashscope.types import GenerationRequest, ShotType
from wan_desktop.core.events import EngineEvent, EngineMode, EventKind, UncertainDecision
from wan_desktop.core.home_lock import HomeBusy, HomeLock
from wan_desktop.core.i18n import _, format_number, ngettext, pgettext
from wan_desktop.core.jobs import Job, JobState, job_label
from wan_desktop.core.paths import default_home, default_library
from wan_desktop.core.secrets import KeyringUnavailable, KeySource, KeyVault, mask_key
from wan_desktop.core.session import MissingKeyError, Session, Target, open_session, target_for
from wan_desktop.core.settings import Settings, SettingsStore
from wan_desktop.core.store import StoreError
from wan_desktop.demo import DemoService, demo_home

# Commands that change jobs or the library: one engine per home, so they hold the home's lock throughout.
WRITING_COMMANDS = frozenset({"submit", "run", "cancel", "retry", "decide", "library", "batch"})
READING_BATCH_COMMANDS = frozenset({"inspect", "preset"})  # no engine: a video, or the home's preset files


def run_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        return _dispatch(args, parser)
    except HomeBusy as busy:
        print(f"wan-desktop: {busy}", file=sys.stderr)
        return EXIT_BUSY
    except (StoreError, MissingKeyError, KeyringUnavailable, ValueError, OSError) as error:
        print(f"wan-desktop: {getattr(error, 'explanation', None) or error}", file=sys.stderr)
        return EXIT_ERROR


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    home = (args.home or default_home()).expanduser()
    if args.command == "demo":
        if not args.rest or args.rest[0] not in SUBCOMMANDS - {"demo", "key"}:
            parser.error(_("demo takes a command: submit, run, jobs, cancel, retry, decide, library or storyboard"))
        inner = parser.parse_args(args.rest)
        inner.home, inner.library = home, args.library
        return _command(inner, demo_home(home), demo=True)
    return _command(args, home, demo=False)


def _command(args, home: Path, *, demo: bool) -> int:
    settings: Settings | None = None
    try:
        _use_catalog_of(home)
        if args.command == "models":
            from wan_desktop.commands_models import list_models

            return list_models(args.json)
        settings = _settings_for(args, home, demo)
        if args.command == "key":
            return _key_command(args.action, settings)
        if args.command == "storyboard":  # takes the home lock itself, for its writing actions only
            from wan_desktop.commands_storyboard import storyboard_command

            return storyboard_command(args, home, settings, demo=demo)
        if args.command in MONEY_SUBCOMMANDS:
            return run_money_command(args, home, settings, demo=demo)
        if args.command in READING_BATCH_COMMANDS or (args.command == "batch" and args.dry_run):
            return _batch_command(args, home, settings)
        with _home_lock(args.command, home, demo):
            return _locked_command(args, home, settings, demo=demo)
    except OSError as error:
        library = (settings.library_dir if settings else None) or args.library or home
        print(f"wan-desktop: {disk_sentence(error, library)}", file=sys.stderr)
        return EXIT_ERROR


def _batch_command(args, home: Path, settings: Settings) -> int:
    from wan_desktop import commands_batch

    if args.command == "inspect":
        return commands_batch.inspect_video(args)
    if args.command == "preset":
        return commands_batch.preset_command(args, home)
    return commands_batch.batch_dry_run(args, home, settings.region)


def _use_catalog_of(home: Path) -> None:
    """The person's own models.json in the home, merged over the shipped catalog; a bad one is named."""
    from wan_desktop.core.dashscope.catalog import use_home

    refusal = use_home(home)
    if refusal:
        _say(_("{refusal} The shipped catalog is used.").format(refusal=refusal))


def disk_sentence(error: OSError, library: Path) -> str:
    """The words `run` uses for a full or read-only disk, for whichever folder the error names (a full disk
    often names none: then the library, which takes the copies of the inputs)."""
    folder = _folder_of(error.filename) if error.filename else library
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("The disk holding {folder} is full. Free some space, then try again.").format(folder=folder)
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        if _inside(folder, library):
            words = _(
                "The library folder {folder} cannot be written (read-only or no permission). "
                "Fix it or choose another folder."
            )
        else:
            words = _("The folder {folder} cannot be written (read-only or no permission). Fix it, then try again.")
        return words.format(folder=folder)
    return _("Could not use {folder}: {reason}.").format(folder=folder, reason=error.strerror or error)


def _folder_of(filename) -> Path:
    path = Path(os.fsdecode(filename))
    return path if path.is_dir() else path.parent


def _inside(folder: Path, root: Path) -> bool:
    try:
        return Path(folder).resolve().is_relative_to(Path(root).resolve())
    except (OSError, ValueError):
        return False


def _home_lock(command: str, home: Path, demo: bool) -> AbstractContextManager:
    if command not in WRITING_COMMANDS:
        return nullcontext()  # jobs (and key show) only read, and work while another holds the home
    return HomeLock.acquire(home, f"wan-desktop {'demo ' if demo else ''}{command}")


def _locked_command(args, home: Path, settings: Settings, *, demo: bool) -> int:
    if args.command == "library":
        return _rebuild(home, settings)
    demo_service = DemoService(home / "simulator") if demo and args.command in ("run", "cancel") else None
    try:
        target = demo_service.target if demo_service else _offline_or_real_target(settings, args.command, demo)
        with_listener = args.command == "run" and not args.quiet
        session = open_session(
            home,
            _library_dir(settings),
            target,
            listener=_print_event if with_listener else None,
            max_concurrent=settings.max_concurrent_jobs,
        )
        try:
            return _session_command(args, session, settings)
        finally:
            session.close()
    finally:
        if demo_service:
            demo_service.close()


def _settings_for(args, home: Path, demo: bool) -> Settings:
    """The saved settings with this command's options. Only the library is remembered (the documented
    exception); --base-url and --region apply to this one command, so a one-off test URL never receives a
    later run's key."""
    store = SettingsStore(home)
    saved = store.load()
    remembered = _remembered_workspace(_remembered_library(saved, args, home, demo), args)
    if remembered != saved:
        store.save(remembered)
    return _options_for_this_command(remembered, args, demo)


def _remembered_workspace(settings: Settings, args) -> Settings:
    """`submit --workspace ID` is remembered for the region in effect: `run` sends the job later, and must
    use the same workspace host (an id is no secret; Settings shows and changes it)."""
    workspace = getattr(args, "workspace", None)
    if not workspace:
        return settings
    from wan_desktop.core.dashscope.regions import check_workspace

    region = Region(args.region) if getattr(args, "region", None) else settings.region
    return settings.with_workspace(region, check_workspace(workspace))


def _library_dir(settings: Settings) -> Path:
    if settings.library_dir is None:  # never: _settings_for remembers a library before any command runs
        raise RuntimeError("no library folder is set")
    return settings.library_dir


def _remembered_library(settings: Settings, args, home: Path, demo: bool) -> Settings:
    if args.library:
        return settings.with_changes(library_dir=args.library.expanduser().resolve())
    if settings.library_dir is None:
        return settings.with_changes(library_dir=home / "library" if demo else default_library())
    return settings


def _options_for_this_command(settings: Settings, args, demo: bool) -> Settings:
    changes = {}
    if demo:
        changes["region"] = Region.CUSTOM
    elif args.base_url:
        from wan_desktop.core.dashscope.regions import check_base_url

        changes.update(region=Region.CUSTOM, custom_base_url=check_base_url(args.base_url))
    elif args.region:
        changes["region"] = Region(args.region)
    return settings.with_changes(**changes) if changes else settings


def _offline_or_real_target(settings: Settings, command: str, demo: bool) -> Target:
    """Commands that send nothing (submit, jobs, retry) must work without a key or a service."""
    from wan_desktop.core.dashscope.regions import ServiceEndpoint

    needs_service = command in ("run", "cancel", "decide")
    if needs_service and not demo:
        return target_for(settings, KeyVault())
    # Never contacted: these commands only read and write the local database and library.
    return Target(settings.region, ServiceEndpoint("http://127.0.0.1:9/api/v1", settings.region), api_key="")


def _session_command(args, session: Session, settings: Settings) -> int:
    engine = session.engine
    if args.command == "submit":
        return _submit(args, session, settings)
    if args.command == "batch":
        from wan_desktop.commands_batch import batch_queue

        return batch_queue(args, session, session.store.db_path.parent)
    if args.command == "jobs":
        _list_jobs(engine.jobs(), session, as_json=args.json)
        return EXIT_OK
    if args.command == "run":
        return _run(session)
    job = _find_job(engine.jobs(), args.job)
    if job is None:
        _say(_("no single job matches {job!r}").format(job=args.job))
        return EXIT_USAGE
    if args.command == "cancel":
        engine.recover()
        print(engine.cancel(job.id).message)
    elif args.command == "retry":
        print(engine.retry(job.id).message)
    elif args.command == "decide":
        print(engine.decide(job.id, UncertainDecision(args.decision)).message)
    return EXIT_OK


def _submit(args, session: Session, settings: Settings) -> int:
    from wan_desktop import commands_models as cm
    from wan_desktop.core.dashscope.catalog import find_model

    spec = find_model(args.model)
    if not args.images and (spec is None or cm.needs_an_image(spec, args)):
        _say(_("give at least one image (or --clip for wan2.7 continuation)"))
        return EXIT_USAGE
    try:
        references = cm.references_for(args, spec) if spec else ()
        duration = cm.duration_for(args, spec) if spec else args.duration
        cm.check_host(spec, settings)
    except cm.SubmitRefused as refused:
        return cm.refuse(refused)
    from wan_desktop.cli_inputs import InputRefused, submit_inputs

    try:
        # the window keeps its fixed copies in the same place
        inputs = submit_inputs(args, session.store.db_path.parent / "scratch", report=_say)
    except InputRefused as refused:
        for line in refused.lines:
            _say(line)
        return EXIT_USAGE
    base = GenerationRequest(
        model=args.model,
        prompt=args.prompt,
        negative_prompt=args.negative,
        last_frame=inputs.last_frame,
        audio=inputs.audio,
        first_clip=inputs.clip,
        resolution=args.resolution,
        duration=duration,
        seed=args.seed,
        prompt_extend=not args.no_prompt_extend,
        watermark=args.watermark,
        audio_enabled=args.audio_enabled,
        shot_type=ShotType(args.shot_type) if args.shot_type else None,
        template=args.template,
        references=references,
        ratio=args.ratio,
        enable_thinking=True if args.thinking else None,
    )
    frames = list(inputs.images) or [None]
    requests = [replace(base, first_frame=image) for image in frames for _copy in range(max(args.count, 1))]
    try:
        jobs = session.engine.add_jobs(requests)
    except LocalValidationError as error:
        for problem in error.problems:
            _say(str(problem))
        return EXIT_USAGE
    from wan_desktop.commands_batch import remember_prompts

    remember_prompts(session.store.db_path.parent, requests)
    for job in jobs:
        print(job.id)
    return EXIT_OK


def _say(line: str) -> None:
    print(f"wan-desktop: {line}", file=sys.stderr)


def _run(session: Session) -> int:
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        from wan_desktop.commands_storyboard import render_until_done

        render_until_done(session, stop)  # the queue, and every storyboard's shots that can start after it
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    engine = session.engine
    waiting = engine.waiting_on_person()
    for job in waiting:
        words = _("{job}: needs your decision: {reason}").format(job=job.id[:8], reason=job.error_message)
        print(words, file=sys.stderr)
    for job in (job for job in engine.jobs() if job.state is JobState.HELD_BY_BUDGET):
        print(f"{job.id[:8]}: {job.error_message}", file=sys.stderr)  # "Held by budget: ..."
    if engine.mode is EngineMode.BLOCKED:
        _say(_("stopped: {reason}").format(reason=engine.mode_reason))
        return EXIT_BLOCKED
    return EXIT_OK


def _print_event(event: EngineEvent) -> None:
    if event.kind is EventKind.JOB_UPDATED and event.job is not None:
        job = event.job
        extra = _(" ({error})").format(error=job.error_message) if job.error_message and job.state.is_final else ""
        where = _(" -> {path}").format(path=job.video_path) if job.state is JobState.DONE else ""
        print(f"{job.id[:8]}: {job_label(job)}{where}{extra}", file=sys.stderr, flush=True)
    elif event.kind in (EventKind.NOTICE, EventKind.MODE_CHANGED) and event.message:
        print(f"wan-desktop: {event.message}", file=sys.stderr, flush=True)


def _list_jobs(jobs: list[Job], session: Session, *, as_json: bool) -> None:
    root = session.library.root
    if as_json:
        rows = [_job_row(job, root) for job in jobs]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for job in jobs:
        snippet = (job.request.prompt or "").replace("\n", " ")[:40]
        print(f"{job.id[:8]}  {pad(state_word(job.state), 16)} {job.request.model:<20} {snippet}")


def state_word(state: JobState) -> str:
    """The `jobs` list's state column: the state's code in English, as it has always read, in words elsewhere."""
    return {
        JobState.QUEUED: pgettext("job state", "queued"),
        JobState.SUBMITTING: pgettext("job state", "submitting"),
        JobState.PENDING: pgettext("job state", "pending"),
        JobState.RUNNING: pgettext("job state", "running"),
        JobState.SUCCEEDED: pgettext("job state", "succeeded"),
        JobState.DOWNLOADING: pgettext("job state", "downloading"),
        JobState.DONE: pgettext("job state", "done"),
        JobState.FAILED: pgettext("job state", "failed"),
        JobState.CANCELED: pgettext("job state", "canceled"),
        JobState.EXPIRED: pgettext("job state", "expired"),
        JobState.SUBMIT_UNCERTAIN: pgettext("job state", "submit_uncertain"),
        JobState.HELD_BY_BUDGET: pgettext("job state", "held_by_budget"),
    }[state]


def _job_row(job: Job, root: Path) -> dict:
    return {
        "id": job.id,
        "state": job.state.value,
        "prompt": job.request.prompt,
        "model": job.request.model,
        "task_id": job.task_id,
        "video_path": str(root / job.video_path) if job.video_path else None,
        "thumbnail_path": str(root / job.thumbnail_path) if job.thumbnail_path else None,
        "error": job.error_message,
        "error_code": job.error_code,
        "request_ids": list(job.request_ids),
        "created_at": job.created_at.isoformat(),
        "cost": job.cost,
        "currency": job.currency,
    }


def _find_job(jobs: list[Job], prefix: str) -> Job | None:
    matches = [job for job in jobs if job.id.startswith(prefix)]
    return matches[0] if len(matches) == 1 else None


def _rebuild(home: Path, settings: Settings) -> int:
    """Restore the finished jobs the library's sidecars describe, through the engine's journal (the only
    writer of job rows); every note that cannot be restored is named with the reason."""
    from wan_desktop.core.engine import Engine, EngineConfig
    from wan_desktop.core.library import Library
    from wan_desktop.core.store import JobStore

    library = Library(_library_dir(settings))
    scan = library.scan_sidecars()
    with JobStore(home / "jobs.sqlite3") as store:
        outcome = Engine(store, library, None, EngineConfig(region=settings.region)).import_jobs(scan.jobs)
    from wan_desktop.commands_storyboard import restore_storyboards

    restore_storyboards(home / "jobs.sqlite3", library)
    for problem in scan.problems:
        _say(_("skipped {path}: {problem}").format(path=problem.path, problem=problem.message))
    for job_id, why in outcome.refused:
        _say(_("skipped job {job}: {problem}").format(job=job_id, problem=why))
    added = len(outcome.added)
    words = ngettext(
        "Restored {n} job from the sidecars in {folder}.", "Restored {n} jobs from the sidecars in {folder}.", added
    )
    print(words.format(n=format_number(added), folder=library.root))
    return EXIT_OK


def _key_command(action: str, settings: Settings) -> int:
    vault = KeyVault()
    region = settings.region.value
    if action == "show":
        stored = vault.get(region)
        if stored:
            words = _("{region}: {key} (from {source})")
            print(words.format(region=region, key=mask_key(stored.key), source=_source_word(stored.source)))
        else:
            print(_("{region}: no key").format(region=region))
        return EXIT_OK
    if action == "clear":
        vault.forget(region)
        print(_("Removed the key for {region} from the keyring.").format(region=region))
        return EXIT_OK
    import getpass

    asked = _("API key for {region}: ").format(region=region)
    key = getpass.getpass(asked).strip() if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not key:
        _say(_("no key given"))
        return EXIT_USAGE
    vault.store(region, key)
    words = _("Stored the key for {region} in the system keyring ({backend}).")
    print(words.format(region=region, backend=vault.backend_name()))
    return EXIT_OK


def _source_word(source: KeySource) -> str:
    """Where `key show` found the key, in one word (the code's own in English)."""
    return {
        KeySource.ENVIRONMENT: pgettext("key source", "environment"),
        KeySource.KEYRING: pgettext("key source", "keyring"),
        KeySource.SESSION: pgettext("key source", "session"),
        KeySource.NONE: pgettext("key source", "none"),
    }[source]
