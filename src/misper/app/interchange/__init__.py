"""Between the store and the analysis: episodes out as the canonical incident table (exports),
and history back in."""
