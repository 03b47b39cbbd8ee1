"""Sending the pages' forms from a TestClient as a browser does: from the store's own origin, with
the csrf_token the pages carry for this browser (read from a page first)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

TOKEN = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def csrf_token(client: TestClient, headers: dict | None = None) -> str:
    """The token of the forms the client's pages carry now, read from the sign-in page (sent
    with `headers`, so a Cookie header given per request binds it to that session)."""
    page = client.get("/login", headers=headers, follow_redirects=True)
    found = TOKEN.search(page.text)
    assert found, "the page has no csrf_token field"
    return found.group(1)


def origin(client: TestClient) -> str:
    return str(client.base_url).rstrip("/")


def from_the_page(client: TestClient, **kwargs) -> dict:
    """A request's arguments with what a browser's form adds: the store's Origin and the page's
    csrf_token (in the form's fields, or in the X-CSRF-Token header when the body is no form)."""
    headers = {"Origin": origin(client), **(kwargs.pop("headers", None) or {})}
    cookie = {k: v for k, v in headers.items() if k.lower() == "cookie"}
    token = csrf_token(client, cookie or None)
    data = kwargs.get("data")
    if (
        kwargs.get("json") is None
        and kwargs.get("content") is None
        and (data is None or isinstance(data, dict))
    ):
        kwargs["data"] = {**(data or {}), "csrf_token": token}
    else:
        headers["X-CSRF-Token"] = token
    return {**kwargs, "headers": headers}


def post_form(client: TestClient, url: str, **kwargs):
    """`client.post` as the page's form would send it."""
    return client.post(url, **from_the_page(client, **kwargs))


class FormClient(TestClient):
    """A TestClient whose unsafe requests to the pages are sent as the pages' forms would be
    (`from_the_page`), the token read from a page first."""

    def request(self, method, url, **kwargs):
        if method.upper() in UNSAFE and not str(url).startswith("/api"):
            kwargs = from_the_page(self, **kwargs)
        return super().request(method, url, **kwargs)
