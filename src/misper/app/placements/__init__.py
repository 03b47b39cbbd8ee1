"""Homes and placements: where a child lives, who placed them there, and whether it is out of
area."""
