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

from wan_desktop.core.i18n import _, format_number

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
            KeySource.ENVIRONMENT: _("from the {variable} environment variable").format(variable=ENV_VAR),
            KeySource.KEYRING: _("kept in the system keyring"),
            KeySource.SESSION: _("kept for this session only"),
            KeySource.NONE: _("not set"),
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
        raise InvalidKeyError(_("The API key is not text."))
    key = text.strip()
    if not key:
        raise InvalidKeyError(_("The API key is empty."))
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKeyError(
            _(
                "The API key is {length} characters long, far more than a key has (at most {limit}); "
                "check that only the key was pasted."
            ).format(length=format_number(len(key)), limit=format_number(MAX_KEY_LENGTH))
        )
    for position, ch in enumerate(key, start=1):
        if not 0x21 <= ord(ch) <= 0x7E:
            raise InvalidKeyError(_bad_character_sentence(position, ch))
    return key


def _bad_character_sentence(position: int, ch: str) -> str:
    where = format_number(position)
    if ch in "\r\n":
        return _(
            "An API key has no spaces or line breaks in it, but this one has a line break at position {position}; "
            "check that only the key was pasted. Nothing was sent."
        ).format(position=where)
    if ch.isspace():
        return _(
            "An API key has no spaces or line breaks in it, but this one has a space at position {position}; "
            "check that only the key was pasted. Nothing was sent."
        ).format(position=where)
    code = f"U+{ord(ch):04X}"
    if ord(ch) < 0x20 or ord(ch) == 0x7F:
        sentence = _(
            "The API key has a control character ({code}) at position {position}, which no key contains (it often "
            "comes with copying from a web page or a chat). Paste the key again, or type it. Nothing was sent."
        )
    else:
        sentence = _(
            "The API key has an invisible or non-ASCII character ({code}) at position {position}, which no key "
            "contains (it often comes with copying from a web page or a chat). Paste the key again, or type it. "
            "Nothing was sent."
        )
    return sentence.format(code=code, position=where)


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


def _checked(key: str, source: KeySource) -> str:
    try:
        return check_key(key)
    except InvalidKeyError as error:
        raise InvalidKeyError(_unusable_sentence(source).format(problem=error, variable=ENV_VAR)) from None


def _unusable_sentence(source: KeySource) -> str:
    if source is KeySource.ENVIRONMENT:
        return _("The key in the {variable} environment variable cannot be used. {problem}")
    if source is KeySource.KEYRING:
        return _("The key kept in the system keyring cannot be used. {problem}")
    return _("The key kept for this session cannot be used. {problem}")


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
            return StoredKey(_checked(from_env, KeySource.ENVIRONMENT), KeySource.ENVIRONMENT)
        if self.backend_available():
            try:
                stored = self._backend.get_password(self._service, username_for(region))
            except _errors().KeyringError:
                stored = None  # a locked or broken keyring: fall back to the session key
            if stored:
                return StoredKey(_checked(stored, KeySource.KEYRING), KeySource.KEYRING)
        with self._lock:
            session = self._session.get(region)
        return StoredKey(_checked(session, KeySource.SESSION), KeySource.SESSION) if session else None

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
                _(
                    "The key could not be removed from the system keyring ({reason}). Remove the entry "
                    "'{entry}' of '{service}' in your keyring manager."
                ).format(reason=error, entry=username_for(region), service=self._service)
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
        return " + ".join(_name(member) for member in chained) or _("no keyring")
    return str(getattr(backend, "name", "") or type(backend).__name__)


def _unavailable_sentence(backend_name: str, reason: str = "") -> str:
    if reason:
        sentence = _(
            "No secure system keyring is available ({reason}), so the key cannot be saved safely. "
            "Set the {variable} environment variable before starting Wan Desktop, "
            "or keep the key for this session only."
        )
    else:
        sentence = _(
            "No secure system keyring is available (found: {backend}), so the key cannot be saved safely. "
            "Set the {variable} environment variable before starting Wan Desktop, "
            "or keep the key for this session only."
        )
    return sentence.format(reason=reason, backend=backend_name, variable=ENV_VAR)
