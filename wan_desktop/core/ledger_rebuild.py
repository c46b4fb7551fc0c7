"""The ledger rebuilt from the library's sidecars (after a database was lost or set aside).

A sidecar holds the whole finished job, usage included, so its entry comes out as the engine wrote it: the
same billed seconds, the price of the day it was sent, the same amount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from wan_desktop.core import money_store, sidecars
from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.jobs import FINAL_STATES
from wan_desktop.core.ledger import LedgerEntry, entry_for
from wan_desktop.core.library import Library
from wan_desktop.core.pricing import PriceTable, default_table
from wan_desktop.core.store import JobStore


@dataclass(frozen=True)
class RebuildOutcome:
    entries: tuple[LedgerEntry, ...]
    skipped: tuple[str, ...]  # a sentence per sidecar that could not be read

    @property
    def message(self) -> str:
        entries = format_number(len(self.entries))
        if not self.skipped:
            return _("Rebuilt {entries} ledger entries from the library.").format(entries=entries)
        return _("Rebuilt {entries} ledger entries from the library; {skipped} unreadable notes skipped.").format(
            entries=entries, skipped=format_number(len(self.skipped))
        )


def entries_from_sidecars(
    library: Library, *, demo: bool = False, zone: tzinfo | None = None, table: PriceTable | None = None
) -> RebuildOutcome:
    scan = sidecars.scan(library)
    prices = table or default_table()
    entries = tuple(entry_for(job, prices, demo=demo, zone=zone) for job in scan.jobs if job.state in FINAL_STATES)
    return RebuildOutcome(entries, tuple(_skipped(problem.path, problem.message) for problem in scan.problems))


def _skipped(path: object, message: str) -> str:
    return _("{path}: {problem}").format(path=path, problem=message)


def rebuild(store: JobStore, library: Library, **options) -> RebuildOutcome:
    """Write the entries of every sidecar's job into the ledger (an entry already there is replaced)."""
    outcome = entries_from_sidecars(library, **options)
    with store.transaction() as conn:
        for entry in outcome.entries:
            money_store.write_entry(conn, entry)
    return outcome
