"""The `misper` command. Each module in this package adds the commands of one domain to `app`.

Commands import their heavy libraries inside the function body so that `misper --help` is quick.
"""

import typer

app = typer.Typer(
    name="misper",
    help="Missing children: demand report, multi-agency case system and decision support.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # a local may hold a child's row; never print it
)

# Registration order is the order of `misper --help`: the demo, data in, the report, decision
# support, then the case store.
from misper.cli import (  # noqa: E402 (the commands register on `app` above)
    demo,  # noqa: F401
    incidents,  # noqa: F401
    insight,  # noqa: F401
    notifications,  # noqa: F401
    report,  # noqa: F401
    store,  # noqa: F401
    synth,  # noqa: F401
    worker,  # noqa: F401
)
