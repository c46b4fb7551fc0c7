"""Opening everything a run needs (store, library, client, engine) from a home folder and settings.

Shared by the CLI and the GUI so both work the same database and library the same way. Demo mode lives
in ``wan_desktop.demo``, above the core: it hands in a ``Target`` marked ``demo``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.regions import ServiceEndpoint
from wan_desktop.core.i18n import _
from wan_desktop.core.settings import Settings

if TYPE_CHECKING:  # the heavy modules (httpx, SQLite, PyAV) load only when a session opens
    from wan_desktop.core.dashscope.client import DashScopeClient
    from wan_desktop.core.engine import Engine, Listener
    from wan_desktop.core.library import Library
    from wan_desktop.core.secrets import KeyVault
    from wan_desktop.core.store import JobStore


class MissingKeyError(Exception):
    """No API key for the region: the message says where one can come from."""


@dataclass(frozen=True)
class Target:
    """Where jobs go: a region (or a custom base URL) with the key to use there."""

    region: Region
    endpoint: ServiceEndpoint
    api_key: str
    time_scale: float = 1.0  # < 1 for the simulator, whose clock runs fast
    demo: bool = False  # set only by wan_desktop.demo

    @property
    def is_demo(self) -> bool:
        return self.demo


def key_for(settings: Settings, vault: KeyVault) -> str:
    region = settings.region
    stored = vault.get(region.value)
    if stored is None:
        raise MissingKeyError(
            _(
                "No API key for {region}. Store one in Settings (it is kept in the system keyring), "
                "or set the DASHSCOPE_API_KEY environment variable."
            ).format(region=region.value)
        )
    return stored.key


def target_for(settings: Settings, vault: KeyVault) -> Target:
    endpoint = ServiceEndpoint.for_region(
        settings.region, workspace=settings.workspace_for(settings.region), custom_base_url=settings.custom_base_url
    )
    return Target(settings.region, endpoint, key_for(settings, vault))


@dataclass
class Session:
    """An open engine with what it holds. ``close()`` releases all of it (after the loop has stopped)."""

    engine: Engine
    store: JobStore
    library: Library
    client: DashScopeClient | None
    target: Target
    _resources: ExitStack

    def also_close(self, release: Callable[[], None]) -> None:
        """Release ``release`` with the session (after everything opened before it)."""
        self._resources.callback(release)

    def close(self) -> None:
        self._resources.close()


def open_session(
    home: Path,
    library_dir: Path,
    target: Target,
    *,
    listener: Listener | None = None,
    max_concurrent: int | None = None,
) -> Session:
    from wan_desktop.core.dashscope.client import DashScopeClient
    from wan_desktop.core.engine import Engine, EngineConfig
    from wan_desktop.core.library import Library
    from wan_desktop.core.store import JobStore

    resources = ExitStack()
    try:
        store = JobStore(home / "jobs.sqlite3")
        resources.callback(store.close)
        library = Library(library_dir)
        client = None  # offline commands (submit, jobs, retry) contact nothing and need no key
        if target.api_key:
            client = DashScopeClient(target.api_key, target.endpoint)
            resources.callback(client.close)
        config = EngineConfig.for_service_clock(
            target.region, target.time_scale, max_concurrent=max_concurrent, demo=target.demo
        )
        engine = Engine(store, library, client, config, listener=listener)
    except BaseException:
        resources.close()
        raise
    return Session(engine, store, library, client, target, resources)
