"""The simulator on loopback: a stdlib ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive) around the service.

``SimService`` (``service.py``) is the service without HTTP; ``routes.py`` is the HTTP side; this module
starts and stops both and offers the helpers tests, benchmarks and the CLI use. See the package docstring.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from http.server import ThreadingHTTPServer
from pathlib import Path

from . import wire
from .render import Renderer
from .routes import Handler
from .service import SimService
from .views import SimConfig


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, sim: SimulatorServer) -> None:
        self.sim = sim
        self.connections: set[socket.socket] = set()  # the accepted sockets, to wake on stop
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if isinstance(request, socket.socket):  # always, for a TCP server
            with self.connections_lock:
                self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads idling on keep-alive sockets, so stop() leaves nothing behind."""
        with self.connections_lock:
            open_ones = list(self.connections)
        for connection in open_ones:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SimulatorServer:
    """A DashScope Wan image-to-video service on loopback. Use as a context manager or start()/stop().

    ``api_keys`` are the keys it accepts (at least one). ``unknown_model_status`` 400 answers an unknown
    model like the service's "Model not exist.", 404 like its ModelNotFound; ``truncate_negative_prompt``
    False refuses a long negative prompt instead of cutting it; ``enforce_limits`` False lifts the rate
    limits and concurrent-task caps; ``rate_clock`` is the clock of those limits' one-second windows.
    """

    def __init__(
        self,
        api_keys: Iterable[str] | None = None,
        time_scale: float = 1.0,
        data_dir: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        unknown_model_status: int = 400,
        truncate_negative_prompt: bool = True,
        enforce_limits: bool = True,
        query_qps: float = 20.0,
        render_workers: int = 2,
        faults: list[dict] | None = None,
        rate_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        config = SimConfig(
            api_keys=frozenset(api_keys or ()),
            time_scale=float(time_scale),
            unknown_model_status=unknown_model_status,
            truncate_negative_prompt=truncate_negative_prompt,
            enforce_limits=enforce_limits,
            query_qps=query_qps,
        )
        self._own_tmp = None
        if data_dir is None:
            self._own_tmp = tempfile.TemporaryDirectory(prefix="wan-sim-")
            data_dir = self._own_tmp.name
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.service = SimService(config, self.data_dir, rate_clock=rate_clock)
        if faults:
            self.service.faults.add(faults)
        self.stopping = threading.Event()  # wakes delayed replies when the server stops
        self._requests: list[dict] = []
        self._requests_lock = threading.Lock()
        self._render_workers = render_workers
        self._renderer: Renderer | None = None
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._host, self._port = host, port

    @property
    def api_keys(self) -> frozenset[str]:
        return self.service.config.api_keys

    @property
    def time_scale(self) -> float:
        return self.service.config.time_scale

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> SimulatorServer:
        self._renderer = Renderer(self.data_dir / "results", self._render_workers)
        self.service.renderer = self._renderer
        self._httpd = _Server((self._host, self._port), Handler, self)
        self._port = self._httpd.server_address[1]
        port = self._port
        self.service.own_netlocs = frozenset({f"127.0.0.1:{port}", f"localhost:{port}", f"{self._host}:{port}"})
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="wan-sim-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.close_connections()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        if self._renderer is not None:
            self._renderer.shutdown()
        self._httpd = self._thread = None
        if self._own_tmp is not None:
            self._own_tmp.cleanup()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- public helpers ----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def root_url(self) -> str:
        host = "127.0.0.1" if self._host in ("0.0.0.0", "") else self._host
        return f"http://{host}:{self._port}"

    @property
    def base_url(self) -> str:
        return self.root_url + "/api/v1"

    def now(self) -> float:
        """The simulator's clock (wall clock plus whatever advance() added), epoch seconds."""
        return self.service.now()

    def advance(self, seconds: float) -> None:
        self.service.advance(seconds)

    def add_faults(self, faults: list[dict]) -> None:
        self.service.faults.add(faults)

    def workspace_base_url(self, workspace: str, region: str) -> str:
        """The API root as a workspace host would serve it: ``{root}/ws/{workspace}/{region}/api/v1``."""
        return f"{self.root_url}/ws/{workspace}/{region}/api/v1"

    def tasks(self) -> list[dict]:
        return [wire.admin_task(task, status) for task, status in self.service.task_states()]

    def requests(self) -> list[dict]:
        with self._requests_lock:
            return [dict(r) for r in self._requests]

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    def record_request(self, entry: dict) -> None:
        with self._requests_lock:
            self._requests.append(entry)


__all__ = ["SimulatorServer"]
