"""The demo: a ready-to-try store on synthetic data (agencies, one user of every role, history,
live work)."""
