"""Reading a batch's source: a CSV or JSONL file (one row per job) or a folder of images. No Qt.

Everything here is a file a person brought, so it is read as untrusted input: bounded in size and rows,
decoded as UTF-8 (with or without a BOM) or GB18030 (a superset of the GBK that Chinese Excel writes),
comma, semicolon or tab separated, header names checked for duplicates. Each problem is a sentence with the
line number; nothing here raises a traceback at a person.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wan_desktop.core.i18n import _, format_number

MAX_FILE_BYTES = 4 * 1024 * 1024  # 1,000 rows with long prompts are a few hundred KiB
MAX_ROWS = 10_000
MAX_CELL = 20_000
MAX_FOLDER_FILES = 10_000
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".heic", ".heif"})
# Header spellings people use, mapped to the column the app reads.
_ALIASES = {
    "image": "image",
    "images": "image",
    "image_path": "image",
    "image_url": "image",
    "first_frame": "image",
    "file": "image",
    "path": "image",
    "negative": "negative_prompt",
    "negative_prompt": "negative_prompt",
    "sound": "audio_enabled",
    "audio_enabled": "audio_enabled",
    "shot": "shot_type",
    "shot_type": "shot_type",
    "effect": "template",
    "last_frame": "last_frame",
    "variations": "count",
    "n": "count",
}


class BatchFileError(ValueError):
    """The whole file cannot be read as a batch; the message is a sentence for a person."""


@dataclass(frozen=True)
class SourceRow:
    """One row as read: where it is (a line number, or a file name for a folder) and its cells."""

    line: int  # 1-based line in the file; for a folder, the image's position
    where: str  # "line 3" (in the person's language) or "beach.png", for messages
    cells: dict[str, Any]
    problem: str | None = None  # the row could not be read (ragged, not an object)


@dataclass(frozen=True)
class SourceTable:
    rows: tuple[SourceRow, ...]
    columns: tuple[str, ...]
    base: Path  # relative image paths are relative to this folder
    notes: tuple[str, ...] = ()  # what the reader noticed (encoding, separator)


def column_name(header: str) -> str:
    key = "_".join(str(header).strip().lower().replace("-", " ").split())
    return _ALIASES.get(key, key)


def read_source(path: Path, *, pattern: str = "*", recursive: bool = False) -> SourceTable:
    path = Path(path).expanduser()
    if path.is_dir():
        return read_folder(path, pattern=pattern, recursive=recursive)
    if not path.is_file():
        raise BatchFileError(_("'{path}' is neither a file nor a folder.").format(path=path))
    raw = _bounded_bytes(path)
    text, encoding = decode(raw, path.name)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return _jsonl(text, path.parent)
    return read_csv_text(text, path.parent, notes=(_("read as {encoding}").format(encoding=encoding),))


def _bounded_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BatchFileError(_too_big(path.name, size))
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise BatchFileError(
            _("'{name}' cannot be read ({reason}).").format(name=path.name, reason=error.strerror or error)
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise BatchFileError(_too_big(path.name, len(raw)))
    return raw


def _too_big(name: str, size: int) -> str:
    return _(
        "'{name}' is {size} MB; a batch file may be at most {limit} MB ({rows} rows). Split it into smaller files."
    ).format(
        name=name,
        size=format_number(size / 1_048_576, 1),
        limit=format_number(MAX_FILE_BYTES // 1_048_576),
        rows=format_number(MAX_ROWS),
    )


def decode(raw: bytes, name: str) -> tuple[str, str]:
    """The text and the encoding it was read as: UTF-8 (BOM or not), else GB18030 (Chinese Excel's GBK)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), _("UTF-8 with a BOM")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), _("GBK (Chinese)")
    except UnicodeDecodeError:
        raise BatchFileError(
            _(
                "'{name}' is not text in UTF-8 or GBK; save it from your spreadsheet as 'CSV UTF-8' and try again."
            ).format(name=name)
        ) from None


def read_csv_text(text: str, base: Path, *, notes: tuple[str, ...] = ()) -> SourceTable:
    if "\x00" in text:
        raise BatchFileError(_("The file holds NUL characters, so it is not a CSV file."))
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # blank lines before the header
        if header is None:
            raise BatchFileError(_("The file is empty: it has no header row naming the columns."))
        columns = _columns(header)
        rows = _csv_rows(reader, columns)
    except csv.Error as error:
        raise BatchFileError(
            _("Line {line} cannot be read as CSV ({reason}).").format(line=reader.line_num, reason=error)
        ) from None
    return SourceTable(tuple(rows), columns, base, (*notes, _separated_by(delimiter)))


def _separated_by(delimiter: str) -> str:
    if delimiter == ";":
        return _("columns separated by semicolons")
    if delimiter == "\t":
        return _("columns separated by tabs")
    return _("columns separated by commas")


def line_words(line: int) -> str:
    """Where a row of a file is, for messages: "line 3"."""
    return _("line {line}").format(line=line)


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        return max((",", ";", "\t"), key=first.count)


def _columns(header: list[str]) -> tuple[str, ...]:
    columns = [column_name(cell) for cell in header]
    seen: dict[str, int] = {}
    for number, name in enumerate(columns, start=1):
        if not name:
            raise BatchFileError(
                _("Column {number} of the header has no name; name it or delete it.").format(number=number)
            )
        if name in seen:
            raise BatchFileError(
                _("The column '{name}' appears twice in the header (columns {first} and {second}); keep one.").format(
                    name=name, first=seen[name], second=number
                )
            )
        seen[name] = number
    return tuple(columns)


def _csv_rows(reader, columns: tuple[str, ...]) -> list[SourceRow]:
    rows: list[SourceRow] = []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(rows) >= MAX_ROWS:
            raise BatchFileError(_too_many_rows())
        where = line_words(line)
        if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
            problem = _("it has {cells} cells but the header names {columns} columns").format(
                cells=format_number(len(cells)), columns=format_number(len(columns))
            )
            rows.append(SourceRow(line, where, {}, problem))
            continue
        values = {name: cells[i].strip()[:MAX_CELL] if i < len(cells) else "" for i, name in enumerate(columns)}
        rows.append(SourceRow(line, where, values))
    return rows


def _jsonl(text: str, base: Path) -> SourceTable:
    rows: list[SourceRow] = []
    columns: dict[str, None] = {}
    for line, body in enumerate(text.splitlines(), start=1):
        if not body.strip():
            continue
        if len(rows) >= MAX_ROWS:
            raise BatchFileError(_too_many_rows())
        row = _json_row(line, body)
        columns.update(dict.fromkeys(row.cells))
        rows.append(row)
    return SourceTable(tuple(rows), tuple(columns), base, (_("read as JSON lines"),))


def _too_many_rows() -> str:
    return _("The file has more than {rows} rows; split it into smaller files.").format(rows=format_number(MAX_ROWS))


def _json_row(line: int, body: str) -> SourceRow:
    where = line_words(line)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return SourceRow(line, where, {}, _("it is not valid JSON"))
    if not isinstance(data, dict):
        return SourceRow(line, where, {}, _("it is not a JSON object of column names and values"))
    cells: dict[str, Any] = {}
    for key, value in data.items():
        name = column_name(key)
        if name in cells:
            return SourceRow(line, where, {}, _("it names the column '{name}' twice").format(name=name))
        if isinstance(value, (dict, list)) or (isinstance(value, str) and len(value) > MAX_CELL):
            return SourceRow(line, where, {}, _("its '{name}' is not a plain value").format(name=name))
        cells[name] = value
    return SourceRow(line, where, cells)


def read_folder(folder: Path, *, pattern: str = "*", recursive: bool = False) -> SourceTable:
    """One row per image in ``folder`` whose name matches ``pattern`` (sub-folders only when asked)."""
    found: list[Path] = []
    walker = os.walk(folder) if recursive else [(str(folder), [], os.listdir(folder))]
    for current, subfolders, names in walker:
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(names):
            path = Path(current) / name
            if name.startswith(".") or path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            if fnmatch.fnmatch(name.lower(), pattern.lower()) and path.is_file():
                found.append(path)
            if len(found) > MAX_FOLDER_FILES:
                raise BatchFileError(
                    _("'{folder}' holds more than {limit} images; choose a smaller folder.").format(
                        folder=folder.name, limit=format_number(MAX_FOLDER_FILES)
                    )
                )
    if not found:
        raise BatchFileError(
            _("'{folder}' holds no image matching '{pattern}'.").format(folder=folder.name, pattern=pattern)
        )
    rows = [
        SourceRow(number, str(path.relative_to(folder)), {"image": str(path)})
        for number, path in enumerate(found, start=1)
    ]
    images = _("{n} images").format(n=format_number(len(rows)))  # English has said "1 images" so far
    return SourceTable(tuple(rows), ("image",), folder, (images,))
