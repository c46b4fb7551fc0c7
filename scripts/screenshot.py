"""Takes the README's screenshot of the real main window: demo mode, a few jobs queued the way a person
does it, some of them finished.

    xvfb-run -a -s "-screen 0 1366x900x24" .venv/bin/python scripts/screenshot.py [docs/screenshot.png] [zh_CN]

(scripts/screenshot.sh runs exactly that; `scripts/screenshot.sh docs/screenshot-zh_CN.png zh_CN` takes the
Chinese one, which needs a CJK font: scripts/system-deps.sh installs Noto CJK.) Uses the xcb platform on the
virtual screen, so what is saved is what a person would see.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

from PIL import Image, ImageDraw
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from window_picture import save_window_picture  # scripts/, beside this file

from wan_desktop.core import i18n
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.jobs import JobState
from wan_desktop.core.secrets import KeyVault
from wan_desktop.core.settings import Settings, SettingsStore
from wan_desktop.qt.app import make_application
from wan_desktop.qt.main_window import MainWindow, WindowContext
from wan_desktop.qt.self_test import drop_files, run_events_until


def settle(condition, timeout_s: float) -> None:
    run_events_until(condition, timeout_s, interval_ms=50)


def picture(path: Path, sky: tuple, sun: tuple) -> Path:
    image = Image.new("RGB", (960, 640), sky)
    pen = ImageDraw.Draw(image)
    pen.ellipse((600, 120, 760, 280), fill=sun)
    pen.polygon([(0, 640), (300, 330), (560, 640)], fill=(40, 70, 60))
    pen.polygon([(380, 640), (700, 300), (960, 640)], fill=(30, 55, 50))
    image.save(path)
    return path


PROMPTS = {
    i18n.Language.ENGLISH: "slow dolly in, warm light, mist drifting over the hills",
    i18n.Language.CHINESE: "镜头缓缓推进，暖色光线，薄雾飘过山丘",
}


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png").resolve()
    language = i18n.Language(sys.argv[2]) if len(sys.argv) > 2 else i18n.Language.ENGLISH
    i18n.install(language)  # before the application: make_application installs Qt's side to match
    make_application()  # the QApplication must exist before any widget
    with tempfile.TemporaryDirectory(prefix="wan-shot-") as tmp:
        root = Path(tmp)
        images = [
            picture(root / "dawn.png", (250, 170, 120), (255, 230, 160)),
            picture(root / "noon.png", (120, 180, 240), (255, 250, 210)),
            picture(root / "dusk.png", (90, 60, 130), (250, 140, 90)),
        ]
        settings = Settings(
            library_dir=root / "library", region=Region.CUSTOM, notifications=False, keep_running_in_tray=False
        )
        window = MainWindow(
            WindowContext(root / "home", SettingsStore(root / "home"), KeyVault(), demo=True, demo_time_scale=0.02),
            settings,
        )
        window.resize(1366, 860)
        window.show()
        ready = []
        window.engine_ready.connect(lambda: ready.append(True))
        settle(lambda: ready, 60)
        composer = window.composer
        composer.select_model("wan2.6-i2v-flash")
        composer.resolution_combo.setCurrentIndex(composer.resolution_combo.findData("720P"))
        drop_files(composer.first_zone, images)
        settle(lambda: len(composer.first_zone.entries()) == 3 and not composer.first_zone.busy, 30)
        composer.variations.setValue(2)
        composer.prompt_edit.setPlainText(PROMPTS[language])  # as an input method commits it
        QTest.mouseClick(composer.generate_button, Qt.MouseButton.LeftButton)
        settle(lambda: sum(job.state is JobState.DONE for job in window.jobs()) >= 3, 120)
        settle(lambda: False, 1.0)  # let thumbnails and the status line repaint
        save_window_picture(window, target)
        window.quit()
    print(f"saved {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
