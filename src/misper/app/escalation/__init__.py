"""Referrals of a child to multi-agency meetings (MARM, MACE) and what those meetings decided."""
