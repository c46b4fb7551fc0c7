"""Demo mode: the built-in simulator on loopback stands in for the service, with its own key, clock and home.

This module sits above both the core and the simulator (the core never imports the simulator). Demo jobs
keep their own database and library under ``HOME/demo`` so they never mix with paid ones.
"""

from __future__ import annotations

from pathlib import Path

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.regions import ServiceEndpoint
from wan_desktop.core.session import Target

DEMO_KEY = "sk-demo"
DEMO_TIME_SCALE = 0.02  # a 1-5 minute task takes 1-6 seconds


class DemoService:
    """The simulator on loopback, for demo mode. Close it to stop the server."""

    def __init__(self, data_dir: Path, time_scale: float = DEMO_TIME_SCALE) -> None:
        # Loaded here, not at import: the simulator pulls in PyAV and Pillow, which the window's first
        # paint must not wait for.
        from wan_desktop.simulator.server import SimulatorServer

        self.server = SimulatorServer(api_keys=[DEMO_KEY], time_scale=time_scale, data_dir=data_dir)
        self.server.start()
        self.time_scale = time_scale

    @property
    def target(self) -> Target:
        endpoint = ServiceEndpoint.for_region(Region.CUSTOM, custom_base_url=self.server.base_url)
        return Target(Region.CUSTOM, endpoint, DEMO_KEY, self.time_scale, demo=True)

    def close(self) -> None:
        self.server.stop()


def demo_home(home: Path) -> Path:
    return home / "demo"


__all__ = ["DEMO_KEY", "DEMO_TIME_SCALE", "DemoService", "demo_home"]
