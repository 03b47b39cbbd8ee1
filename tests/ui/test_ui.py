"""misper.ui: the macros escape what they are given and the layout links or inlines the one
stylesheet. (Here until tests/ui/ exists; ui has no package of tests of its own yet.)"""

import pytest
from jinja2 import DictLoader, UndefinedError
from markupsafe import Markup

from misper import ui


def render(source: str, **context) -> str:
    env = ui.environment([DictLoader({"page.html": source})])
    return env.get_template("page.html").render(**context)


def test_data_table_escapes_cells_and_aligns_numbers():
    html = render(
        '{% import "ui/macros.html" as ui %}'
        "{{ ui.data_table(caption, headers, rows, numeric=[false, true], row_headers=true,"
        " total_rows=1, id='t-1', notes=['a <note>']) }}",
        caption="Children <b>",
        headers=["pid", "incidents"],
        rows=[["<script>alert(1)</script>", "3"], ["Total", {"text": "9", "class": "hl"}]],
    )
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<caption>Children &lt;b&gt;</caption>" in html
    assert '<th scope="col" class="num">incidents</th>' in html
    assert '<th scope="row">&lt;script&gt;' in html and '<td class="num">3</td>' in html
    assert '<tr class="total"><th scope="row">Total</th><td class="num hl">9</td></tr>' in html
    assert 'id="t-1"' in html and '<p class="muted">a &lt;note&gt;</p>' in html
    # the wrapper scrolls on a narrow screen: reachable by keyboard and named by the caption
    wrap = '<div class="table-wrap" tabindex="0" role="region" aria-label="Children &lt;b&gt;">'
    assert wrap in html
    assert "<details" not in html


def test_data_table_folds_long_tables():
    html = render(
        '{% import "ui/macros.html" as ui %}'
        '{{ ui.data_table("Rows", ["n"], rows, collapse_after=2) }}',
        rows=[[1], [2], [3]],
    )
    assert html.startswith('<details class="collapsible"><summary>Rows: 3 rows</summary>')
    assert html.endswith("</details>")
    named = render(
        '{% import "ui/macros.html" as ui %}'
        '{{ ui.data_table("Rows", ["n"], rows, collapse_after=0, summary="The <data>") }}',
        rows=[[1]],
    )
    assert named.startswith('<details class="collapsible"><summary>The &lt;data&gt;</summary>')


def test_safe_markup_passes_through_and_other_macros_escape():
    html = render(
        '{% import "ui/macros.html" as ui %}'
        "{{ ui.data_table('T', ['a'], [[link]]) }}"
        "{{ ui.summary_list({'<k>': '<v>'}) }}"
        "{{ ui.notice('<warn>', 'warning', true) }}"
        "{{ ui.error_summary({'name': 'Enter a <name>'}) }}"
        "{{ ui.figure_section('<h>', charts=[{'html': chart, 'caption': 'c'}],"
        " notes=[{'text': 'n', 'kind': 'info'}]) }}"
        "{{ ui.pager({'page': 2, 'last': 3, 'previous': '?page=1', 'next': none}) }}",
        link=Markup('<a href="/children/1">child 1</a>'),
        chart=Markup("<div id=chart></div>"),
    )
    assert '<a href="/children/1">child 1</a>' in html
    assert "<dt>&lt;k&gt;</dt><dd>&lt;v&gt;</dd>" in html
    assert '<div class="notice notice-warning notice-strong"><p>&lt;warn&gt;</p></div>' in html
    assert '<li><a href="#name">Enter a &lt;name&gt;</a></li>' in html
    assert "<h2>&lt;h&gt;</h2>" in html and "<div id=chart></div><figcaption" in html
    assert 'rel="prev"' in html and 'rel="next"' not in html and "Page 2 of 3" in html


def test_layout_links_the_stylesheet_or_inlines_it():
    page = (
        '{% extends "ui/layout.html" %}{% block title %}T{% endblock %}'
        "{% block content %}<p>body</p>{% endblock %}"
    )
    linked = render(page)
    assert (
        f'<link rel="stylesheet" href="{ui.STYLESHEET_HREF}">' in linked and "<style>" not in linked
    )
    inlined = render(page, inline_css=True)
    assert "<link" not in inlined
    assert f"<style>{ui.stylesheet()}</style>" in inlined
    assert '.menu a[aria-current="page"]' in inlined  # CSS is not HTML-escaped
    assert (
        "<title>T</title>" in inlined and '<main id="main" class="wrap" tabindex="-1">' in inlined
    )
    assert '<a class="skip-link" href="#main">' in inlined


def test_stylesheet_holds_the_app_report_and_insight_styles():
    css = (ui.static_dir() / "misper.css").read_text(encoding="utf-8")
    for selector in (
        ".header",
        ".error-summary",
        ".panel",
        ".person",
        ".events",
        ".method",
        "td.hl",
        ".notice-info",
        "@media print",
    ):
        assert selector in css, selector


def test_undefined_names_are_errors():
    with pytest.raises(UndefinedError):
        render("{{ missing }}")
