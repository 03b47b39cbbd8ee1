"""The control room's triage of a report: profile, history, wait guidance, risk, decision,
reviews."""
