"""The keyless video download (core/dashscope/transfer.py) against a tiny misbehaving HTTP server on loopback
(issue 9 items 5 and 7): size cap, Range ignored, lying Content-Length, links that must not be fetched, 404."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_KEY
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.client import DashScopeClient
from wan_desktop.core.dashscope.errors import DownloadInterruptedError, LinkExpiredError
from wan_desktop.core.dashscope.regions import ServiceEndpoint

BODY = bytes(range(256)) * 64  # 16 KiB


@dataclass
class Behaviour:
    mode: str = "normal"  # normal, ignore_range, lying_length, huge_length, no_length, not_found, gone, shifted
    body: bytes = BODY
    seen: list[dict] = field(default_factory=list)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        plan: Behaviour = self.server.plan  # type: ignore[attr-defined]
        plan.seen.append({"path": self.path, "range": self.headers.get("Range")})
        body, mode = plan.body, plan.mode
        start = _range_start(self.headers.get("Range"))
        if mode == "not_found":
            return self._reply(404, b"<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>")
        if mode == "gone":
            return self._reply(403, b"<Error><Code>AccessDenied</Code><Message>expired</Message></Error>")
        if mode == "huge_length":
            return self._reply(200, body[:1000], length=3 * 1024**3)
        if mode == "no_length":
            return self._reply(200, body, length=None)
        if mode == "lying_length":  # claims more than it has, ignores Range, closes early every time
            return self._reply(200, body, length=len(body) + 5000)
        if mode == "shifted" and start:  # answers 206 for a range it was not asked for
            return self._reply(206, body[1:], extra={"Content-Range": f"bytes 1-{len(body) - 1}/{len(body)}"})
        if start and mode == "normal":
            part = body[start:]
            return self._reply(206, part, extra={"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"})
        return self._reply(200, body)  # ignore_range, or no Range asked

    def _reply(self, status: int, body: bytes, *, length: int | None = -1, extra: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if length is None:
            self.send_header("Connection", "close")
        else:
            self.send_header("Content-Length", str(len(body) if length == -1 else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        if length is None or (length != -1 and length != len(body)):
            self.close_connection = True


def _range_start(header: str | None) -> int:
    if header and header.startswith("bytes=") and header.endswith("-"):
        return int(header[6:-1])
    return 0


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.plan = Behaviour()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="test-http", daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def url(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/results/v.mp4"


@pytest.fixture
def client():
    """A client whose API is on loopback, like the simulator: loopback links are allowed."""
    with DashScopeClient(TEST_KEY, ServiceEndpoint("http://127.0.0.1:9/api/v1", Region.CUSTOM)) as opened:
        yield opened


def test_a_claimed_length_over_the_cap_is_refused_and_the_part_removed(server, client, tmp_path):
    from wan_desktop.core.dashscope.transfer import MAX_VIDEO_BYTES, DownloadRefusedError

    server.plan.mode = "huge_length"
    part = tmp_path / "v.mp4.part"
    with pytest.raises(DownloadRefusedError) as caught:
        client.download(url(server), part)
    assert caught.value.code == "TooLarge" and "GiB" in caught.value.explanation
    assert MAX_VIDEO_BYTES == 2 * 1024**3 and not part.exists()


def test_a_running_total_over_the_cap_is_refused(server, tmp_path):
    from wan_desktop.core.dashscope import transfer

    server.plan.mode = "no_length"  # no Content-Length: only the running total can tell
    part = tmp_path / "v.mp4.part"
    with httpx.Client() as http, pytest.raises(transfer.DownloadRefusedError) as caught:
        transfer.download(http, url(server), part, allow_private=True, max_bytes=4096, chunk_size=1024)
    assert caught.value.code == "TooLarge" and not part.exists()


def test_a_server_that_ignores_range_restarts_the_file_instead_of_appending(server, client, tmp_path):
    server.plan.mode = "ignore_range"
    part = tmp_path / "v.mp4.part"
    part.write_bytes(BODY[:5000])
    result = client.download(url(server), part, offset=5000)
    assert result.complete and part.read_bytes() == BODY  # never BODY[:5000] + BODY
    assert server.plan.seen[-1]["range"] == "bytes=5000-"


def test_a_206_for_another_range_restarts_cleanly(server, client, tmp_path):
    server.plan.mode = "shifted"
    part = tmp_path / "v.mp4.part"
    part.write_bytes(BODY[:3000])
    assert client.download(url(server), part, offset=3000).complete
    assert part.read_bytes() == BODY and [r["range"] for r in server.plan.seen] == ["bytes=3000-", None]


def test_a_lying_content_length_is_detected(server, client, tmp_path):
    from wan_desktop.core.dashscope.transfer import DownloadRefusedError

    server.plan.mode = "lying_length"
    part = tmp_path / "v.mp4.part"
    with pytest.raises(DownloadInterruptedError):  # the first short body may be a dropped connection
        client.download(url(server), part)
    assert part.stat().st_size == len(BODY)
    with pytest.raises(DownloadRefusedError) as caught:  # the same short body again, Range ignored: a lie
        client.download(url(server), part, offset=part.stat().st_size)
    assert caught.value.code == "LyingLength" and f"{len(BODY) + 5000:,}" in caught.value.explanation


@pytest.mark.parametrize(
    "link", ["file:///etc/passwd", "ftp://example.com/v.mp4", "gopher://x/", "/etc/passwd", "http:///nohost"]
)
def test_links_that_are_not_web_addresses_are_refused(client, tmp_path, link):
    from wan_desktop.core.dashscope.transfer import DownloadRefusedError

    with pytest.raises(DownloadRefusedError) as caught:
        client.download(link, tmp_path / "v.mp4.part")
    assert caught.value.code == "BadLink" and "not a web address" in caught.value.explanation
    assert "connect" not in caught.value.explanation.lower()


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::1]", "10.0.0.8", "192.168.1.1", "169.254.169.254", "[fe80::1]", "0.0.0.0"]
)
def test_private_and_loopback_links_are_refused_when_the_api_is_not_on_loopback(server, tmp_path, host):
    from wan_desktop.core.dashscope.transfer import DownloadRefusedError

    port = server.server_address[1]
    endpoint = ServiceEndpoint.for_region(Region.SINGAPORE)
    with DashScopeClient(TEST_KEY, endpoint) as client, pytest.raises(DownloadRefusedError) as caught:
        client.download(f"http://{host}:{port}/results/v.mp4", tmp_path / "v.mp4.part")
    assert caught.value.code == "PrivateAddress" and "private or local" in caught.value.explanation
    assert server.plan.seen == []  # nothing was fetched


def test_a_redirect_to_a_private_address_is_refused():
    from wan_desktop.core.dashscope import transfer

    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(transfer.DownloadRefusedError) as caught:
            transfer.download(http, "https://93.184.216.34/v.mp4", Path("/nonexistent-dir-never-made/v.part"))
    assert caught.value.code == "PrivateAddress" and asked == ["https://93.184.216.34/v.mp4"]


def test_not_found_is_reported_distinctly_from_an_expired_link(server, client, tmp_path):
    from wan_desktop.core.dashscope.transfer import LinkNotFoundError

    server.plan.mode = "not_found"
    with pytest.raises(LinkNotFoundError) as caught:
        client.download(url(server), tmp_path / "a.part")
    assert caught.value.http_status == 404 and "404" in caught.value.explanation
    assert not isinstance(caught.value, LinkExpiredError)
    server.plan.mode = "gone"
    with pytest.raises(LinkExpiredError):
        client.download(url(server), tmp_path / "b.part")


def test_the_downloader_turns_refusals_into_refused_outcomes_with_the_cause(server, client, tmp_path):
    from tests.test_store import make_job
    from wan_desktop.core.downloader import DownloadStatus, fetch_video
    from wan_desktop.core.jobs import JobState
    from wan_desktop.core.library import Library

    library = Library(tmp_path / "lib")
    for mode, words in (("huge_length", "GiB"), ("not_found", "404")):
        server.plan.mode = mode
        job = make_job(1, state=JobState.DOWNLOADING, video_url=url(server), task_id="t")
        outcome = fetch_video(job, client, library, threading.Event())
        assert outcome.status is DownloadStatus.REFUSED and words in outcome.message
        assert not library.part_path(job).exists()
    job = make_job(2, state=JobState.DOWNLOADING, video_url="file:///etc/passwd", task_id="t")
    outcome = fetch_video(job, client, library, threading.Event())
    assert outcome.status is DownloadStatus.REFUSED and "not a web address" in outcome.message
