"""Where requests go: the region's API root (plus the workspace, where the region needs one) and timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .catalog import REGIONS, Region


@dataclass(frozen=True)
class ServiceEndpoint:
    """The HTTP API root (".../api/v1") of one region, and the workspace id sent with each request."""

    base_url: str
    region: Region
    workspace: str = ""

    @classmethod
    def for_region(cls, region: Region, *, workspace: str = "", custom_base_url: str = "") -> "ServiceEndpoint":
        workspace = workspace.strip()
        if region is Region.CUSTOM:
            url = custom_base_url.strip().rstrip("/")
            if not url:
                raise ValueError("A custom region needs a base URL, for example http://127.0.0.1:8000/api/v1.")
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
                raise ValueError(f"The custom base URL {url!r} must start with http:// or https:// and name a host.")
            return cls(url, region, workspace)
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
