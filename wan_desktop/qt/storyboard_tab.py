"""The Storyboard tab in the main window, built the first time it is shown (like the Library tab), with a
composer of its own as the shot editor; "Make a storyboard from this lineage" in the Library tab lands here.
main_window.py calls ``install`` and ``shutdown`` only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QVBoxLayout, QWidget

from wan_desktop.core.i18n import _
from wan_desktop.core.library import Library
from wan_desktop.demo import demo_home

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .storyboard_panel import StoryboardPanel


def tab_title() -> str:
    return _("&Storyboard")


def install(window: MainWindow) -> None:
    host = QWidget()
    QVBoxLayout(host).setContentsMargins(0, 0, 0, 0)
    window.storyboard_panel = None  # pyright: ignore[reportAttributeAccessIssue]
    window.storyboard_host = host  # pyright: ignore[reportAttributeAccessIssue]
    index = window.tabs.addTab(host, tab_title())
    window.tabs.currentChanged.connect(lambda shown: shown == index and ensure_panel(window))


def ensure_panel(window: MainWindow) -> StoryboardPanel:
    panel = getattr(window, "storyboard_panel", None)
    if panel is not None:
        return panel
    from .composer import Composer
    from .storyboard_panel import StoryboardPanel

    home = demo_home(window.context.home) if window.context.demo else window.context.home
    editor = Composer(window._region, window.context.home / "scratch")  # pyright: ignore[reportPrivateUsage]
    editor.generate_button.hide()  # a shot is added or saved here; the film renders with "Render all"
    editor.variations.setValue(1)
    panel = StoryboardPanel(
        lambda: home / "jobs.sqlite3",
        lambda: Library(window.library_root()),
        window._region,  # pyright: ignore[reportPrivateUsage]
        lambda: window.engine,
        editor,
    )
    window.storyboard_panel = panel  # pyright: ignore[reportAttributeAccessIssue]
    layout = window.storyboard_host.layout()  # pyright: ignore[reportAttributeAccessIssue]
    assert layout is not None  # made with the host in install()
    layout.addWidget(panel)
    panel.notice.connect(lambda text: window.statusBar().showMessage(text, 10000))
    window.engine_ready.connect(panel.engine_ready)
    window.engine_ready.connect(panel.refresh)
    window.job_finished.connect(panel.job_updated)
    if window.engine is not None:
        panel.engine_ready()
    panel.refresh()
    return panel


def make_from_lineage(window: MainWindow, job_id: str) -> None:
    panel = ensure_panel(window)
    panel.from_lineage(job_id)
    window.tabs.setCurrentWidget(window.storyboard_host)  # pyright: ignore[reportAttributeAccessIssue]


def shutdown(window: MainWindow) -> None:
    panel = getattr(window, "storyboard_panel", None)
    if panel is not None:
        panel.shutdown()
        panel.editor.shutdown()  # pyright: ignore[reportAttributeAccessIssue]
