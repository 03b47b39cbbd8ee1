"""Tasks generated from the task library for a risk level, their progress, and the task review."""
