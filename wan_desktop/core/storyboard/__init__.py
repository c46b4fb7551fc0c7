"""Storyboards (issue 12): plan a film as an ordered list of shots, render them in order through the
engine's queue, pick takes, and export one video (and an editor's timeline). No Qt here.

model (the values), joins (what the catalog allows), edits, codec, repository (SQLite), sidecar (the note
in the library), planner (what each shot needs next), render, estimate, export, timeline (.otio)."""
