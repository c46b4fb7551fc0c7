"""The settings dialog: region-dependent fields, the key test against the real simulator (off the GUI
thread), the key kept in a real keyring when there is one, and the no-keyring path that never writes it."""

from __future__ import annotations

import socket
import uuid

import pytest
from conftest import TEST_KEY
from keyring.backends import fail

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.client import KeyCheck, KeyStatus
from wan_desktop.core.secrets import ENV_VAR, KeySource, KeyVault, username_for
from wan_desktop.core.settings import Settings, settings_to_dict
from wan_desktop.qt import theme
from wan_desktop.qt.settings_dialog import SettingsDialog, endpoints_to_try


def no_keyring_vault(**environ) -> KeyVault:
    return KeyVault(environ=environ, keyring_backend=fail.Keyring())


@pytest.fixture
def make_dialog(qtbot):
    made = []

    def make(settings: Settings = Settings(), vault: KeyVault | None = None, **kwargs) -> SettingsDialog:
        dialog = SettingsDialog(settings, vault or no_keyring_vault(), **kwargs)
        qtbot.addWidget(dialog)
        made.append(dialog)
        qtbot.waitUntil(lambda: "Looking" not in dialog.key_status_text())
        return dialog

    yield make
    for dialog in made:
        dialog.shutdown()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens here once the socket is closed


def test_workspace_for_every_public_region_and_base_url_only_for_custom(make_dialog):
    # Issue 11: every region has an optional workspace id (Wan 3.0 needs one), not Frankfurt alone.
    dialog = make_dialog()
    for region, workspace, base_url in [
        (Region.SINGAPORE, True, False),
        (Region.FRANKFURT, True, False),
        (Region.CUSTOM, False, True),
        (Region.BEIJING, True, False),
        (Region.HONG_KONG, True, False),
    ]:
        dialog.region_combo.setCurrentIndex(dialog.region_combo.findData(region.value))
        assert dialog.workspace_edit.isVisibleTo(dialog) is workspace
        assert dialog.base_url_edit.isVisibleTo(dialog) is base_url
    assert dialog.key_edit.echoMode() is dialog.key_edit.EchoMode.Password
    assert theme.unnamed_controls(dialog) == []
    assert theme.mnemonic_clashes(dialog) == {}


def test_frankfurt_without_a_workspace_is_refused_in_words(qtbot, make_dialog):
    dialog = make_dialog()
    dialog.region_combo.setCurrentIndex(dialog.region_combo.findData(Region.FRANKFURT.value))
    with qtbot.assertNotEmitted(dialog.settings_saved):
        dialog.save()
    assert "workspace id" in dialog.problem_text()


@pytest.mark.parametrize(
    "key, words",
    [(TEST_KEY, "valid"), ("sk-wrong-0000000000", "invalid key")],
)
def test_test_key_against_the_simulator(qtbot, make_dialog, simulator, key, words):
    dialog = make_dialog(Settings(region=Region.CUSTOM, custom_base_url=simulator.base_url))
    dialog.key_edit.setText(key)
    dialog.test_button.click()
    qtbot.waitUntil(
        lambda: dialog.test_button.isEnabled() and "Testing" not in dialog.test_result_text(), timeout=20000
    )
    assert dialog.test_result_text().startswith(words + " —")


def test_test_key_says_when_the_service_cannot_be_reached(qtbot, make_dialog):
    url = f"http://127.0.0.1:{closed_port()}/api/v1"
    dialog = make_dialog(Settings(region=Region.CUSTOM, custom_base_url=url))
    dialog.key_edit.setText(TEST_KEY)
    dialog.test_button.click()
    qtbot.waitUntil(
        lambda: dialog.test_button.isEnabled() and "Testing" not in dialog.test_result_text(), timeout=20000
    )
    assert dialog.test_result_text().startswith("could not reach the service")


def test_test_key_names_the_region_a_key_belongs_to(qtbot, make_dialog):
    asked = []

    def checker(key, endpoints):
        asked.append((key, [e.region for e in endpoints]))
        return KeyCheck(KeyStatus.OTHER_REGION, "works in Beijing", Region.BEIJING)

    dialog = make_dialog(Settings(region=Region.SINGAPORE), key_checker=checker)
    dialog.key_edit.setText(TEST_KEY)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "belongs" in dialog.test_result_text())
    assert dialog.test_result_text().startswith("this key belongs to China (Beijing)")
    assert asked[0][0] == TEST_KEY and asked[0][1][0] is Region.SINGAPORE and Region.BEIJING in asked[0][1]


def test_a_custom_region_never_sends_the_key_to_alibabas_hosts():
    endpoints = endpoints_to_try(Region.CUSTOM, "", "http://127.0.0.1:9/api/v1")
    assert [e.host for e in endpoints] == ["127.0.0.1"]


def test_without_a_keyring_the_dialog_says_so_and_keeps_the_key_only_for_this_run(qtbot, make_dialog, tmp_path):
    vault = no_keyring_vault()
    dialog = make_dialog(Settings(region=Region.BEIJING, last_model="wan2.7-i2v"), vault)
    assert dialog.no_keyring.isVisibleTo(dialog) and dialog.session_only.isVisibleTo(dialog)
    assert ENV_VAR in dialog.no_keyring.text() and "cannot be saved safely" in dialog.no_keyring.text()

    dialog.key_edit.setText(TEST_KEY)
    with qtbot.assertNotEmitted(dialog.settings_saved):
        dialog.save()
    assert "this run only" in dialog.problem_text()
    assert vault.get("cn-beijing") is None

    dialog.session_only.setChecked(True)
    dialog.choose_library(tmp_path / "videos")
    dialog.jobs_spin.setValue(3)
    dialog.notifications.setChecked(False)
    with qtbot.waitSignal(dialog.settings_saved) as saved:
        dialog.save()
    settings = saved.args[0]
    assert settings == dialog.saved_settings()
    assert (settings.region, settings.library_dir, settings.max_concurrent_jobs, settings.notifications) == (
        Region.BEIJING,
        tmp_path / "videos",
        3,
        False,
    )
    assert settings.last_model == "wan2.7-i2v"  # untouched fields survive
    assert settings.keep_running_in_tray is None  # not touched: still asked the first time
    assert TEST_KEY not in repr(settings_to_dict(settings))  # the key never goes into Settings
    assert vault.get("cn-beijing").source is KeySource.SESSION
    assert dialog.key_edit.text() == ""
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere


def test_the_environment_variable_is_shown_as_the_key_in_use(make_dialog):
    dialog = make_dialog(vault=no_keyring_vault(**{ENV_VAR: TEST_KEY}))
    assert "sk-…cdef" in dialog.key_status_text() and ENV_VAR in dialog.key_status_text()
    assert TEST_KEY not in dialog.key_status_text()
    assert not dialog.forget_button.isEnabled()  # the person's own variable is not ours to forget


def test_tray_choice_is_saved_once_made(qtbot, make_dialog):
    dialog = make_dialog(Settings(keep_running_in_tray=None))
    dialog.tray.setChecked(True)
    with qtbot.waitSignal(dialog.settings_saved) as saved:
        dialog.save()
    assert saved.args[0].keep_running_in_tray is True
    dialog = make_dialog(Settings(keep_running_in_tray=True))
    dialog.tray.setChecked(False)
    with qtbot.waitSignal(dialog.settings_saved) as saved:
        dialog.save()
    assert saved.args[0].keep_running_in_tray is False


def test_cancel_returns_no_settings(make_dialog):
    dialog = make_dialog()
    dialog.reject()
    assert dialog.saved_settings() is None


@pytest.mark.keyring
def test_the_key_is_saved_to_the_real_keyring_per_region(qtbot, make_dialog):
    from test_secrets import secret_service_backend

    backend = secret_service_backend()
    service = f"wan-desktop-test-{uuid.uuid4().hex[:8]}"
    vault = KeyVault(environ={}, service=service, keyring_backend=backend)
    try:
        dialog = make_dialog(Settings(region=Region.SINGAPORE), vault)
        assert not dialog.no_keyring.isVisibleTo(dialog)
        dialog.key_edit.setText(TEST_KEY)
        with qtbot.waitSignal(dialog.settings_saved):
            dialog.save()
        assert backend.get_password(service, username_for("ap-southeast-1")) == TEST_KEY
        assert backend.get_password(service, username_for("cn-beijing")) is None

        again = make_dialog(Settings(region=Region.SINGAPORE), vault)
        assert "kept in the system keyring" in again.key_status_text()
        again.forget_button.click()
        qtbot.waitUntil(lambda: "No key" in again.key_status_text())
        assert backend.get_password(service, username_for("ap-southeast-1")) is None
    finally:
        for region in ("ap-southeast-1", "cn-beijing"):
            try:
                backend.delete_password(service, username_for(region))
            except Exception:
                pass


def test_each_region_keeps_its_own_workspace_and_test_key_uses_that_host(make_dialog):
    from wan_desktop.qt.settings_dialog import endpoints_to_try

    dialog = make_dialog()
    dialog.region_combo.setCurrentIndex(dialog.region_combo.findData(Region.SINGAPORE.value))
    dialog.workspace_edit.setText("ws-sg1")
    dialog.region_combo.setCurrentIndex(dialog.region_combo.findData(Region.BEIJING.value))
    assert dialog.workspace_edit.text() == ""
    dialog.workspace_edit.setText("ws-bj1")
    settings = dialog.new_settings()
    assert settings.workspace_for(Region.SINGAPORE) == "ws-sg1" and settings.workspace_for(Region.BEIJING) == "ws-bj1"
    dialog.region_combo.setCurrentIndex(dialog.region_combo.findData(Region.SINGAPORE.value))
    assert dialog.workspace_edit.text() == "ws-sg1"
    [chosen, *_] = endpoints_to_try(Region.SINGAPORE, "ws-sg1", "")
    assert chosen.host == "ws-sg1.ap-southeast-1.maas.aliyuncs.com"


def test_a_mistyped_workspace_id_is_refused_with_where_to_find_it(qtbot, make_dialog):
    dialog = make_dialog()
    dialog.region_combo.setCurrentIndex(dialog.region_combo.findData(Region.SINGAPORE.value))
    dialog.workspace_edit.setText("My Workspace!")
    with qtbot.assertNotEmitted(dialog.settings_saved):
        dialog.save()
    assert "Model Studio console" in dialog.problem_text()
