"""The API key: from the environment, the system keyring, or memory for this session only. Never a file.

A key pays for videos, so it is never written in plain text: keyring back ends that store plain text (the
``keyrings.alt`` file back ends) count as no keyring at all, and the person is offered the environment variable
or a session-only key instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keyring (and its D-Bus stack) loads on first use: ~70 ms the first paint need not wait for
    from keyring.backend import KeyringBackend

ENV_VAR = "DASHSCOPE_API_KEY"
SERVICE = "wan-desktop"

# Back ends that cannot keep a secret safely (or at all).
_UNSAFE_MODULE_PREFIXES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


class KeySource(str, Enum):
    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    SESSION = "session"
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            KeySource.ENVIRONMENT: f"from the {ENV_VAR} environment variable",
            KeySource.KEYRING: "kept in the system keyring",
            KeySource.SESSION: "kept for this session only",
            KeySource.NONE: "not set",
        }[self]


@dataclass(frozen=True)
class StoredKey:
    key: str
    source: KeySource

    def __repr__(self) -> str:  # a key must not reach a log through a repr
        return f"StoredKey(key={mask_key(self.key)!r}, source={self.source})"


class InvalidKeyError(ValueError):
    """A key that cannot be one; the message is a sentence that never contains the key."""


MAX_KEY_LENGTH = 256  # DashScope keys are ~35 characters; anything far longer was pasted by mistake


def check_key(text: str) -> str:
    """The key without surrounding whitespace, or InvalidKeyError. Visible ASCII only: a header value
    with a line break or a non-ASCII character either fails inside httpx (with the key in its message)
    or is not what the person meant to paste."""
    if not isinstance(text, str):
        raise InvalidKeyError("The API key is not text.")
    key = text.strip()
    if not key:
        raise InvalidKeyError("The API key is empty.")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKeyError(
            f"The API key is {len(key)} characters long, far more than a key has (at most {MAX_KEY_LENGTH}); "
            "check that only the key was pasted."
        )
    for position, ch in enumerate(key, start=1):
        if not 0x21 <= ord(ch) <= 0x7E:
            raise InvalidKeyError(_bad_character_sentence(position, ch))
    return key


def _bad_character_sentence(position: int, ch: str) -> str:
    if ch.isspace():
        what = "a line break" if ch in "\r\n" else "a space"
        return (
            f"An API key has no spaces or line breaks in it, but this one has {what} at position {position}; "
            "check that only the key was pasted. Nothing was sent."
        )
    if ord(ch) < 0x20 or ord(ch) == 0x7F:
        what = f"a control character (U+{ord(ch):04X})"
    else:
        what = f"an invisible or non-ASCII character (U+{ord(ch):04X})"
    return (
        f"The API key has {what} at position {position}, which no key contains (it often comes with copying "
        "from a web page or a chat). Paste the key again, or type it. Nothing was sent."
    )


def scrub(text: str, key: str) -> str:
    """``text`` with every form of ``key`` in it (as is, escaped as in a repr) replaced by its mask."""
    if not text or not key:
        return text
    forms = {
        key,
        key.strip(),
        repr(key)[1:-1],
        key.encode("unicode_escape").decode("ascii"),
        repr(key.encode("utf-8", "backslashreplace"))[2:-1],
    }
    for form in sorted((f for f in forms if len(f) >= 4), key=len, reverse=True):
        text = text.replace(form, mask_key(key))
    return text


def _checked(key: str, where: str) -> str:
    try:
        return check_key(key)
    except InvalidKeyError as error:
        raise InvalidKeyError(f"The key {where} cannot be used. {error}") from None


class KeyringUnavailable(Exception):
    """No safe keyring; ``str(error)`` offers the alternatives in words."""


def username_for(region: str) -> str:
    return f"api-key:{region}"


class KeyVault:
    def __init__(
        self,
        *,
        environ: Mapping[str, str] = os.environ,
        service: str = SERVICE,
        keyring_backend: KeyringBackend | None = None,
    ) -> None:
        self._environ = environ
        self._service = service
        self._chosen_backend = keyring_backend
        self._session: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def _backend(self) -> KeyringBackend:
        # Found on first use: probing the platform's keyrings (D-Bus on Linux) takes ~0.2 s, which the
        # window's first paint should not wait for.
        with self._lock:
            if self._chosen_backend is None:
                import keyring

                self._chosen_backend = keyring.get_keyring()
            return self._chosen_backend

    # -- the back end -------------------------------------------------------------------------------------
    def backend_available(self) -> bool:
        return _is_safe(self._backend)

    def backend_name(self) -> str:
        return _name(self._backend)

    # -- keys ---------------------------------------------------------------------------------------------
    def get(self, region: str) -> StoredKey | None:
        """The key to use for ``region``: the environment variable wins, then the keyring, then the session."""
        from_env = (self._environ.get(ENV_VAR) or "").strip()
        if from_env:
            return StoredKey(_checked(from_env, f"in the {ENV_VAR} environment variable"), KeySource.ENVIRONMENT)
        if self.backend_available():
            try:
                stored = self._backend.get_password(self._service, username_for(region))
            except _errors().KeyringError:
                stored = None  # a locked or broken keyring: fall back to the session key
            if stored:
                return StoredKey(_checked(stored, "kept in the system keyring"), KeySource.KEYRING)
        with self._lock:
            session = self._session.get(region)
        return StoredKey(_checked(session, "kept for this session"), KeySource.SESSION) if session else None

    def source(self, region: str) -> KeySource:
        stored = self.get(region)
        return stored.source if stored else KeySource.NONE

    def store(self, region: str, key: str) -> KeySource:
        """Keep ``key`` in the system keyring; KeyringUnavailable when there is no safe one."""
        key = _clean(key)
        if not self.backend_available():
            raise KeyringUnavailable(_unavailable_sentence(self.backend_name()))
        try:
            self._backend.set_password(self._service, username_for(region), key)
        except _errors().KeyringError as error:
            raise KeyringUnavailable(_unavailable_sentence(self.backend_name(), str(error))) from None
        with self._lock:
            self._session.pop(region, None)  # one copy is enough
        return KeySource.KEYRING

    def keep_for_session(self, region: str, key: str) -> None:
        """Hold ``key`` in memory only; it is gone when the app quits."""
        key = _clean(key)
        with self._lock:
            self._session[region] = key

    def forget(self, region: str) -> None:
        """Remove the stored and session keys of ``region`` (the environment variable is the person's own)."""
        with self._lock:
            self._session.pop(region, None)
        if not self.backend_available():
            return
        try:
            self._backend.delete_password(self._service, username_for(region))
        except _errors().PasswordDeleteError:
            pass  # nothing stored: already forgotten
        except _errors().KeyringError as error:
            raise KeyringUnavailable(
                f"The key could not be removed from the system keyring ({error}). Remove the entry "
                f"'{username_for(region)}' of '{self._service}' in your keyring manager."
            ) from None


def mask_key(key: str) -> str:
    """Enough to recognise a key, too little to use it: "sk-…cdef"."""
    key = key.strip()
    prefix = "sk-" if key.startswith("sk-") else ""
    tail = key[-4:] if len(key) >= len(prefix) + 8 else ""
    return f"{prefix}…{tail}"


def _clean(key: str) -> str:
    return check_key(key or "")


def _errors():
    import keyring.errors

    return keyring.errors


def _is_safe(backend: KeyringBackend) -> bool:
    chained = getattr(backend, "backends", None)
    if chained is not None:  # keyring's ChainerBackend: the first willing member would get the key
        return bool(chained) and all(_is_safe(member) for member in chained)
    return not type(backend).__module__.startswith(_UNSAFE_MODULE_PREFIXES)


def _name(backend: KeyringBackend) -> str:
    chained = getattr(backend, "backends", None)
    if chained is not None:
        return " + ".join(_name(member) for member in chained) or "no keyring"
    return str(getattr(backend, "name", "") or type(backend).__name__)


def _unavailable_sentence(backend_name: str, reason: str = "") -> str:
    why = f" ({reason})" if reason else f" (found: {backend_name})"
    return (
        f"No secure system keyring is available{why}, so the key cannot be saved safely. "
        f"Set the {ENV_VAR} environment variable before starting Wan Desktop, "
        "or keep the key for this session only."
    )
