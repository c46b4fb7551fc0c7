"""Settings: region (with Frankfurt's workspace id or a custom base URL), the API key, the library folder,
how many jobs run at once, notifications, and the language (used from the next start).

The key goes to the system keyring per region through KeyVault and never into Settings. Without a safe
keyring the dialog says so and offers the environment variable or "keep for this run only"; it never
writes the key in plain text. Keyring calls and the key test run off the GUI thread (a keyring may wait
for an unlock prompt; the test talks to the network).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wan_desktop.core import i18n
from wan_desktop.core.dashscope.catalog import REGIONS, Region
from wan_desktop.core.dashscope.keycheck import KeyCheck, KeyStatus
from wan_desktop.core.dashscope.regions import ServiceEndpoint
from wan_desktop.core.i18n import Language, _
from wan_desktop.core.secrets import ENV_VAR, KeyringUnavailable, KeySource, KeyVault, mask_key
from wan_desktop.core.settings import Settings

from . import theme
from .background import BackgroundCalls

KeyChecker = Callable[[str, Sequence[ServiceEndpoint]], KeyCheck]
MAX_JOBS = 5  # the highest per-account concurrency any model allows (contract section 7)


def _check_key_in_regions(api_key: str, endpoints: Sequence[ServiceEndpoint]) -> KeyCheck:
    from wan_desktop.core.dashscope.client import check_key_in_regions  # loads httpx only when a key is tested

    return check_key_in_regions(api_key, endpoints)


def key_check_words(check: KeyCheck) -> str:
    """The short verdict shown beside the Test key button."""
    if check.status is KeyStatus.VALID:
        return _("valid")
    if check.status is KeyStatus.INVALID:
        return _("invalid key")
    if check.status is KeyStatus.OTHER_REGION and check.region is not None:
        return _("this key belongs to {region}").format(region=REGIONS[check.region].label)
    return _("could not reach the service")


def endpoints_to_try(region: Region, workspace: str, custom_base_url: str) -> list[ServiceEndpoint]:
    """The chosen region first, then the other public regions (to spot a key made elsewhere).

    Raises ValueError (a sentence) when the chosen region's address is incomplete."""
    chosen = ServiceEndpoint.for_region(region, workspace=workspace, custom_base_url=custom_base_url)
    if region is Region.CUSTOM:
        return [chosen]  # a simulator or proxy: asking Alibaba's hosts would leak the key elsewhere
    elsewhere = [r for r in REGIONS if r not in (region, Region.CUSTOM) and not REGIONS[r].needs_workspace]
    others = [ServiceEndpoint.for_region(r) for r in elsewhere]
    return [chosen, *others]


class LanguageChoice(QWidget):
    """The language the app words itself in: the system's or one named in itself. The words are chosen once,
    at start, so a choice other than the language in use shows when it applies."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.system = i18n.system_language()  # as the system says, whatever language is in use
        self.combo = QComboBox()
        self.combo.addItem(_("System language ({language})").format(language=self.system.own_name), i18n.SYSTEM)
        for language in Language:
            self.combo.addItem(language.own_name, language.value)
        theme.name(self.combo, _("Language"), _("The language of the app's words"))
        self.note = QLabel(_("The new language is used the next time Wan Desktop starts."))
        self.note.setWordWrap(True)
        self.note.setAccessibleName(_("When the language changes"))
        self.note.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.note)
        self.combo.currentIndexChanged.connect(lambda _index: self._changed())

    def set_value(self, value: str) -> None:
        self.combo.setCurrentIndex(max(0, self.combo.findData(value)))
        self._changed()

    def value(self) -> str:
        """What Settings.language keeps: "system" or a Language value."""
        return str(self.combo.currentData())

    def _changed(self) -> None:
        value = self.value()
        chosen = self.system if value == i18n.SYSTEM else Language(value)
        self.note.setVisible(chosen is not i18n.current_language())


class SettingsDialog(QDialog):
    settings_saved = Signal(object)  # Settings

    def __init__(
        self,
        settings: Settings,
        vault: KeyVault,
        *,
        key_checker: KeyChecker | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        self._settings = settings
        self._vault = vault
        self._key_checker = key_checker or _check_key_in_regions
        self._calls = BackgroundCalls(self)
        self._saved: Settings | None = None
        self._status_token: int | None = None
        self._build()
        self._load(settings)
        self._calls.busy_changed.connect(self._busy_changed)

    # -- construction ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self._build_service()
        self._build_key()
        self._build_rest()
        self._lay_out()
        self._connect()

    def _build_service(self) -> None:
        self.region_combo = QComboBox()
        for region, info in REGIONS.items():
            self.region_combo.addItem(info.label, region.value)
        theme.name(self.region_combo, _("Region"), _("Where your Model Studio account and key live"))
        self.workspace_edit = QLineEdit()
        self.workspace_edit.setPlaceholderText(_("Workspace id from the Model Studio console"))
        theme.name(
            self.workspace_edit,
            _("Workspace id"),
            _("Optional (required in Frankfurt and for Wan 3.0): requests then go to this workspace's own host"),
        )
        self.base_url_edit = QLineEdit()
        self.base_url_edit.setPlaceholderText("http://127.0.0.1:8000/api/v1")
        theme.name(self.base_url_edit, _("Custom base URL"), _("A simulator or proxy that speaks the DashScope API"))

    def _build_key(self) -> None:
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("sk-…")
        theme.name(self.key_edit, _("API key"), _("Leave empty to keep the key already stored for this region"))
        self.show_key = QCheckBox(_("S&how"))
        theme.name(self.show_key, _("Show the API key"))
        self.show_key.toggled.connect(
            lambda on: self.key_edit.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)
        )
        self.key_status = QLabel()
        self.key_status.setWordWrap(True)
        self.key_status.setAccessibleName(_("Stored key"))
        self.test_button = QPushButton(_("&Test key"))
        theme.name(self.test_button, _("Test key"), _("Ask the service whether the key works in this region"))
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setAccessibleName(_("Key test result"))
        self.forget_button = QPushButton(_("&Forget stored key"))
        theme.name(self.forget_button, _("Forget stored key"), _("Remove this region's key from the keyring"))
        self.no_keyring = QLabel()
        self.no_keyring.setWordWrap(True)
        self.no_keyring.setAccessibleName(_("No keyring warning"))
        self.session_only = QCheckBox(_("Keep the key for this run &only (it is forgotten when the app quits)"))
        theme.name(self.session_only, _("Keep the key for this run only"))

    def _build_rest(self) -> None:
        self.library_edit = QLineEdit()
        theme.name(self.library_edit, _("Library folder"), _("Where finished videos are kept"))
        self.library_button = QPushButton(_("&Choose…"))
        theme.name(self.library_button, _("Choose the library folder"))
        self.jobs_spin = QSpinBox()
        self.jobs_spin.setRange(0, MAX_JOBS)
        self.jobs_spin.setSpecialValueText(_("As many as the model allows"))
        theme.name(self.jobs_spin, _("Jobs at once"), _("How many videos are generated at the same time"))
        self.notifications = QCheckBox(_("&Notify me when a video is ready or a job fails"))
        theme.name(self.notifications, _("Notifications"))
        self.tray = QCheckBox(_("Keep running in the s&ystem tray when the window is closed"))
        theme.name(self.tray, _("Keep running in the tray"), _("Jobs keep going and finished videos are downloaded"))
        self.language = LanguageChoice()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName(_("Problem"))
        self.problem.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        theme.name(self.buttons.button(QDialogButtonBox.StandardButton.Save), _("Save settings"))
        theme.name(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), _("Cancel"))

    def _lay_out(self) -> None:
        form = QFormLayout()
        self._form = form
        self._add(form, _("&Region:"), self.region_combo)
        self._add(form, _("&Workspace id:"), self.workspace_edit)
        self._add(form, _("Base &URL:"), self.base_url_edit)
        key_row = QWidget()
        key_layout = QHBoxLayout(key_row)
        key_layout.setContentsMargins(0, 0, 0, 0)
        key_layout.addWidget(self.key_edit, 1)
        key_layout.addWidget(self.show_key)
        self._add(form, _("API &key:"), key_row, buddy=self.key_edit)
        form.addRow("", self.key_status)
        form.addRow("", self._test_row())
        # The keyring warning spans the dialog: a wrapped label inside a form row gets clipped.
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.no_keyring)
        layout.addWidget(self.session_only)
        layout.addLayout(self._more_form())
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _test_row(self) -> QWidget:
        test_row = QWidget()
        test_layout = QHBoxLayout(test_row)
        test_layout.setContentsMargins(0, 0, 0, 0)
        test_layout.addWidget(self.test_button)
        test_layout.addWidget(self.test_result, 1)
        test_layout.addWidget(self.forget_button)
        return test_row

    def _more_form(self) -> QFormLayout:
        library_row = QWidget()
        library_layout = QHBoxLayout(library_row)
        library_layout.setContentsMargins(0, 0, 0, 0)
        library_layout.addWidget(self.library_edit, 1)
        library_layout.addWidget(self.library_button)
        more = QFormLayout()
        self._add(more, _("&Library folder:"), library_row, buddy=self.library_edit)
        self._add(more, _("&Jobs at once:"), self.jobs_spin)
        more.addRow("", self.notifications)
        more.addRow("", self.tray)
        self._add(more, _("Lan&guage:"), self.language, buddy=self.language.combo)
        return more

    def _connect(self) -> None:
        self.region_combo.currentIndexChanged.connect(lambda _i: self._region_changed())
        self.test_button.clicked.connect(self.test_key)
        self.forget_button.clicked.connect(self.forget_key)
        self.library_button.clicked.connect(self.browse_library)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    @staticmethod
    def _add(form: QFormLayout, text: str, field: QWidget, buddy: QWidget | None = None) -> None:
        label = QLabel(text)
        label.setBuddy(buddy or field)
        form.addRow(label, field)

    def _load(self, settings: Settings) -> None:
        self.region_combo.setCurrentIndex(max(0, self.region_combo.findData(settings.region.value)))
        self._shown_region = settings.region
        self.workspace_edit.setText(settings.workspace_for(settings.region))
        self.base_url_edit.setText(settings.custom_base_url)
        self.library_edit.setText(str(settings.library_dir) if settings.library_dir else "")
        self.jobs_spin.setValue(settings.max_concurrent_jobs or 0)
        self.notifications.setChecked(settings.notifications)
        self.tray.setChecked(bool(settings.keep_running_in_tray))
        self.language.set_value(settings.language)
        safe = self._vault.backend_available()
        self.no_keyring.setVisible(not safe)
        self.session_only.setVisible(not safe)
        self.forget_button.setVisible(True)
        if not safe:
            words = _(
                "No secure system keyring was found ({backend}), so the key cannot be saved safely. Set the "
                "<b>{variable}</b> environment variable before starting Wan Desktop, or keep the key for "
                "this run only."
            ).format(backend=html.escape(self._vault.backend_name()), variable=ENV_VAR)
            self.no_keyring.setText(f"<span style='color:{theme.css_colour('warning')}'>{words}</span>")
        self._region_changed()

    # -- region ------------------------------------------------------------------------------------------
    def region(self) -> Region:
        return Region(self.region_combo.currentData())

    def _region_changed(self) -> None:
        region = self.region()
        # Each region keeps its own workspace id: remember the one typed for the region left behind.
        previous = getattr(self, "_shown_region", region)
        if previous is not region:
            self._settings = self._settings.with_workspace(previous, self.workspace_edit.text())
            self.workspace_edit.setText(self._settings.workspace_for(region))
            self._shown_region = region
        self._form.setRowVisible(self.workspace_edit, region is not Region.CUSTOM)
        self._form.setRowVisible(self.base_url_edit, region is Region.CUSTOM)
        self.test_result.clear()
        self._refresh_key_status()

    def _refresh_key_status(self) -> None:
        region = self.region()
        if self._status_token is not None:
            self._calls.cancel(self._status_token)
        self.key_status.setText(_("Looking for a stored key…"))
        self._status_token = self._calls.run(
            lambda: self._vault.get(region.value),
            lambda stored: self._show_key_status(region, stored),
            lambda error: self._show_key_status(region, None),
        )

    def _show_key_status(self, region: Region, stored) -> None:
        self._status_token = None
        if region is not self.region():
            return
        if stored is None:
            self.key_status.setText(_("No key for {region} yet. Paste it above.").format(region=REGIONS[region].label))
        else:
            using = _("Using {key}, {source}.")
            self.key_status.setText(using.format(key=mask_key(stored.key), source=stored.source.label))
        self.forget_button.setEnabled(stored is not None and stored.source is not KeySource.ENVIRONMENT)
        self._stored = stored

    def key_status_text(self) -> str:
        return self.key_status.text()

    # -- the key test ----------------------------------------------------------------------------------
    def test_key(self) -> None:
        typed = self.key_edit.text().strip()
        stored = getattr(self, "_stored", None)
        key = typed or (stored.key if stored else "")
        if not key:
            self._show_test(_("Paste a key first."), "error")
            return
        try:
            endpoints = endpoints_to_try(self.region(), self.workspace_edit.text(), self.base_url_edit.text())
        except ValueError as error:
            self._show_test(str(error), "error")
            return
        checker = self._key_checker
        self._show_test(_("Testing…"), "muted")
        self.test_button.setEnabled(False)
        self._calls.run(lambda: checker(key, endpoints), self._tested, self._test_failed)

    def _tested(self, check: KeyCheck) -> None:
        self.test_button.setEnabled(True)
        kind = "ok" if check.status is KeyStatus.VALID else "error"
        words = _("{verdict} — {explanation}").format(
            verdict=f"<b>{html.escape(key_check_words(check))}</b>", explanation=html.escape(check.message)
        )
        self._show_test(words, kind, escaped=True)
        self.last_check = check

    def _test_failed(self, error: Exception) -> None:
        self.test_button.setEnabled(True)
        self._show_test(_("could not reach the service ({error})").format(error=error), "error")

    def _show_test(self, text: str, kind: str, escaped: bool = False) -> None:
        body = text if escaped else html.escape(text)
        self.test_result.setText(f"<span style='color:{theme.css_colour(kind)}'>{body}</span>")

    def test_result_text(self) -> str:
        return _plain(self.test_result.text())

    def forget_key(self) -> None:
        region = self.region()
        self._calls.run(
            lambda: self._vault.forget(region.value),
            lambda _none: self._refresh_key_status(),
            lambda error: self._show_problem(str(error)),
        )

    # -- library folder ----------------------------------------------------------------------------------
    def browse_library(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Choose the library folder"), self.library_edit.text())
        if folder:
            self.choose_library(Path(folder))

    def choose_library(self, folder: Path) -> None:
        """What the folder chooser does with its answer (tests call this instead of the dialog)."""
        self.library_edit.setText(str(folder))

    # -- saving ------------------------------------------------------------------------------------------
    def new_settings(self) -> Settings:
        """The settings as the form shows them (no key: that lives in the keyring)."""
        library = self.library_edit.text().strip()
        return self._settings.with_workspace(self.region(), self.workspace_edit.text()).with_changes(
            region=self.region(),
            custom_base_url=self.base_url_edit.text().strip(),
            library_dir=Path(library).expanduser() if library else None,
            max_concurrent_jobs=self.jobs_spin.value() or None,
            notifications=self.notifications.isChecked(),
            keep_running_in_tray=self._tray_choice(),
            language=self.language.value(),
        )

    def _tray_choice(self) -> bool | None:
        # None means "ask the first time the window closes"; an untouched box keeps that question open.
        if self._settings.keep_running_in_tray is None and not self.tray.isChecked():
            return None
        return self.tray.isChecked()

    def saved_settings(self) -> Settings | None:
        """The settings accepted with Save; None until then (or after Cancel)."""
        return self._saved

    def save(self) -> None:
        settings = self.new_settings()
        try:
            ServiceEndpoint.for_region(
                settings.region,
                workspace=settings.workspace_for(settings.region),
                custom_base_url=settings.custom_base_url,
            )
        except ValueError as error:
            self._show_problem(str(error))
            return
        key = self.key_edit.text().strip()
        if not key:
            self._accept(settings)
            return
        region, vault = settings.region.value, self._vault
        if not vault.backend_available():
            if not self.session_only.isChecked():
                self._show_problem(
                    _(
                        "The key cannot be saved safely on this computer. Tick “Keep the key for this run only”, "
                        "or set the {variable} environment variable and leave the field empty."
                    ).format(variable=ENV_VAR)
                )
                return
            store = lambda: vault.keep_for_session(region, key)  # noqa: E731
        else:
            store = lambda: vault.store(region, key)  # noqa: E731
        self.buttons.setEnabled(False)
        self._calls.run(store, lambda _r: self._accept(settings), self._store_failed)

    def _store_failed(self, error: Exception) -> None:
        self.buttons.setEnabled(True)
        if isinstance(error, (KeyringUnavailable, ValueError)):
            self._show_problem(str(error))
        else:
            self._show_problem(_("The key could not be stored: {error}").format(error=error))

    def _accept(self, settings: Settings) -> None:
        self.buttons.setEnabled(True)
        self.key_edit.clear()  # the key leaves the widget as soon as it is stored
        self._saved = settings
        self.settings_saved.emit(settings)
        self.accept()

    def _show_problem(self, text: str) -> None:
        self.problem.setText(f"<span style='color:{theme.css_colour('error')}'>{html.escape(text)}</span>")
        self.problem.setVisible(bool(text))

    def problem_text(self) -> str:
        return _plain(self.problem.text()) if self.problem.isVisibleTo(self) else ""

    def _busy_changed(self, busy: bool) -> None:
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    # -- teardown ----------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        self._calls.shutdown()

    def done(self, result: int) -> None:
        # Accept or reject: wait for a running key test or keyring call so no thread outlives the dialog.
        self._calls.shutdown()
        super().done(result)


def _plain(rich: str) -> str:
    return QTextDocumentFragment.fromHtml(rich).toPlainText()
