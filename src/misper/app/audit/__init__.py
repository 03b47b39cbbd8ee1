"""The append-only, hash-chained audit log of every read of a child's record and every change."""
