"""A three-shot storyboard (hard cut, last-frame continue, clip continue) and a way to render it to the end."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.library import Library
from wan_desktop.core.storyboard import edits
from wan_desktop.core.storyboard.model import Join, Storyboard

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def patterned_image(path: Path, size=(480, 270)) -> Path:
    """A picture with shapes and a gradient, so frames from different moments differ measurably."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for n in range(6):
        x, y = 40 + n * 70, 40 + (n * 53) % 180
        draw.ellipse((x, y, x + 50, y + 50), fill=(200 - n * 30, 40 + n * 35, 120))
    image.save(path)
    return path


def three_shot_board(library: Library, tmp: Path, name: str = "Fox film") -> Storyboard:
    picture = library.copy_input("0" * 32, patterned_image(tmp / "first.png"), "first_frame")
    board = edits.new_board(name, NOW)
    shots = (
        (GenerationRequest("wan2.2-i2v-flash", first_frame=str(picture), prompt="a fox", resolution="480P"), Join.CUT),
        (GenerationRequest("wan2.2-i2v-flash", prompt="the fox runs", resolution="480P"), Join.LAST_FRAME),
        (GenerationRequest("wan2.7-i2v", prompt="the fox jumps", resolution="720P", duration=7), Join.CLIP),
    )
    for request, join in shots:
        board = edits.add_shot(board, edits.new_shot(request, join), Region.CUSTOM, NOW)
    return board
