"""The Jinja environment of every page: the caller's templates, then ui's layout and macros."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

# Where the web app serves `static_dir()`; pages written to a file inline the stylesheet instead.
STYLESHEET_HREF = "/static/ui/misper.css"


def static_dir() -> Path:
    """The folder of ui's static files (misper.css), for a web server to serve at /static/ui."""
    return Path(str(resources.files("misper.ui").joinpath("static")))


@functools.cache
def stylesheet() -> Markup:
    """misper.css as text to put inside <style> (marked safe: CSS is not HTML-escaped)."""
    text = (static_dir() / "misper.css").read_text(encoding="utf-8")
    if "</" in text:  # would end the <style> element early
        raise ValueError("misper.css must not contain '</'")
    return Markup(text)


def environment(templates: Iterable[str | BaseLoader] = ()) -> Environment:
    """A Jinja environment: autoescape on, undefined names an error, ui's templates last.

    `templates` are loaders, or names of packages whose `templates/` folder is searched (e.g.
    "misper.report"); each keeps its templates in a subfolder named after it (`report/...`), as ui
    does (`ui/layout.html`, `ui/macros.html`), so that names never collide.

    Globals the layout reads, each overridable per render: `inline_css` (False: link the
    stylesheet at `stylesheet_href`; True: put it in the page, for a file that opens offline),
    `stylesheet_href`, `body_class` and `title_suffix` (after every page's title).
    """
    loaders = [PackageLoader(t, "templates") if isinstance(t, str) else t for t in templates]
    env = Environment(
        loader=ChoiceLoader([*loaders, PackageLoader("misper.ui", "templates")]),
        autoescape=True,
        undefined=StrictUndefined,
    )
    env.globals.update(
        inline_css=False,
        stylesheet_href=STYLESHEET_HREF,
        stylesheet=stylesheet,
        body_class="",
        title_suffix="",
    )
    return env
