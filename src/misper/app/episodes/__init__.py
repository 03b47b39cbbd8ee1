"""Missing episodes: report, risk over time, control-room decisions, tasks, sightings, found,
links."""
