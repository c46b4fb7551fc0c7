"""The cyclic garbage collector waits while the app starts, and resumes once the start is over.

Starting the window imports Qt's bindings, the app and Babel's CLDR data and builds a few thousand widgets:
hundreds of thousands of objects, nearly all of them kept for the life of the process. The allocations set off
collection after collection, and each one walks the objects already held without freeing any, which costs the
first paint tens of milliseconds (bench/startup.py measures it). Reference counting still frees every object that
is not in a cycle while the collector waits; the few cycles a start makes are collected when it resumes.

The start is over at the window's first paint, or sooner, before anything waits for the person: a dialog, a
headless command, the self-test. `wan_desktop.__main__` resumes on its way out whatever happened.
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
    """End the start's pause; any later call does nothing."""
    if _Pause.held:
        _Pause.held = False
        gc.enable()
