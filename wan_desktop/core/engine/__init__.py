"""The job engine (see facade.py for its rules and parts)."""

from wan_desktop.core.engine.clock import Clock, FakeClock, SystemClock
from wan_desktop.core.engine.commands import CommandOutcome, ImportOutcome, Outcome
from wan_desktop.core.engine.config import ACTIVE_STATES, AWAITING_DECISION_CODES, EngineConfig, Listener
from wan_desktop.core.engine.facade import Engine
from wan_desktop.core.engine.service import VideoService

__all__ = [
    "ACTIVE_STATES",
    "AWAITING_DECISION_CODES",
    "Clock",
    "CommandOutcome",
    "Engine",
    "EngineConfig",
    "FakeClock",
    "ImportOutcome",
    "Listener",
    "Outcome",
    "SystemClock",
    "VideoService",
]
