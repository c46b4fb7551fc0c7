"""The Library tab's toolbar: search, filters (model, state, resolution, favourites, dates), sort, and the
count of the videos shown."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as dtime

from PySide6.QtCore import QDate, QLocale, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QWidget

from wan_desktop.core.history import GalleryQuery, SortOrder
from wan_desktop.core.i18n import _, format_number, ngettext
from wan_desktop.core.jobs import JobState

SEARCH_DELAY_MS = 200
IN_PROGRESS = frozenset(state for state in JobState if not state.is_final)


def state_choices() -> list[tuple[str, frozenset[JobState]]]:
    return [
        (_("Every state"), frozenset()),
        (_("Done"), frozenset({JobState.DONE})),
        (_("In progress"), IN_PROGRESS),
        (_("Failed"), frozenset({JobState.FAILED})),
        (_("Canceled or expired"), frozenset({JobState.CANCELED, JobState.EXPIRED})),
    ]


def count_text(count: int) -> str:
    """How many videos are shown: "1 video", "2 videos", "0 videos"."""
    return ngettext("{n} video", "{n} videos", count).format(n=format_number(count))


def short_date_format() -> str:
    """The locale's own short date (2 Nov 2026 is "11/2/26" in English, "2026/11/2" in Chinese): Qt's default
    locale is the app's language (languages.install_qt_language)."""
    return QLocale().dateFormat(QLocale.FormatType.ShortFormat)


def _local_midnight(day: QDate) -> datetime:
    # built from the parts: QDate.toPython() gives the same date, but its stubs type it as object
    return datetime.combine(date(day.year(), day.month(), day.day()), dtime.min).astimezone()


def _combo(name: str, items: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    for text, data in items:
        combo.addItem(text, data)
    return combo


class LibraryFilters(QWidget):
    changed = Signal()  # the query changed: run it again (typing in the search waits a moment)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search prompts, negative prompts and rewritten prompts"))
        self.search.setAccessibleName(_("Search the library"))
        self.search.setClearButtonEnabled(True)
        self.model_filter = _combo(_("Model filter"), [(_("Every model"), None)])
        self.state_filter = _combo(_("State filter"), [(text, states) for text, states in state_choices()])
        self.resolution_filter = _combo(_("Resolution filter"), [(_("Every resolution"), None)])
        self.favourites = QCheckBox(_("Favourites"))
        self.dates = QCheckBox(_("Dates"))
        self.since = QDateEdit(QDate.currentDate().addMonths(-1))
        self.until = QDateEdit(QDate.currentDate())
        for edit, name in ((self.since, _("From date")), (self.until, _("To date"))):
            edit.setDisplayFormat(short_date_format())
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
            edit.setEnabled(False)
        self.sort = _combo(_("Sort order"), [(order.label, order) for order in SortOrder])
        self.count_label = QLabel("")
        self.count_label.setAccessibleName(_("Number of videos shown"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search, 3)
        others = (self.model_filter, self.state_filter, self.resolution_filter, self.favourites, self.dates)
        for widget in (*others, self.since, self.until, self.sort, self.count_label):
            layout.addWidget(widget)
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self._connect()

    def _connect(self) -> None:
        self.search_timer.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _text: self.search_timer.start())
        for combo in (self.model_filter, self.state_filter, self.resolution_filter, self.sort):
            combo.currentIndexChanged.connect(lambda _index: self.changed.emit())
        for box in (self.favourites, self.dates):
            box.toggled.connect(lambda _on: self.changed.emit())
        self.dates.toggled.connect(self.since.setEnabled)
        self.dates.toggled.connect(self.until.setEnabled)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(lambda _date: self.dates.isChecked() and self.changed.emit())

    def query(self) -> GalleryQuery:
        model, resolution = self.model_filter.currentData(), self.resolution_filter.currentData()
        since = until = None
        if self.dates.isChecked():
            since = _local_midnight(self.since.date())
            until = _local_midnight(self.until.date()) + timedelta(days=1)
        return GalleryQuery(
            text=self.search.text().strip(),
            models=frozenset({model}) if model else frozenset(),
            states=self.state_filter.currentData() or frozenset(),
            resolutions=frozenset({resolution}) if resolution else frozenset(),
            since=since,
            until=until,
            favourites_only=self.favourites.isChecked(),
            sort=self.sort.currentData() or SortOrder.NEWEST,
        )

    def add_choices(self, choices: tuple[list[str], list[str]]) -> None:
        """Offer the models and resolutions the history holds (those already offered stay)."""
        models, resolutions = choices
        for combo, values in ((self.model_filter, models), (self.resolution_filter, resolutions)):
            present = {combo.itemData(number) for number in range(combo.count())}
            combo.blockSignals(True)
            for value in values:
                if value not in present:
                    combo.addItem(value, value)
            combo.blockSignals(False)

    def show_count(self, count: int) -> None:
        self.count_label.setText(count_text(count))

    def shutdown(self) -> None:
        self.search_timer.stop()
