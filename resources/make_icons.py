"""Draws the app icon at every size the platforms want, so the artwork is reproducible from source.

    python resources/make_icons.py

Writes wan_desktop/resources/icons/wan-desktop-SIZE.png (used at run time and by the Linux desktop
entry), resources/wan-desktop.ico (Windows) and resources/wan-desktop.icns (macOS).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
PNG_DIR = ROOT / "wan_desktop" / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def draw(size: int) -> Image.Image:
    scale = 4  # draw large, then shrink: smooth edges without an anti-aliasing library
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    margin = big // 16
    pen.rounded_rectangle((margin, margin, big - margin, big - margin), radius=big // 5, fill=(22, 92, 170, 255))
    # a film frame with a rising wave: a picture that starts to move
    inner = big // 4
    pen.rounded_rectangle((inner, inner, big - inner, big - inner), radius=big // 24, outline=(255, 255, 255, 255),
                          width=max(big // 28, 1))
    wave = [(inner + i * (big - 2 * inner) / 6, big * (0.6 if i % 2 else 0.5)) for i in range(7)]
    pen.line(wave, fill=(255, 214, 90, 255), width=max(big // 20, 1), joint="curve")
    play = [(big * 0.45, big * 0.33), (big * 0.45, big * 0.47), (big * 0.57, big * 0.40)]
    pen.polygon(play, fill=(255, 255, 255, 255))
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    images = {size: draw(size) for size in SIZES}
    for size, image in images.items():
        image.save(PNG_DIR / f"wan-desktop-{size}.png")
    images[256].save(ROOT / "resources" / "wan-desktop.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    images[512].save(ROOT / "resources" / "wan-desktop.icns")


if __name__ == "__main__":
    main()
