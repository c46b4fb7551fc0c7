"""The temporary-upload flow (contract 1.5): getPolicy hands out a signed policy bound to a key and a
model; the fake OSS form endpoint stores the file; ``oss://`` references resolve to stored objects.

Policies expire after 300 s of simulator time, not scaled by the time scale: it is a handshake deadline,
not part of the generation timing (tests use ``advance`` to expire one). Objects live 48 h x time scale.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

POLICY_SECONDS = 300
MAX_FILE_BYTES = 1024 * 1024 * 1024
OBJECT_LIFETIME = 48 * 3600  # seconds before the time scale


@dataclass(frozen=True)
class Policy:
    policy: str
    signature: str
    upload_dir: str
    model_key: str
    api_key: str
    expires_at: float  # simulator clock


@dataclass(frozen=True)
class StoredObject:
    key: str
    path: Path
    model_key: str
    api_key: str
    content_type: str
    expires_at: float

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


class UploadStore:
    def __init__(self, directory: Path, secret: bytes, time_scale: float) -> None:
        self._directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._secret = secret
        self._scale = time_scale
        self._lock = threading.Lock()
        self._policies: dict[str, Policy] = {}
        self._objects: dict[str, StoredObject] = {}

    def issue(self, api_key: str, model_key: str, now: float) -> Policy:
        account = hashlib.sha256(api_key.encode()).hexdigest()[:32]
        day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
        upload_dir = f"dashscope-instant/{account}/{day}/{uuid.uuid4()}"
        expires_at = now + POLICY_SECONDS
        document = {
            "expiration": datetime.fromtimestamp(expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conditions": [["content-length-range", 0, MAX_FILE_BYTES], ["starts-with", "$key", upload_dir]],
        }
        encoded = base64.b64encode(json.dumps(document).encode()).decode()
        signature = base64.b64encode(hmac.new(self._secret, encoded.encode(), hashlib.sha1).digest()).decode()
        policy = Policy(encoded, signature, upload_dir, model_key, api_key, expires_at)
        with self._lock:
            self._policies[encoded] = policy
        return policy

    def policy(self, encoded: str) -> Policy | None:
        with self._lock:
            return self._policies.get(encoded)

    def store(self, policy: Policy, key: str, data: bytes, content_type: str, now: float) -> StoredObject:
        path = self._directory / hashlib.sha256(key.encode()).hexdigest()
        path.write_bytes(data)
        stored = StoredObject(
            key, path, policy.model_key, policy.api_key, content_type, now + OBJECT_LIFETIME * self._scale
        )
        with self._lock:
            self._objects[key] = stored
        return stored

    def exists(self, key: str) -> bool:
        with self._lock:
            return key in self._objects

    def lookup(self, key: str, now: float) -> StoredObject | None:
        """The live object under this key (None when never uploaded or expired)."""
        with self._lock:
            stored = self._objects.get(key)
        if stored is None or now > stored.expires_at:
            return None
        return stored
