"""Where requests go: the region's API root (plus the workspace, where the region needs one) and timeouts."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from .catalog import REGIONS, Region


def is_loopback_host(host: str) -> bool:
    """True for this machine only: "localhost", 127.0.0.0/8 and ::1."""
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(text: str) -> str:
    """A custom API root, or ValueError in a sentence. Plain http is for this machine only (the simulator,
    a local relay): anywhere else it would carry the key unencrypted across the network."""
    url = (text or "").strip().rstrip("/")
    if not url:
        raise ValueError("A custom region needs a base URL, for example http://127.0.0.1:8000/api/v1.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"The custom base URL {url!r} must start with http:// or https:// and name a host.")
    if parts.username or parts.password:
        raise ValueError(f"The custom base URL for {host} must not hold a user name or password.")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValueError(
            f"The base URL {url!r} uses plain http:// to {host}, which would send the API key unencrypted; "
            "use https://, or http:// only for this machine (127.0.0.1 or localhost)."
        )
    return url


@dataclass(frozen=True)
class ServiceEndpoint:
    """The HTTP API root (".../api/v1") of one region, and the workspace id sent with each request."""

    base_url: str
    region: Region
    workspace: str = ""

    def __post_init__(self) -> None:
        # Every way of making an endpoint passes here, so no code path can send the key over plain http.
        check_base_url(self.base_url)

    @classmethod
    def for_region(cls, region: Region, *, workspace: str = "", custom_base_url: str = "") -> ServiceEndpoint:
        workspace = workspace.strip()
        if region is Region.CUSTOM:
            return cls(check_base_url(custom_base_url), region, workspace)
        info = REGIONS[region]
        if info.needs_workspace and not workspace:
            raise ValueError(
                f"{info.label} needs the workspace id (Model Studio console, Workspace details): "
                "its API host name contains it."
            )
        return cls(info.base_url(workspace), region, workspace)

    @property
    def host(self) -> str:
        """The only host that ever receives the API key."""
        return urlsplit(self.base_url).hostname or ""

    @property
    def label(self) -> str:
        return REGIONS[self.region].label


@dataclass(frozen=True)
class Timeouts:
    """Seconds; explicit so a hung network never hangs a worker forever."""

    connect: float = 10
    read: float = 60
    write: float = 60
    pool: float = 10
