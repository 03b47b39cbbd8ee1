"""Philomena profiles: the grab sheet carers keep ready, versioned so every change is kept."""
