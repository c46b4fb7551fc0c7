"""The verdict of a key test, in a module of its own so the settings window can show it without loading the
HTTP client at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .catalog import Region


class KeyStatus(str, Enum):
    VALID = "valid"
    INVALID = "invalid"
    UNREACHABLE = "unreachable"
    OTHER_REGION = "other_region"  # refused here, accepted by another region's endpoint


@dataclass(frozen=True)
class KeyCheck:
    status: KeyStatus
    message: str
    region: Region | None = None  # where the key works (VALID or OTHER_REGION)
