"""The generated part of docs/security.md: who may see and change what, read from the access rules.

`misper docs --security` writes it between the two markers; tests/test_security_doc.py fails when
the committed page differs from what this renders. It reads only what decides access: the
permissions, the field ownership table, the menu and dashboards, the scope predicates (their
docstrings, and which roles each can reach at all) and the routes declaring each permission.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Sequence

BEGIN = "<!-- generated: access -->"
END = "<!-- end generated -->"
TICK = "✓"
SCOPE_DOC = "Predicate on"  # how the docstring of every scope predicate in access.py begins

# Short column heads, the full names being in the table of roles; a new role shows its own name.
SHORT = {
    "care_staff": "care",
    "police_mispers": "mispers",
    "police_control_room": "control",
    "police_officer": "officer",
    "council_social_worker": "social",
    "council_missing_coordinator": "coord",
    "rhi_worker": "rhi",
    "charity_worker": "charity",
    "analyst": "analyst",
    "admin": "admin",
}


def access_section() -> str:
    """The markdown that goes between the markers, the markers included."""
    from misper.app import access

    lines = [
        BEGIN,
        "<!-- Written by `misper docs --security` from src/misper/app/access.py and the routes;",
        "     do not edit by hand: tests/test_security_doc.py fails when it is out of date. -->",
        "",
        *_roles(access),
        *_permissions(access),
        *_fields(access),
        *_pages(access),
        *_scopes(access),
        END,
    ]
    return "\n".join(lines)


def with_access_section(document: str) -> str:
    """`document` with the text between its markers replaced by `access_section()`."""
    if document.count(BEGIN) != 1 or document.count(END) != 1:
        raise ValueError(f"the page must hold `{BEGIN}` and `{END}` once each")
    start, end = document.index(BEGIN), document.index(END) + len(END)
    if end < start:
        raise ValueError(f"`{END}` comes before `{BEGIN}`")
    return document[:start] + access_section() + document[end:]


def _roles_in_order():
    from misper.app.users.models import Role

    return list(Role)


def _head(role) -> str:
    return SHORT.get(role.value, role.value)


def _ticks(roles, allowed) -> str:
    return " | ".join(TICK if role in allowed else "" for role in roles)


def _table_head(first: Sequence[str], roles, last: Sequence[str] = ()) -> list[str]:
    names = [*first, *(_head(r) for r in roles), *last]
    return ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]


def _roles(access) -> list[str]:
    from misper.app.ui.pages import ROLE_TITLES
    from misper.app.users.models import ROLE_AGENCY_KINDS

    lines = [
        "### The roles",
        "",
        "Every user has one role, in one agency. *Reason*: the role must say why before it reads "
        "a child's record or sees names in a list of children (pseudonymous ids until then; the "
        "reason is in the audit log). *Agency's notices*: the role is told of case work addressed "
        "to its agency as a whole; other roles see only notifications addressed to them by name.",
        "",
        "| column | role | shown as | in agencies of kind | reason | agency's notices |",
        "|---|---|---|---|---|---|",
    ]
    for role in _roles_in_order():
        kinds = ", ".join(sorted(k.value for k in ROLE_AGENCY_KINDS.get(role, ())))
        lines.append(
            f"| {_head(role)} | `{role.value}` | {ROLE_TITLES.get(role, '')} | {kinds} | "
            f"{TICK if role in access.REASON_REQUIRED else ''} | "
            f"{TICK if role in access.NOTIFIED else ''} |"
        )
    return [*lines, ""]


def _permissions(access) -> list[str]:
    roles = _roles_in_order()
    routes, everyone, public = _routes()
    lines = [
        "### What each role may do, by kind of record",
        "",
        "From `access.PERMISSIONS`. A role without the tick is refused (403) for every record of "
        "the kind alike; with it, a record outside the role's scope (below) answers 404, exactly "
        "as one that does not exist. *Routes* are the API routes and pages declaring the "
        "permission (`allowed(resource, action)`); an action without one is used by services "
        "only.",
        "",
    ]
    for resource, actions in access.PERMISSIONS.items():
        lines += [f"#### `{resource}`", "", *_table_head(["action"], roles, ["routes"])]
        for action, allowed in actions.items():
            used = ", ".join(f"`{r}`" for r in routes.get((resource, action), [])) or "—"
            lines.append(f"| {action} | {_ticks(roles, allowed)} | {used} |")
        lines.append("")
    lines += [
        "Open to every signed-in user, whatever the role (each shows the caller's own things "
        "only): " + ", ".join(f"`{r}`" for r in everyone) + ".",
        "",
        "Open without signing in: " + ", ".join(f"`{r}`" for r in public) + ".",
        "",
    ]
    return lines


def _routes() -> tuple[dict[tuple[str, str], list[str]], list[str], list[str]]:
    """Every route of the app as `METHOD /path`: by the permission it declares; those open to
    any signed-in caller; those open to anyone."""
    from fastapi.routing import APIRoute

    from misper.app.main import routers

    by_permission: dict[tuple[str, str], list[str]] = defaultdict(list)
    everyone, public = [], []
    for router in routers():
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            permission = _permission_of(route)
            for method in sorted(route.methods - {"HEAD"}):
                name = f"{method} {route.path}"
                if permission is None:
                    public.append(name)
                elif permission[0] == "signed_in":
                    everyone.append(name)
                else:
                    by_permission[permission].append(name)
    ordered = {key: sorted(set(names), key=_route_order) for key, names in by_permission.items()}
    return ordered, sorted(set(everyone), key=_route_order), sorted(set(public), key=_route_order)


def _route_order(route: str) -> tuple[str, str]:
    method, path = route.split(" ", 1)
    return path, method


def _permission_of(route) -> tuple[str, str | None] | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if hasattr(dependency.call, "permission"):
            return dependency.call.permission
        stack.extend(dependency.dependencies)
    return None


def _fields(access) -> list[str]:
    writers = getattr(access, "FIELD_WRITERS", None)
    if not writers:
        return []
    roles = _roles_in_order()
    lines = [
        "### Who may write each field of a case record",
        "",
        "From `access.FIELD_WRITERS`, checked by the services (`access.check_writes`) for the "
        "API and the pages alike before the record is loaded: a change writing a field the role "
        "does not own is refused whole (403 naming the field). A field not listed is the store's "
        "own (versions, clocks, counters) or is copied from another record; nobody keys it. "
        "Writing still needs the permission above and the record in scope.",
        "",
    ]
    for record, fields in writers.items():
        lines += [f"#### {record}", "", *_table_head(["field"], roles)]
        for field, allowed in fields.items():
            lines.append(f"| `{field}` | {_ticks(roles, allowed)} |")
        lines.append("")
    return lines


def _pages(access) -> list[str]:
    roles = _roles_in_order()
    lines = [
        "### Pages in each role's menu",
        "",
        "From `access.MENU` and `access.DASHBOARDS`: a role's menu lists a page when the role "
        "holds the permission the page declares. Home, notifications and *Your account* are "
        "every signed-in user's.",
        "",
        *_table_head(["page", "path"], roles),
    ]
    for label, path, resource, action in access.MENU:
        allowed = {r for r in roles if access.allowed(r, resource, action)}
        lines.append(f"| {label} | `{path}` | {_ticks(roles, allowed)} |")
    lines += ["", "Dashboards:", "", *_table_head(["dashboard", "path"], roles)]
    for label, path, action in access.DASHBOARDS:
        allowed = {r for r in roles if access.allowed(r, "dashboards", action)}
        lines.append(f"| {label} | `{path}` | {_ticks(roles, allowed)} |")
    return [*lines, ""]


def _scopes(access) -> list[str]:
    from misper.app.ui.pages import ROLE_TITLES

    roles = _roles_in_order()
    scopes = _scope_functions(access)
    reach = {(name, role): _reach(function, role) for name, function in scopes for role in roles}
    lines = [
        "### What each role's scope reaches",
        "",
        "The scope predicates of `access.py`, applied inside every query: where a role's "
        "permissions (above) let it into a kind of record, it reaches only the records the "
        "predicate holds for its agency. A tick: the predicate can hold for the role; *all*: it "
        "holds for every record; blank: it holds for none, whatever the role's agency. A "
        "predicate matters only where the role has a permission on its kind of record.",
        "",
        *_table_head(["predicate"], roles, ["what it holds"]),
    ]
    for name, function in scopes:
        cells = " | ".join(
            {True: "all", False: "", None: TICK}[reach[(name, role)]] for role in roles
        )
        lines.append(f"| `{name}` | {cells} | {_summary(function)} |")
    lines += ["", "By role:", ""]
    for role in roles:
        some = [f"`{n}`" for n, _ in scopes if reach[(n, role)] is None]
        every = [f"`{n}`" for n, _ in scopes if reach[(n, role)] is True]
        parts = []
        if some:
            parts.append("the records its agency may reach through " + ", ".join(some))
        if every:
            parts.append("every record through " + ", ".join(every))
        text = "; ".join(parts) or "nothing"
        lines.append(f"- **`{role.value}`** ({ROLE_TITLES.get(role, '')}): {text}.")
    return [*lines, ""]


def _scope_functions(access) -> list[tuple[str, object]]:
    """The scope predicates of the access module, in the order they are written there."""
    found = [
        (name, function)
        for name, function in inspect.getmembers(access, inspect.isfunction)
        if function.__module__ == access.__name__
        and not name.startswith("_")
        and (function.__doc__ or "").startswith(SCOPE_DOC)
    ]
    return sorted(found, key=lambda item: item[1].__code__.co_firstlineno)


def _summary(function) -> str:
    """The docstring as one line of a table."""
    return " ".join(inspect.getdoc(function).split()).replace("|", "\\|")


def _reach(function, role) -> bool | None:
    """True: every record, False: none, None: some, for an actor of `role` in any agency its
    role may belong to."""
    from misper.app.access import Actor
    from misper.app.users.models import ROLE_AGENCY_KINDS

    kinds = sorted(k.value for k in ROLE_AGENCY_KINDS.get(role, ())) or [""]
    values = {_constant(function(Actor(0, "", role, 0, kind))) for kind in kinds}
    return values.pop() if len(values) == 1 else None


def _constant(clause) -> bool | None:
    """The value of a predicate that is constant whatever the row (True or False), else None."""
    from sqlalchemy.sql import operators
    from sqlalchemy.sql.elements import AsBoolean, BooleanClauseList, False_, Grouping, True_

    if isinstance(clause, True_):
        return True
    if isinstance(clause, False_):
        return False
    if isinstance(clause, Grouping):
        return _constant(clause.element)
    if isinstance(clause, AsBoolean):
        value = _constant(clause.element)
        if value is None:
            return None
        return value if clause.operator is operators.is_true else not value
    if isinstance(clause, BooleanClauseList):
        parts = [_constant(part) for part in clause.clauses]
        if clause.operator is operators.or_:
            return True if True in parts else (False if all(p is False for p in parts) else None)
        if clause.operator is operators.and_:
            return False if False in parts else (True if all(p is True for p in parts) else None)
    return None
