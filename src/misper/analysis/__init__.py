"""Pure analysis of the canonical incident table: frames in, tables and values out (no files, no HTML)."""
