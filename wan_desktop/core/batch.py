"""A batch: the rows of a folder or a spreadsheet turned into checked, priced requests before any is queued.

Pure (no Qt, no engine): ``preview`` reads nothing but the source rows and the images they name, and says for
every row what it would send, what it would cost and, in words with the line number, what is wrong. The
window and the CLI show that preview; only the rows the person accepts become jobs (``requests_to_queue``).

Prompt templates: ``{subject} walking through {place}`` is filled from the row's columns, or from lists given
with the batch (``subject=a fox|a cat``); lists multiply, so 3 subjects x 2 places make 6 prompts per row.
"""

from __future__ import annotations

import itertools
import string
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wan_desktop.core import cost, i18n
from wan_desktop.core.batch_files import SourceRow, SourceTable
from wan_desktop.core.composing import problem_text
from wan_desktop.core.dashscope.catalog import MODELS, Region, find_model
from wan_desktop.core.dashscope.errors import Problem
from wan_desktop.core.dashscope.requests import SEED_MAX
from wan_desktop.core.dashscope.types import GenerationRequest, ShotType, is_remote
from wan_desktop.core.i18n import _, format_number, ngettext
from wan_desktop.core.presets import Preset
from wan_desktop.core.request_checks import validate_request

MAX_COUNT = 20  # videos from one row; more is a typo that would be paid for
MAX_JOBS = 10_000
_TEXT_COLUMNS = ("prompt", "negative_prompt")
_OPTION_COLUMNS = (
    "model",
    "resolution",
    "duration",
    "seed",
    "prompt_extend",
    "watermark",
    "audio_enabled",
    "shot_type",
    "template",
    "last_frame",
    "count",
)
KNOWN_COLUMNS = frozenset({"image", *_TEXT_COLUMNS, *_OPTION_COLUMNS})
_TRUE, _FALSE = {"1", "true", "yes", "on", "y"}, {"0", "false", "no", "off", "n", ""}


@dataclass(frozen=True)
class BatchSettings:
    """What applies to every row unless the row says otherwise."""

    model: str = "wan2.6-i2v-flash"
    preset: Preset | None = None
    template: str | None = None  # the prompt for rows without a prompt column; may use {placeholders}
    lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # placeholder -> its values
    region: Region = Region.SINGAPORE


@dataclass(frozen=True)
class BatchRow:
    line: int
    where: str  # "line 3" (in the person's language) or the image's name
    image: str | None
    prompt: str
    requests: tuple[GenerationRequest, ...]  # one per video (count); empty when the row is invalid
    problems: tuple[str, ...]
    estimate: cost.CostEstimate | None

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        """The row's verdict in words, for the preview table."""
        if self.valid:
            videos = len(self.requests)
            return _("Ready") if videos == 1 else _("Ready ({videos} videos)").format(videos=format_number(videos))
        return " ".join(self.problems)


@dataclass(frozen=True)
class BatchPreview:
    batch_id: str
    rows: tuple[BatchRow, ...]
    region: Region
    notes: tuple[str, ...] = ()  # the reader's notes and the template's product ("3 subjects x 2 places")

    @property
    def valid_rows(self) -> tuple[BatchRow, ...]:
        return tuple(row for row in self.rows if row.valid)

    @property
    def invalid_rows(self) -> tuple[BatchRow, ...]:
        return tuple(row for row in self.rows if not row.valid)

    @property
    def all_valid(self) -> bool:
        return bool(self.rows) and not self.invalid_rows

    def total(self, *, valid_only: bool = True) -> cost.CostEstimate:
        rows = self.valid_rows if valid_only else self.rows
        return cost.total(row.estimate for row in rows if row.estimate is not None)

    def video_count(self) -> int:
        return sum(len(row.requests) for row in self.valid_rows)

    @property
    def project(self) -> str:
        return f"batch:{self.batch_id}"


class BatchRefused(ValueError):
    """Queuing was refused: some rows are invalid and the person did not choose to skip them."""


def requests_to_queue(preview: BatchPreview, *, skip_invalid: bool = False) -> list[GenerationRequest]:
    """The requests to hand to Engine.add_jobs; nothing unless every row is valid or ``skip_invalid``."""
    if not preview.rows:
        raise BatchRefused(_("The batch has no rows, so nothing was queued."))
    bad = preview.invalid_rows
    if bad and not skip_invalid:
        raise BatchRefused(
            _(
                "{bad} of {rows} rows have problems, so nothing was queued; fix them, or choose to queue only the "
                "valid ones."
            ).format(bad=format_number(len(bad)), rows=format_number(len(preview.rows)))
        )
    return [request for row in preview.valid_rows for request in row.requests]


# -- templates --------------------------------------------------------------------------------------------------
def placeholders(template: str) -> tuple[str, ...]:
    """The {names} a template uses, in order; ValueError with a sentence for a broken template."""
    names: list[str] = []
    try:
        for _literal, name, spec, conversion in string.Formatter().parse(template):
            if name is None:
                continue
            if not name.isidentifier() or spec or conversion:
                raise ValueError(
                    _("the placeholder {placeholder} must be a plain name such as {example}").format(
                        placeholder="{" + name + "}", example="{subject}"
                    )
                )
            if name not in names:
                names.append(name)
    except ValueError as error:
        raise ValueError(_("The prompt template cannot be read: {reason}.").format(reason=error)) from None
    return tuple(names)


def fill(template: str, values: Mapping[str, Any]) -> str:
    return template.format_map({name: _cell_text(values[name]) for name in placeholders(template)})


def product_words(template: str, lists: Mapping[str, Sequence[str]]) -> str | None:
    """ "3 subjects x 2 places = 6 prompts per row" for the lists a template uses; None without lists."""
    used = [name for name in placeholders(template) if name in lists]
    if not used:
        return None
    parts = [
        _("{n} {name}").format(n=format_number(len(lists[name])), name=_noun(name, len(lists[name]))) for name in used
    ]
    total = 1
    for name in used:
        total *= len(lists[name])
    return ngettext("{lists} = {n} prompt per row", "{lists} = {n} prompts per row", total).format(
        lists=_(" x ").join(parts), n=format_number(total)
    )


def _noun(name: str, number: int) -> str:
    """A placeholder's name as a counted noun: English adds its plural ending ("3 subjects"); other languages
    count without changing the word the person wrote."""
    if number == 1 or i18n.current_language() is not i18n.Language.ENGLISH:
        return name
    return name + ("es" if name.endswith(("s", "x", "ch", "sh")) else "s")


def parse_lists(items: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """ "subject=a fox|a cat" -> {"subject": ("a fox", "a cat")}; ValueError with a sentence."""
    lists: dict[str, tuple[str, ...]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ValueError(_("'{item}' is not a list; write it as name=first|second|third.").format(item=item[:60]))
        options = tuple(v.strip() for v in values.split("|") if v.strip())
        if not options:
            raise ValueError(_("The list '{name}' has no values.").format(name=name))
        lists[name] = options
    return lists


# -- the preview ------------------------------------------------------------------------------------------------
Checker = Callable[[GenerationRequest, Region], list]


def preview(table: SourceTable, settings: BatchSettings, *, check: Checker = validate_request) -> BatchPreview:
    """Every row checked and priced; nothing is queued here."""
    notes = preview_notes(table, settings)
    rows = list(preview_rows(table, settings, check=check))
    return BatchPreview(new_batch_id(), tuple(rows), settings.region, notes)


def new_batch_id() -> str:
    return uuid.uuid4().hex[:12]


def preview_notes(table: SourceTable, settings: BatchSettings) -> tuple[str, ...]:
    """What the reader noticed, the template's product, and the columns nothing uses."""
    notes = list(table.notes)
    used = _template_names(table, settings)
    listed = "".join("{" + name + "}" for name in settings.lists if name in used)  # lists used by any prompt
    if listed and (words := product_words(listed, settings.lists)):
        notes.append(words)
    unused = sorted(set(table.columns) - KNOWN_COLUMNS - used)
    if unused:
        notes.append(
            ngettext(
                "Column {columns} not used by any prompt; ignored.",
                "Columns {columns} not used by any prompt; ignored.",
                len(unused),
            ).format(columns=_(", ").join(unused))
        )
    return tuple(notes)


def preview_rows(
    table: SourceTable, settings: BatchSettings, *, check: Checker = validate_request
) -> Iterator[BatchRow]:
    """The rows one by one (the window shows them as they come). Past MAX_JOBS videos one last, invalid row
    says where the batch was cut, so nothing beyond it is queued unnoticed."""
    videos = 0
    for source in table.rows:
        for row in _rows_for(source, table.base, settings, check):
            videos += len(row.requests)
            if videos > MAX_JOBS:
                cut = _("a batch makes at most {limit} videos; this row and the rest were left out.")
                yield _bad(source, row.image, row.prompt, _at(source, cut.format(limit=format_number(MAX_JOBS))))
                return
            yield row


def _template_names(table: SourceTable, settings: BatchSettings) -> set[str]:
    names: set[str] = set()
    texts = [settings.template or ""] + [str(row.cells.get("prompt", "")) for row in table.rows[:50]]
    for text in texts:
        try:
            names.update(placeholders(text))
        except ValueError:
            continue
    return names


def _rows_for(source: SourceRow, base: Path, settings: BatchSettings, check: Checker) -> list[BatchRow]:
    image = _image(source.cells.get("image"), base)
    if source.problem:
        return [_bad(source, image, "", _at_clause(source, source.problem))]
    template = _cell_text(source.cells.get("prompt")) or settings.template or ""
    try:
        names = placeholders(template)
    except ValueError as error:
        return [_bad(source, image, template, _at(source, str(error)))]
    missing = [name for name in names if name not in source.cells and name not in settings.lists]
    if missing:
        words = _(", ").join("{" + name + "}" for name in missing)
        problem = _("the prompt uses {placeholders}, but there is no column or list of that name.")
        return [_bad(source, image, template, _at(source, problem.format(placeholders=words)))]
    listed = [name for name in names if name not in source.cells]
    rows = []
    for combination in itertools.product(*(settings.lists[name] for name in listed)):
        values = {**source.cells, **dict(zip(listed, combination, strict=True))}
        rows.append(_one_row(source, base, image, fill(template, values), settings, check))
    return rows


def _at(source: SourceRow, sentence: str) -> str:
    """A row's problem with where it is: "Line 3: the count 30 is not from 1 to 20."."""
    return _("{where}: {problem}").format(where=source.where.capitalize(), problem=sentence)


def _at_clause(source: SourceRow, clause: str) -> str:
    """The same for a clause the reader wrote without its full stop ("it is not valid JSON")."""
    return _("{where}: {problem}.").format(where=source.where.capitalize(), problem=clause)


def _bad(source: SourceRow, image: str | None, prompt: str, problem: str) -> BatchRow:
    return BatchRow(source.line, source.where, image, prompt, (), (problem,), None)


def _one_row(
    source: SourceRow, base: Path, image: str | None, prompt: str, settings: BatchSettings, check: Checker
) -> BatchRow:
    try:
        request, videos = _request(source.cells, base, image, prompt, settings)
    except ValueError as error:
        return _bad(source, image, prompt, _at(source, str(error)))
    problems = [_at(source, _sentence(p, request)) for p in check(request, settings.region)]
    if problems:
        return BatchRow(source.line, source.where, image, prompt, (), tuple(problems), None)
    requests = tuple(_seeded(request, n) for n in range(videos))
    one = cost.estimate(request, settings.region)
    return BatchRow(source.line, source.where, image, prompt, requests, (), cost.total([one] * videos))


def _sentence(problem: Problem, request: GenerationRequest) -> str:
    """The check's sentence; a first-frame problem names the picture (the row may not show it)."""
    text = problem_text(problem)
    if problem.field == "first_frame" and request.first_frame and not is_remote(request.first_frame):
        name = Path(request.first_frame).name
        # the sentence's own full stop (or 。) makes way for the picture's name
        return text if name in text else _("{problem} ({name}).").format(problem=text[:-1], name=name)
    return text


def _seeded(request: GenerationRequest, number: int) -> GenerationRequest:
    if request.seed is None or number == 0:
        return request
    return replace(request, seed=(request.seed + number) % (SEED_MAX + 1))


def _request(
    cells: Mapping[str, Any], folder: Path, image: str | None, prompt: str, settings: BatchSettings
) -> tuple[GenerationRequest, int]:
    base = _starting_request(settings)
    model_name = _cell_text(cells.get("model")) or base.model
    spec = find_model(model_name)
    if spec is None:
        raise ValueError(
            _("there is no model called '{name}'; choose one of {models}.").format(
                name=model_name[:40], models=_(", ").join(sorted(MODELS))
            )
        )
    if spec.key != base.model:
        base = GenerationRequest(model=spec.key)  # another model: the preset's options were for its own model
    changes: dict[str, Any] = {"model": spec.key, "first_frame": image, "prompt": prompt.strip()}
    if _cell_text(cells.get("negative_prompt")):
        changes["negative_prompt"] = _cell_text(cells["negative_prompt"])
    for name, convert in _CONVERTERS.items():
        if name in cells and _cell_text(cells[name]) != "":
            changes[name] = convert(name, cells[name])
    if "last_frame" in changes:
        changes["last_frame"] = _image(changes["last_frame"], folder)
    for name in ("first_frame", "last_frame"):
        _confine(changes.get(name), folder)
    videos = _count(cells.get("count"))
    return replace(base, **changes), videos


def _confine(reference: str | None, folder: Path) -> None:
    """A shared batch file must not make the app upload a picture from elsewhere on this machine: local
    pictures are taken only from the batch file's folder and below (symlinks followed)."""
    if not reference or is_remote(reference):
        return
    try:
        Path(reference).resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):
        raise ValueError(
            _(
                "the picture '{name}' lies outside {folder}; only pictures in the batch's folder (or below it) are "
                "used, so put it there."
            ).format(name=Path(reference).name, folder=folder)
        ) from None


def _starting_request(settings: BatchSettings) -> GenerationRequest:
    if settings.preset is not None:
        return settings.preset.applied_to(GenerationRequest(model=settings.preset.model))
    return GenerationRequest(model=settings.model)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _image(value: Any, base: Path | None) -> str | None:
    text = _cell_text(value)
    if not text:
        return None
    if is_remote(text):
        return text
    path = Path(text).expanduser()
    return str(path if path.is_absolute() or base is None else base / path)


def _whole(name: str, value: Any) -> int:
    text = _cell_text(value)
    try:
        number = int(float(text)) if isinstance(value, float) or "." in text else int(text)
    except (ValueError, OverflowError):
        raise ValueError(_not_whole(name, text)) from None
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(_not_whole(name, text))
    return number


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _cell_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(_("the {setting} '{value}' is not yes or no.").format(setting=_words(name), value=text[:30]))


def _shot(name: str, value: Any) -> ShotType:
    try:
        return ShotType(_cell_text(value).lower())
    except ValueError:
        raise ValueError(
            _("the shot type '{value}' is not single or multi.").format(value=_cell_text(value)[:30])
        ) from None


def _text_value(name: str, value: Any) -> str:
    return _cell_text(value)


def _count(value: Any) -> int:
    if _cell_text(value) == "":
        return 1
    number = _whole("count", value)
    if not 1 <= number <= MAX_COUNT:
        raise ValueError(
            _("the count {number} is not from 1 to {limit}.").format(number=number, limit=format_number(MAX_COUNT))
        )
    return number


def _not_whole(name: str, text: str) -> str:
    return _("the {setting} '{value}' is not a whole number.").format(setting=_words(name), value=text[:30])


def _words(name: str) -> str:
    """A column's setting as the sentences of a mistake call it."""
    words = {
        "audio_enabled": _("sound setting"),
        "prompt_extend": _("prompt rewriting setting"),
        "watermark": _("watermark"),
        "duration": _("duration"),
        "seed": _("seed"),
        "count": _("count"),
    }
    return words.get(name, name.replace("_", " "))


_CONVERTERS: dict[str, Callable[[str, Any], Any]] = {
    "resolution": lambda name, value: _cell_text(value).upper(),
    "duration": _whole,
    "seed": _whole,
    "prompt_extend": _flag,
    "watermark": _flag,
    "audio_enabled": _flag,
    "shot_type": _shot,
    "template": _text_value,
    "last_frame": _text_value,
}
