"""Helpers for tests that talk to the simulator over plain HTTP (httpx, not the project client)."""

from __future__ import annotations

import base64
import io
import math
import struct
import threading
import time
import wave

import httpx
from PIL import Image

CREATE = "/services/aigc/video-generation/video-synthesis"
KF2V = "/services/aigc/image2video/video-synthesis"
ASYNC = {"X-DashScope-Async": "enable"}


def client(sim, key: str) -> httpx.Client:
    return httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def png(width: int = 640, height: int = 360, mode: str = "RGB", colour=(200, 80, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), colour if mode == "RGB" else (*colour, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def wav(seconds: float = 3.0, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 300 * i / rate))) for i in range(int(seconds * rate))
        )
        out.writeframes(frames)
    return buffer.getvalue()


def body(model: str = "wan2.6-i2v-flash", img: str = "https://example.com/a.png", **parameters) -> dict:
    return {"model": model, "input": {"prompt": "a cat", "img_url": img}, "parameters": parameters}


def wait_for(predicate, timeout: float = 20.0):
    """Poll a condition that only the server can change (no event to wait on across HTTP)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the simulator")
        threading.Event().wait(0.05)  # polling over HTTP; nothing to wait on  # sleep-ok


def finish(sim, http: httpx.Client, task_id: str, timeout: float = 30.0) -> dict:
    """Jump the simulator clock past the generation time, then poll until the render is done."""
    sim.advance(400 * sim.time_scale)

    def done():
        reply = http.get(f"/tasks/{task_id}").json()
        return reply if reply["output"]["task_status"] in ("SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN") else None

    return wait_for(done, timeout)


def upload(sim, http: httpx.Client, model: str, name: str, data: bytes, content_type: str) -> str:
    """The temporary-upload flow by hand: getPolicy, then the OSS form POST; returns the oss:// URL."""
    policy = http.get("/uploads", params={"action": "getPolicy", "model": model}).json()["data"]
    key = f"{policy['upload_dir']}/{name}"
    form = {
        "OSSAccessKeyId": policy["oss_access_key_id"],
        "Signature": policy["signature"],
        "policy": policy["policy"],
        "key": key,
        "x-oss-object-acl": policy["x_oss_object_acl"],
        "x-oss-forbid-overwrite": policy["x_oss_forbid_overwrite"],
        "success_action_status": "200",
        "x-oss-content-type": content_type,
    }
    reply = httpx.post(policy["upload_host"], data=form, files={"file": (name, data, content_type)})
    assert reply.status_code == 200, reply.text
    return f"oss://{key}"
