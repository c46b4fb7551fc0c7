"""How counts are worded for people: "1 video", "2 videos", never "2 video(s)". The one place for it, so the
CLI, the engine's messages and the window say it the same way."""

from __future__ import annotations


def count(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` and ``noun`` in the right number: count(1, "job") is "1 job", count(3, "job") "3 jobs"."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
