"""Notifications to an agency's users about episodes they must act on."""
