"""Misper: prevent children going missing, find them sooner, and stop it happening again."""

__version__ = "0.1.0"
