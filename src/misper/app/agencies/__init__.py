"""Agencies: the police force, councils, care providers, RHI providers and charities sharing the
store."""
