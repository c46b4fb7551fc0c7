"""Takes the README's screenshot of the Spend tab: a ledger of three weeks of made-up videos (several models,
a storyboard and a batch, a failed one), some clips marked kept, and a daily and monthly cap.

    xvfb-run -a -s "-screen 0 1366x900x24" /work/main/.venv/bin/python scripts/screenshot_spend.py [docs/spend.png]
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

from PySide6.QtCore import QDate

from wan_desktop.core import money_store
from wan_desktop.core.budget import Budget
from wan_desktop.core.dashscope.catalog import Currency
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.ledger import LedgerEntry
from wan_desktop.core.store import JobStore, open_reader
from wan_desktop.qt.app import make_application
from wan_desktop.qt.self_test import run_events_until
from wan_desktop.qt.spend_panel import SpendPanel

MODELS = (("wan2.6-i2v", "720P", 0.10), ("wan2.6-i2v-flash", "1080P", 0.075), ("wan2.2-i2v-plus", "480P", 0.02))
PROJECTS = (None, None, "storyboard:fox-chase", "batch:product-shots")


def seed(db: Path) -> None:
    rng = random.Random(7)
    today = date.today()
    with JobStore(db) as store:
        with store.transaction() as conn:
            money_store.set_budget(conn, Budget(Currency.USD, daily=8.0, monthly=120.0, confirm_over=5.0))
        for n in range(70):
            day = today - timedelta(days=rng.randrange(0, 21))
            model, resolution, price = rng.choice(MODELS)
            seconds = rng.choice((5, 5, 10, 15))
            failed = rng.random() < 0.08
            job_id = f"job{n:03d}"
            moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
            request = GenerationRequest(model=model, resolution=resolution, duration=seconds)
            kept = None if failed else rng.random() < 0.6
            state = JobState.FAILED if failed else JobState.DONE
            store.save(Job(job_id, request, state, moment, moment, "ap-southeast-1", kept=kept))
            amount = 0.0 if failed else round(seconds * price, 6)
            reason = "failed: the service bills only videos it made" if failed else "charged"
            entry = LedgerEntry(
                job_id,
                f"t{n}",
                day.isoformat(),
                state.value,
                model,
                "ap-southeast-1",
                resolution,
                "USD",
                "2024-01-01",
                price,
                None,
                0.0 if failed else float(seconds),
                0.0,
                amount,
                amount,
                not failed,
                reason,
                rng.choice(PROJECTS),
            )
            with store.transaction() as conn:
                money_store.write_entry(conn, entry)


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/spend.png").resolve()
    make_application()
    with tempfile.TemporaryDirectory(prefix="wan-spend-") as tmp:
        db = Path(tmp) / "jobs.sqlite3"
        seed(db)
        panel = SpendPanel(lambda: open_reader(db), db)
        start = date.today() - timedelta(days=20)
        panel.since_edit.setDate(QDate(start.year, start.month, start.day))
        panel.resize(1280, 820)
        panel.setWindowTitle("Wan Desktop: Spend")
        panel.show()
        loaded = []
        panel.loaded.connect(lambda: loaded.append(True))
        panel.refresh()
        run_events_until(lambda: loaded, 30, interval_ms=50)
        run_events_until(lambda: False, 1.0, interval_ms=50)  # let the chart paint
        target.parent.mkdir(parents=True, exist_ok=True)
        panel.grab().save(str(target))
        panel.shutdown()
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
