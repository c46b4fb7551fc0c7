"""Where requests go: the region's API root (plus the workspace, where the region needs one) and timeouts."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from wan_desktop.core.i18n import _

from .catalog import REGIONS, ModelSpec, Region

# Model Studio workspace ids are short lower-case names such as "llm-abc123xyz" (letters, digits, dashes).
_WORKSPACE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,62}$")
_EXAMPLE_URL = "http://127.0.0.1:8000/api/v1"


def check_workspace(text: str) -> str:
    """A workspace id as typed, trimmed, or ValueError in a sentence. Empty is allowed (no workspace)."""
    workspace = (text or "").strip()
    if workspace and not _WORKSPACE_ID.match(workspace):
        raise ValueError(
            _(
                "The workspace id {workspace} is not one: it has 3 to 63 lower-case letters, digits and dashes. "
                "Find it in the Model Studio console: open the workspace list (Workspace management), and copy "
                "the Workspace ID shown beside your workspace."
            ).format(workspace=repr(workspace[:64]))
        )
    return workspace


def workspace_problem(spec: ModelSpec, endpoint: ServiceEndpoint) -> str:
    """ "" when ``spec`` can be called at ``endpoint``; else the sentence saying where to find the id.
    Models such as Wan 3.0 answer only on a workspace host (contract 12.1.2)."""
    if not spec.workspace_host_only or endpoint.region is Region.CUSTOM or endpoint.is_workspace_host:
        return ""
    return _(
        "{model} only answers on your workspace's own host, and no workspace id is set for {region}. "
        "Find it in the Model Studio console: open the workspace list (Workspace management), and copy the "
        "Workspace ID shown beside your workspace, then enter it in Settings (or pass --workspace)."
    ).format(model=spec.label, region=endpoint.label)


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
        raise ValueError(_("A custom region needs a base URL, for example {example}.").format(example=_EXAMPLE_URL))
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise ValueError(
            _("The custom base URL {url} must start with http:// or https:// and name a host.").format(url=repr(url))
        )
    if parts.username or parts.password:
        raise ValueError(_("The custom base URL for {host} must not hold a user name or password.").format(host=host))
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValueError(
            _(
                "The base URL {url} uses plain http:// to {host}, which would send the API key unencrypted; "
                "use https://, or http:// only for this machine (127.0.0.1 or localhost)."
            ).format(url=repr(url), host=host)
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
        workspace = check_workspace(workspace)
        if region is Region.CUSTOM:
            return cls(check_base_url(custom_base_url), region, workspace)
        info = REGIONS[region]
        if info.needs_workspace and not workspace:
            raise ValueError(
                _(
                    "{region} needs the workspace id (Model Studio console, Workspace details): "
                    "its API host name contains it."
                ).format(region=info.label)
            )
        return cls(info.base_url(workspace), region, workspace)

    @property
    def is_workspace_host(self) -> bool:
        return self.host.endswith(".maas.aliyuncs.com") and not self.host.startswith(("trial.", "trail."))

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
