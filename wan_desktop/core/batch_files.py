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
    where: str  # "line 3" or "beach.png", for messages
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
        raise BatchFileError(f"'{path}' is neither a file nor a folder.")
    raw = _bounded_bytes(path)
    text, encoding = decode(raw, path.name)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return _jsonl(text, path.parent)
    return read_csv_text(text, path.parent, notes=(f"read as {encoding}",))


def _bounded_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BatchFileError(_too_big(path.name, size))
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise BatchFileError(f"'{path.name}' cannot be read ({error.strerror or error}).") from None
    if len(raw) > MAX_FILE_BYTES:
        raise BatchFileError(_too_big(path.name, len(raw)))
    return raw


def _too_big(name: str, size: int) -> str:
    return (
        f"'{name}' is {size / 1_048_576:.1f} MB; a batch file may be at most {MAX_FILE_BYTES // 1_048_576} MB "
        f"({MAX_ROWS:,} rows). Split it into smaller files."
    )


def decode(raw: bytes, name: str) -> tuple[str, str]:
    """The text and the encoding it was read as: UTF-8 (BOM or not), else GB18030 (Chinese Excel's GBK)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "UTF-8 with a BOM"
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
        return raw.decode("gb18030"), "GBK (Chinese)"
    except UnicodeDecodeError:
        raise BatchFileError(
            f"'{name}' is not text in UTF-8 or GBK; save it from your spreadsheet as 'CSV UTF-8' and try again."
        ) from None


def read_csv_text(text: str, base: Path, *, notes: tuple[str, ...] = ()) -> SourceTable:
    if "\x00" in text:
        raise BatchFileError("The file holds NUL characters, so it is not a CSV file.")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # blank lines before the header
        if header is None:
            raise BatchFileError("The file is empty: it has no header row naming the columns.")
        columns = _columns(header)
        rows = _csv_rows(reader, columns)
    except csv.Error as error:
        raise BatchFileError(f"Line {reader.line_num} cannot be read as CSV ({error}).") from None
    names = {";": "semicolons", "\t": "tabs", ",": "commas"}
    return SourceTable(tuple(rows), columns, base, (*notes, f"columns separated by {names[delimiter]}"))


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
            raise BatchFileError(f"Column {number} of the header has no name; name it or delete it.")
        if name in seen:
            raise BatchFileError(
                f"The column '{name}' appears twice in the header (columns {seen[name]} and {number}); keep one."
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
            raise BatchFileError(f"The file has more than {MAX_ROWS:,} rows; split it into smaller files.")
        where = f"line {line}"
        if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
            problem = f"it has {len(cells)} cells but the header names {len(columns)} columns"
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
            raise BatchFileError(f"The file has more than {MAX_ROWS:,} rows; split it into smaller files.")
        row = _json_row(line, body)
        columns.update(dict.fromkeys(row.cells))
        rows.append(row)
    return SourceTable(tuple(rows), tuple(columns), base, ("read as JSON lines",))


def _json_row(line: int, body: str) -> SourceRow:
    where = f"line {line}"
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return SourceRow(line, where, {}, "it is not valid JSON")
    if not isinstance(data, dict):
        return SourceRow(line, where, {}, "it is not a JSON object of column names and values")
    cells: dict[str, Any] = {}
    for key, value in data.items():
        name = column_name(key)
        if name in cells:
            return SourceRow(line, where, {}, f"it names the column '{name}' twice")
        if isinstance(value, (dict, list)) or (isinstance(value, str) and len(value) > MAX_CELL):
            return SourceRow(line, where, {}, f"its '{name}' is not a plain value")
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
                    f"'{folder.name}' holds more than {MAX_FOLDER_FILES:,} images; choose a smaller folder."
                )
    if not found:
        raise BatchFileError(f"'{folder.name}' holds no image matching '{pattern}'.")
    rows = [
        SourceRow(number, str(path.relative_to(folder)), {"image": str(path)})
        for number, path in enumerate(found, start=1)
    ]
    return SourceTable(tuple(rows), ("image",), folder, (f"{len(rows)} images",))
