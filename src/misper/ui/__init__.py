"""Shared layout, macros and static files for every HTML page Misper makes; nothing domain-specific.

`environment(...)` gives the Jinja environment with `ui/layout.html` (the page skeleton) and
`ui/macros.html` (tables, figures, summary lists, notices, error summaries, pager), and
`static/misper.css` is the one stylesheet, linked or inlined by the layout.
"""

from misper.ui.render import STYLESHEET_HREF, environment, static_dir, stylesheet

__all__ = ["STYLESHEET_HREF", "environment", "static_dir", "stylesheet"]
