"""Rules of the redesigned process (before, during, after an episode), free of storage and HTTP.

The case system's services call these; each takes plain values or frames and returns plain values,
so every rule can be tested at its edges (71h59 vs 72h01, the third episode on day 30 vs 31).
"""
