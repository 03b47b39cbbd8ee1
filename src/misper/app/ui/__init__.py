"""Server-rendered web pages: login, logout, a base layout with navigation by role, home pages."""
