"""Decision support from history: time to return, repeat early warning, networks, did it work."""
