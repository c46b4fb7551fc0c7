"""The in-app player (QtMultimedia): play/pause, seek, loop, mute, frame step, full screen, and a playlist for
a lineage sequence (each clip plays after the one it continues)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from wan_desktop.core.i18n import _, format_number

FRAME_MS = 33  # one frame at 30 fps; Wan clips are 16-30 fps, so this steps about one frame


def _clock(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


class Player(QWidget):
    """``play_files(paths)`` plays one clip or a sequence. ``error_text`` holds the last problem in words."""

    problem = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.video = QVideoWidget()
        self.video.setAccessibleName(_("Video"))
        self.video.setMinimumHeight(160)
        self.player.setVideoOutput(self.video)
        self.playlist: list[Path] = []
        self.current = -1
        self.error_text = ""
        self._build()
        self.player.durationChanged.connect(self._duration_changed)
        self.player.positionChanged.connect(self._position_changed)
        self.player.playbackStateChanged.connect(self._state_changed)
        self.player.mediaStatusChanged.connect(self._status_changed)
        self.player.errorOccurred.connect(self._error)

    def _build(self) -> None:
        self.play_button = QPushButton(_("Play"))
        self.play_button.setAccessibleName(_("Play or pause"))
        self.play_button.clicked.connect(self.toggle)
        self.back_button = QPushButton("◀|")
        self.back_button.setAccessibleName(_("One frame back"))
        self.back_button.setToolTip(_("One frame back"))
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.forward_button = QPushButton("|▶")
        self.forward_button.setAccessibleName(_("One frame forward"))
        self.forward_button.setToolTip(_("One frame forward"))
        self.forward_button.clicked.connect(lambda: self.step(1))
        self.seek = QSlider(Qt.Orientation.Horizontal)
        self.seek.setAccessibleName(_("Position in the video"))
        self.seek.sliderMoved.connect(self.player.setPosition)
        self.time_label = QLabel("0:00 / 0:00")
        self.time_label.setAccessibleName(_("Time"))
        self.loop = QCheckBox(_("Loop"))
        self.loop.toggled.connect(self._loop_changed)
        self.mute = QCheckBox(_("Mute"))
        self.mute.toggled.connect(self.audio.setMuted)
        self.full_button = QPushButton(_("Full screen"))
        self.full_button.setAccessibleName(_("Full screen"))
        self.full_button.clicked.connect(self.toggle_full_screen)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName(_("Player status"))
        controls = QHBoxLayout()
        for widget in (
            self.play_button,
            self.back_button,
            self.forward_button,
            self.seek,
            self.time_label,
            self.loop,
            self.mute,
            self.full_button,
        ):
            controls.addWidget(widget, 1 if widget is self.seek else 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.video, 1)
        layout.addLayout(controls)
        layout.addWidget(self.status)

    # -- playing ------------------------------------------------------------------------------------------
    def play_files(self, paths: list[Path], *, autoplay: bool = True) -> None:
        self.playlist = [Path(path) for path in paths]
        self.current = -1
        if not self.playlist:
            self.stop()
            return
        self._open(0, autoplay)

    def _open(self, number: int, autoplay: bool) -> None:
        self.current = number
        self.error_text = ""
        path = self.playlist[number]
        count = len(self.playlist)
        clip = _("Clip {number} of {count}: {name}")
        self.status.setText(
            clip.format(number=format_number(number + 1), count=format_number(count), name=path.name)
            if count > 1
            else path.name
        )
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self._loop_changed(self.loop.isChecked())  # a single clip loops itself, a sequence as a whole
        if autoplay:
            self.player.play()

    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def stop(self) -> None:
        self.player.stop()
        self.player.setSource(QUrl())

    def step(self, frames: int) -> None:
        """Pause and move ``frames`` frames (negative: back)."""
        self.player.pause()
        position = max(0, self.player.position() + frames * FRAME_MS)
        if self.player.duration() > 0:
            position = min(position, self.player.duration())
        self.player.setPosition(position)

    def toggle_full_screen(self) -> None:
        self.video.setFullScreen(not self.video.isFullScreen())

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and self.video.isFullScreen():
            self.video.setFullScreen(False)
            return
        super().keyPressEvent(event)

    # -- reports --------------------------------------------------------------------------------------------
    def _loop_changed(self, on: bool) -> None:
        # A sequence loops as a whole (see _status_changed); a single clip loops in the player itself.
        single = len(self.playlist) <= 1
        self.player.setLoops(QMediaPlayer.Loops.Infinite if on and single else 1)

    def _duration_changed(self, duration: int) -> None:
        self.seek.setRange(0, max(0, duration))
        self._position_changed(self.player.position())

    def _position_changed(self, position: int) -> None:
        if not self.seek.isSliderDown():
            self.seek.setValue(position)
        self.time_label.setText(f"{_clock(position)} / {_clock(self.player.duration())}")

    def _state_changed(self, state) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText(_("Pause") if playing else _("Play"))

    def _status_changed(self, status) -> None:
        if status != QMediaPlayer.MediaStatus.EndOfMedia or not self.playlist:
            return
        following = self.current + 1
        if following < len(self.playlist):
            self._open(following, True)
        elif self.loop.isChecked() and len(self.playlist) > 1:
            self._open(0, True)

    def _error(self, _error, message: str) -> None:
        name = self.playlist[self.current].name if 0 <= self.current < len(self.playlist) else _("the video")
        reason = message or _("the player gave no reason")
        self.error_text = _("{name} cannot be played here: {reason}.").format(name=name, reason=reason)
        self.status.setText(self.error_text)
        self.problem.emit(self.error_text)

    def shutdown(self) -> None:
        self.stop()
