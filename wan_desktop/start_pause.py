"""The cyclic garbage collector waits while the app starts, and leaves what the start made alone afterwards.

Starting the window imports Qt's bindings, the app and Babel's CLDR data and builds a few thousand widgets:
hundreds of thousands of objects, nearly all of them kept for the life of the process. The allocations set off
collection after collection, and each one walks the objects already held without freeing any, which costs the
first paint tens of milliseconds (bench/startup.py measures it). Reference counting still frees every object
that is not in a cycle while the collector waits.

The start is over at the window's first paint, or sooner, before anything waits for the person: a dialog, a
headless command, the self-test. `wan_desktop.__main__` ends the pause on its way out whatever happened.

Merely turning the collector back on would move the walks past the first paint (two collections of about
20 ms each, right after it). So what the start made is frozen first (`gc.freeze`): no collection walks it
again, for the life of the process, and later full collections are shorter too. The price is bounded: a cycle
among those objects is never freed. At the first paint about a thousand objects are such garbage already, and
what is dropped later can keep no more than what the start made.
"""

from __future__ import annotations

import gc


class _Pause:
    held = False  # True only while this module turned the collector off


def pause_collection() -> None:
    """Turn the collector off for the start, if it is on (a caller that turned it off itself keeps it off)."""
    if gc.isenabled():
        gc.disable()
        _Pause.held = True


def resume_collection() -> None:
    """End the start's pause, leaving what the start made out of every later collection; any later call does
    nothing."""
    if _Pause.held:
        _Pause.held = False
        gc.freeze()
        gc.enable()
