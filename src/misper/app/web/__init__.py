"""Web pages still to be moved into their domains (temporary)."""
