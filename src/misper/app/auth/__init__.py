"""Authentication: Argon2 passwords, web sessions, bearer tokens for systems, lock-out."""
