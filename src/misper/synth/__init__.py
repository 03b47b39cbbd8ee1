"""Calibrated synthetic data: a model of children who go missing that gives the Herts figures."""

from misper.synth.generator import (
    DEFAULT_END,
    DEFAULT_START,
    Synthetic,
    default_incidents,
    generate,
    truth_folder,
    write_synthetic,
)

__all__ = [
    "DEFAULT_END",
    "DEFAULT_START",
    "Synthetic",
    "default_incidents",
    "generate",
    "truth_folder",
    "write_synthetic",
]
