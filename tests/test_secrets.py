"""Key storage: environment override and session fallback with keyring's own back ends; the real Secret
Service (gnome-keyring on D-Bus) for the tests marked ``keyring``."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from conftest import TEST_KEY
from keyring.backends import fail, null

from wan_desktop.core.secrets import (
    ENV_VAR,
    KeyringUnavailable,
    KeySource,
    KeyVault,
    StoredKey,
    mask_key,
    username_for,
)


def vault_without_keyring(**environ):
    return KeyVault(environ=environ, keyring_backend=fail.Keyring())


def test_the_environment_variable_wins():
    vault = vault_without_keyring(**{ENV_VAR: "  sk-from-env-1234  "})
    vault.keep_for_session("cn-beijing", "sk-session-0000")
    assert vault.get("cn-beijing") == StoredKey("sk-from-env-1234", KeySource.ENVIRONMENT)
    assert vault.get("ap-southeast-1").source is KeySource.ENVIRONMENT


def test_an_empty_environment_variable_is_ignored():
    vault = vault_without_keyring(**{ENV_VAR: "   "})
    assert vault.get("cn-beijing") is None
    assert vault.source("cn-beijing") is KeySource.NONE


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_no_safe_keyring_is_reported_with_the_alternatives(backend):
    vault = KeyVault(environ={}, keyring_backend=backend)
    assert not vault.backend_available()
    with pytest.raises(KeyringUnavailable) as caught:
        vault.store("cn-beijing", TEST_KEY)
    assert ENV_VAR in str(caught.value) and "session only" in str(caught.value)
    assert vault.get("cn-beijing") is None  # nothing was kept anywhere


def test_plaintext_keyrings_count_as_unavailable(tmp_path):
    alt_file = pytest.importorskip("keyrings.alt.file", reason="keyrings.alt is not installed")
    backend = alt_file.PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    assert not KeyVault(environ={}, keyring_backend=backend).backend_available()


def test_session_key_fallback_and_forget():
    vault = vault_without_keyring()
    vault.keep_for_session("cn-beijing", f" {TEST_KEY}\n")
    assert vault.get("cn-beijing") == StoredKey(TEST_KEY, KeySource.SESSION)
    assert vault.get("ap-southeast-1") is None  # keys are per region
    vault.forget("cn-beijing")
    assert vault.get("cn-beijing") is None


def test_a_new_vault_does_not_remember_session_keys():
    vault_without_keyring().keep_for_session("cn-beijing", TEST_KEY)
    assert vault_without_keyring().get("cn-beijing") is None


@pytest.mark.parametrize("bad,words", [("", "empty"), ("   ", "empty"), ("sk-abc def", "no spaces")])
def test_bad_keys_are_refused_in_words(bad, words):
    with pytest.raises(ValueError, match=words):
        vault_without_keyring().keep_for_session("cn-beijing", bad)


def test_mask_key():
    assert mask_key(TEST_KEY) == "sk-…cdef"
    assert mask_key("0123456789abcdef") == "…cdef"
    assert mask_key("sk-short") == "sk-…"  # too short to show any of it
    assert TEST_KEY not in repr(StoredKey(TEST_KEY, KeySource.KEYRING))


def test_names():
    assert username_for("cn-beijing") == "api-key:cn-beijing"
    assert vault_without_keyring().backend_name() == "fail Keyring"
    assert KeySource.SESSION.label == "kept for this session only"


# -- the real Secret Service ---------------------------------------------------------------------------------
def secret_service_backend():
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no D-Bus session (run under dbus-run-session with gnome-keyring-daemon, as .ci/run does)")
    from keyring.backends import SecretService

    try:
        if SecretService.Keyring.priority <= 0:
            raise RuntimeError("priority 0")
        backend = SecretService.Keyring()
        backend.get_password("wan-desktop-probe", "probe")  # does a secret service answer?
    except Exception as error:  # any failure here means "not available", which is what we report
        pytest.skip(f"no Secret Service answers on this D-Bus session: {error}")
    return backend


@pytest.fixture
def real_vault():
    backend = secret_service_backend()
    service = f"wan-desktop-test-{uuid.uuid4().hex[:8]}"  # never touch a real key
    vault = KeyVault(environ={}, service=service, keyring_backend=backend)
    yield vault, backend, service
    for region in ("cn-beijing", "ap-southeast-1"):
        try:
            backend.delete_password(service, username_for(region))
        except Exception:
            pass


@pytest.mark.keyring
def test_real_keyring_stores_per_region(real_vault):
    vault, backend, service = real_vault
    assert vault.backend_available()
    assert vault.store("cn-beijing", TEST_KEY) is KeySource.KEYRING
    assert backend.get_password(service, "api-key:cn-beijing") == TEST_KEY
    assert vault.get("cn-beijing") == StoredKey(TEST_KEY, KeySource.KEYRING)
    assert vault.get("ap-southeast-1") is None
    # a second vault (the next app start) finds it
    assert KeyVault(environ={}, service=service, keyring_backend=backend).get("cn-beijing").key == TEST_KEY


@pytest.mark.keyring
def test_real_keyring_store_replaces_the_session_key_and_forget_removes_it(real_vault):
    vault, backend, service = real_vault
    vault.keep_for_session("cn-beijing", "sk-session-only-0000")
    vault.store("cn-beijing", TEST_KEY)
    assert vault.get("cn-beijing").source is KeySource.KEYRING
    vault.forget("cn-beijing")
    assert vault.get("cn-beijing") is None
    assert backend.get_password(service, "api-key:cn-beijing") is None
    vault.forget("cn-beijing")  # forgetting twice is fine


@pytest.mark.keyring
def test_real_keyring_is_overridden_by_the_environment(real_vault):
    vault, backend, service = real_vault
    vault.store("cn-beijing", TEST_KEY)
    env_vault = KeyVault(environ={ENV_VAR: "sk-env-override-9999"}, service=service, keyring_backend=backend)
    assert env_vault.get("cn-beijing") == StoredKey("sk-env-override-9999", KeySource.ENVIRONMENT)


@pytest.mark.keyring
def test_real_keyring_from_several_threads(real_vault):
    vault, _, _ = real_vault
    vault.store("cn-beijing", TEST_KEY)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(vault.get("cn-beijing").key), name=f"reader-{n}")
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [TEST_KEY] * 4


# -- keys are checked where they enter (issue 9, item 4) ---------------------------------------------------------
from keyring.backend import KeyringBackend  # noqa: E402

from wan_desktop.core.secrets import InvalidKeyError, check_key, scrub  # noqa: E402

BAD_KEYS = {
    "newline": "sk-test-0123\n456789abcdef",
    "carriage return": "sk-test-0123\r456789abcdef",
    "zero-width space": "sk-test-0123\u200b456789abcdef",
    "non-ASCII": "sk-test-0123é456789abcdef",
    "tab": "sk-test-0123\t456789abcdef",
    "control": "sk-test-0123\x07456789abcdef",
    "overlong": "sk-" + "a" * 300,
}


class MemoryKeyring(KeyringBackend):
    """A keyring that holds whatever it is given (a key someone stored with a stray character)."""

    priority = 1

    def __init__(self, stored: dict | None = None) -> None:
        super().__init__()
        self.stored = dict(stored or {})

    def get_password(self, service, username):
        return self.stored.get((service, username))

    def set_password(self, service, username, password):
        self.stored[(service, username)] = password

    def delete_password(self, service, username):
        self.stored.pop((service, username), None)


def assert_refused_in_words(error: InvalidKeyError, key: str) -> None:
    text = str(error)
    assert text.endswith(".") and "key" in text.lower()
    assert key.strip() not in text and key[:12] not in text and key[-12:] not in text


@pytest.mark.parametrize("name", sorted(BAD_KEYS))
def test_check_key_refuses_what_no_key_contains(name):
    with pytest.raises(InvalidKeyError) as caught:
        check_key(BAD_KEYS[name])
    assert_refused_in_words(caught.value, BAD_KEYS[name])
    assert isinstance(caught.value, ValueError)


def test_check_key_words_and_what_it_keeps():
    assert check_key(f"  {TEST_KEY}\n") == TEST_KEY  # surrounding whitespace is not part of the key
    with pytest.raises(InvalidKeyError, match="line break at position 13"):
        check_key(BAD_KEYS["newline"])
    with pytest.raises(InvalidKeyError) as zero_width:
        check_key(BAD_KEYS["zero-width space"])
    assert "U+200B" in str(zero_width.value) and "Nothing was sent" in str(zero_width.value)
    with pytest.raises(InvalidKeyError, match="empty"):
        check_key(" \n ")
    with pytest.raises(InvalidKeyError) as too_long:
        check_key("x" * 300)
    assert "300" not in str(too_long.value).split("at most")[1]


@pytest.mark.parametrize("name", ["newline", "zero-width space", "non-ASCII", "overlong"])
def test_every_entry_point_refuses_a_bad_key(name):
    bad = BAD_KEYS[name]
    with pytest.raises(InvalidKeyError) as from_env:
        vault_without_keyring(**{ENV_VAR: bad}).get("cn-beijing")
    assert ENV_VAR in str(from_env.value)
    assert_refused_in_words(from_env.value, bad)
    backend = MemoryKeyring({("wan-desktop", username_for("cn-beijing")): bad})
    with pytest.raises(InvalidKeyError) as from_keyring:
        KeyVault(environ={}, keyring_backend=backend).get("cn-beijing")
    assert "system keyring" in str(from_keyring.value)
    assert_refused_in_words(from_keyring.value, bad)
    with pytest.raises(InvalidKeyError):
        vault_without_keyring().keep_for_session("cn-beijing", bad)
    fresh = MemoryKeyring()
    with pytest.raises(InvalidKeyError):
        KeyVault(environ={}, keyring_backend=fresh).store("cn-beijing", bad)
    assert fresh.stored == {}  # refused before anything was stored


def test_a_bad_key_never_reaches_the_client():
    from wan_desktop.core.dashscope.catalog import Region
    from wan_desktop.core.dashscope.client import DashScopeClient
    from wan_desktop.core.dashscope.regions import ServiceEndpoint

    for bad in BAD_KEYS.values():
        with pytest.raises(InvalidKeyError):
            DashScopeClient(bad, ServiceEndpoint.for_region(Region.BEIJING))


def test_scrub_removes_every_form_of_the_key():
    key = "sk-test-0123\n456789abcdef"
    httpx_words = f"Illegal header value b'Bearer {key!r}'"  # the shape of h11's message, escaped
    for text in (f"Bearer {key}", httpx_words, repr(key), repr(key.encode())):
        assert "456789abcdef" not in scrub(text, key) and "0123" not in scrub(text, key).replace("…", "")
    assert scrub(f"sent {TEST_KEY} twice: {TEST_KEY}", TEST_KEY) == "sent sk-…cdef twice: sk-…cdef"
    assert scrub("nothing here", TEST_KEY) == "nothing here" and scrub("", TEST_KEY) == ""


@pytest.mark.keyring
def test_real_keyring_entry_with_a_stray_character_is_refused_in_words(real_vault):
    """A key stored by another tool (or an older version) is checked when it is read, too."""
    vault, backend, service = real_vault
    bad = BAD_KEYS["zero-width space"]
    backend.set_password(service, username_for("cn-beijing"), bad)
    with pytest.raises(InvalidKeyError) as caught:
        vault.get("cn-beijing")
    assert "system keyring" in str(caught.value) and "U+200B" in str(caught.value)
    assert_refused_in_words(caught.value, bad)
    vault.forget("cn-beijing")  # and it can still be removed
    assert vault.get("cn-beijing") is None
