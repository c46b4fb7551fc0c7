"""Run the simulator: ``python -m wan_desktop.simulator``. The first stdout line is
``listening on http://HOST:PORT/api/v1``; it serves until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from wan_desktop.demo import DEMO_KEY  # the program sits above the simulator, like demo mode itself

from .faults import parse_fault
from .server import SimulatorServer


def _fault(text: str) -> dict:
    try:
        raw = json.loads(text)
        parse_fault(raw)
    except (ValueError, json.JSONDecodeError) as error:
        raise argparse.ArgumentTypeError(f"bad --fault {text!r}: {error}") from None
    return raw


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wan_desktop.simulator",
        description="A DashScope-compatible Wan image-to-video service on loopback (tests, benchmarks, demo mode).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help=f"an accepted API key (repeatable); without any, only {DEMO_KEY!r} is accepted",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiplies task timing and expiry (1 = like the service: 1-5 min per task; 0.01 = 0.6-3 s)",
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="where uploads and videos go (default: a temp folder)"
    )
    parser.add_argument(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        metavar="JSON",
        help="a fault to inject (format: see wan_desktop/simulator/faults.py), e.g. "
        '\'{"on":"create","status":500,"code":"InternalError","message":"boom"}\'',
    )
    parser.add_argument(
        "--unknown-model-status",
        type=int,
        choices=(400, 404),
        default=400,
        help="reply to an unknown model with 400 InvalidParameter 'Model not exist.' (default) or 404 ModelNotFound",
    )
    parser.add_argument("--no-limits", action="store_true", help="do not enforce rate limits or concurrent-task caps")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with SimulatorServer(
        api_keys=args.api_keys or [DEMO_KEY],
        time_scale=args.time_scale,
        data_dir=args.data_dir,
        host=args.host,
        port=args.port,
        faults=args.fault,
        unknown_model_status=args.unknown_model_status,
        enforce_limits=not args.no_limits,
    ) as sim:
        print(f"listening on {sim.base_url}", flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
