"""The money commands in-process: budget set refuses nonsense with a sentence, budget show, spend by model and
day as text, JSON and CSV (read only, while another process holds the home), ledger rebuild."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

from wan_desktop.cli import main
from wan_desktop.core import money_store
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.home_lock import HomeLock
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.ledger import LedgerEntry
from wan_desktop.core.store import JobStore


def run(tmp_path, capsys, *args):
    code = main(["--home", str(tmp_path / "home"), "--library", str(tmp_path / "lib"), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def entry(job_id: str, day: str, model: str, amount: float, project: str | None = None) -> LedgerEntry:
    return LedgerEntry(
        job_id,
        f"t-{job_id}",
        day,
        "done",
        model,
        "ap-southeast-1",
        "720P",
        "USD",
        "2024-01-01",
        0.1,
        None,
        amount * 10,
        0.0,
        amount,
        amount,
        True,
        "charged",
        project,
    )


def seed(tmp_path) -> None:
    (tmp_path / "home").mkdir(parents=True, exist_ok=True)
    with JobStore(tmp_path / "home" / "jobs.sqlite3") as store, store.transaction() as conn:
        today = date.today().isoformat()
        money_store.write_entry(conn, entry("a", today, "wan2.6-i2v", 0.5, "storyboard:s1"))
        money_store.write_entry(conn, entry("b", today, "wan2.6-i2v", 1.0))
        money_store.write_entry(conn, entry("c", today, "wan2.2-i2v-plus", 0.25, "=cmd"))


def test_budget_set_refuses_zero_negative_and_nonsense(tmp_path, capsys):
    for typed in ("0", "-3", "plenty"):
        code, _, err = run(tmp_path, capsys, "budget", "set", "--daily", typed, "--currency", "USD")
        assert code == 1 and err.startswith("wan-desktop: The daily cap must")
    code, _, err = run(tmp_path, capsys, "budget", "set", "--currency", "USD")
    assert code == 1 and "Say what to set" in err


def test_budget_set_and_show(tmp_path, capsys):
    code, out, _ = run(tmp_path, capsys, "budget", "set", "--daily", "5", "--monthly", "50", "--currency", "USD")
    assert code == 0 and out.strip() == "USD: daily US$5.00, monthly US$50.00, confirm batches over no cap"
    run(tmp_path, capsys, "budget", "set", "--confirm-over", "2.5", "--currency", "USD")
    code, out, _ = run(tmp_path, capsys, "budget", "show")
    assert out.strip() == "USD: daily US$5.00, monthly US$50.00, confirm batches over US$2.50"


def test_spend_reads_while_another_holds_the_home(tmp_path, capsys):
    seed(tmp_path)
    with HomeLock.acquire(tmp_path / "home", "the window"):
        code, out, _ = run(tmp_path, capsys, "spend", "--by", "model", "--json")
    assert code == 0
    rows = {row["key"]: row for row in json.loads(out)}
    assert rows["wan2.6-i2v"]["amount"] == 1.5 and rows["wan2.6-i2v"]["videos"] == 2
    code, out, _ = run(tmp_path, capsys, "spend", "--by", "storyboard", "--csv")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0][:3] == ["storyboard", "currency", "amount"]
    assert ["storyboard:s1", "USD", "0.5"] in [row[:3] for row in table]
    assert "'=cmd" in [row[0] for row in table]  # a spreadsheet does not run it
    code, out, _ = run(tmp_path, capsys, "spend")
    assert date.today().isoformat() in out and "US$1.75" in out


def test_spend_refuses_a_day_it_cannot_read(tmp_path, capsys):
    code, _, err = run(tmp_path, capsys, "spend", "--since", "last week")
    assert code == 1 and "YYYY-MM-DD" in err


def test_ledger_rebuild_from_the_sidecars(tmp_path, capsys):
    from wan_desktop.core.library import Library

    library = Library(tmp_path / "lib")
    moment = datetime(2026, 11, 3, 10, tzinfo=UTC)
    job = Job(
        id="j1",
        request=GenerationRequest(model="wan2.6-i2v", resolution="720P", duration=5),
        state=JobState.DONE,
        created_at=moment,
        updated_at=moment,
        region="ap-southeast-1",
        task_id="t1",
        submit_started_at=moment,
        usage={"output_video_duration": 5},
    )
    library.write_sidecar(job)
    code, out, _ = run(tmp_path, capsys, "ledger", "rebuild")
    assert code == 0 and out.startswith("Rebuilt 1 ledger entries")
    code, out, _ = run(tmp_path, capsys, "spend", "--since", "2026-11-01", "--until", "2026-11-30", "--json")
    (row,) = json.loads(out)
    assert row["key"] == "2026-11-03" and row["amount"] > 0


def test_demo_run_names_the_jobs_held_by_budget(tmp_path, capsys):
    from tests.engine_helpers import make_image

    image = make_image(tmp_path / "fox.png")
    code, _, err = run(tmp_path, capsys, "demo", "budget", "set", "--daily", "0.6", "--currency", "USD")
    assert code == 0
    args = ("demo", "submit", str(image), "--model", "wan2.6-i2v", "--resolution", "720P", "--duration", "5")
    code, _, err = run(tmp_path, capsys, *args, "--count", "2", "--prompt", "a fox")
    assert code == 0, err
    code, _, err = run(tmp_path, capsys, "demo", "run", "--quiet")
    assert code == 0
    assert "Held by budget: your daily cap is US$0.60" in err
    code, out, _ = run(tmp_path, capsys, "demo", "spend", "--json")
    (row,) = json.loads(out)
    assert row["videos"] == 0 and row["free"] == 1  # the demo video cost nothing
