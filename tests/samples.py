"""Small media files made on the spot for tests."""

from __future__ import annotations

import wave
from pathlib import Path


def make_wav(path: Path, seconds: float, sample: bytes = b"\x01\x00") -> Path:
    """A mono 16-bit 8 kHz WAV of ``seconds``."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(sample * int(8000 * seconds))
    return path
