"""Takes the README's screenshot of the Storyboard tab: demo mode, a three-shot film (a hard cut, a shot
from its last frame, a wan2.7 clip continuation) rendered through the real engine.

    xvfb-run -a -s "-screen 0 1366x900x24" .venv/bin/python scripts/storyboard_screenshot.py [docs/storyboard.png]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")


from window_picture import save_window_picture  # scripts/, beside this file

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.secrets import KeyVault
from wan_desktop.core.settings import Settings, SettingsStore
from wan_desktop.core.storyboard import edits
from wan_desktop.core.storyboard.model import Join
from wan_desktop.core.storyboard.planner import ShotState
from wan_desktop.qt import storyboard_tab
from wan_desktop.qt.app import make_application
from wan_desktop.qt.main_window import MainWindow, WindowContext
from wan_desktop.qt.self_test import run_events_until

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshot import picture


def film_work(image: Path):
    def work(engine, renderer, repository) -> str:
        board = edits.new_board("The hills at dawn", edits_now())
        kept = engine.library.copy_input(board.id, image, "first_frame")
        shots = (
            (GenerationRequest("wan2.2-i2v-flash", str(kept), "dawn over misty hills", resolution="480P"), Join.CUT),
            (GenerationRequest("wan2.2-i2v-flash", prompt="the sun climbs", resolution="480P"), Join.LAST_FRAME),
            (GenerationRequest("wan2.7-i2v", prompt="birds cross the light", resolution="720P", duration=7), Join.CLIP),
        )
        for request, join in shots:
            board = edits.add_shot(board, edits.new_shot(request, join), Region.CUSTOM, edits_now())
        renderer.save(board)
        renderer.render_all(board.id)
        return "Rendering the film."

    return work


def edits_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/storyboard.png").resolve()
    make_application()
    with tempfile.TemporaryDirectory(prefix="wan-shot-") as tmp:
        root = Path(tmp)
        image = picture(root / "dawn.png", (250, 170, 120), (255, 230, 160))
        settings = Settings(
            library_dir=root / "library", region=Region.CUSTOM, notifications=False, keep_running_in_tray=False
        )
        context = WindowContext(
            root / "home", SettingsStore(root / "home"), KeyVault(), demo=True, demo_time_scale=0.02
        )
        window = MainWindow(context, settings)
        window.resize(1366, 860)
        window.show()
        ready = []
        window.engine_ready.connect(lambda: ready.append(True))
        run_events_until(lambda: ready, 60, interval_ms=50)
        panel = storyboard_tab.ensure_panel(window)
        window.tabs.setCurrentWidget(window.storyboard_host)  # pyright: ignore[reportAttributeAccessIssue]
        panel._on_engine(film_work(image))  # pyright: ignore[reportPrivateUsage]

        def done() -> bool:
            view = panel.current_view()
            return bool(view and view.shots and all(s.state is ShotState.DONE for s in view.shots))

        run_events_until(done, 180, interval_ms=100)
        panel.strip.setCurrentRow(1)
        run_events_until(lambda: False, 1.5, interval_ms=50)
        save_window_picture(window, target)
        window.quit()
    print(f"saved {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
