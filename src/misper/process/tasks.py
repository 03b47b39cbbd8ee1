"""Tasks generated for a risk level, from the configurable task library (seed Appendix 3)."""

from misper.process.config import TaskLibrary


def tasks_for(level: str, library: TaskLibrary) -> list[str]:
    """The library's tasks for `level`, in library order; none for no apparent risk or absent."""
    return [task.name for task in library.tasks if level in task.levels]
