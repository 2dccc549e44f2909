"""The console's template building blocks (macros.html), rendered by the console's own Jinja
environment without a browser or a chain: the structure the pages and the browser tests rely on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.web.core import templates

ENV = templates.env
TEMPLATES = Path(__file__).resolve().parents[2] / "backend" / "web" / "templates"


def t(key: str, **kw) -> str:
    return f"<{key}>" if not kw else f"<{key}:{','.join(f'{k}={v}' for k, v in sorted(kw.items()))}>"


def render(source: str, **ctx) -> str:
    return ENV.from_string(source).render(t=t, **ctx)


def squash(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_every_console_template_compiles(name):
    ENV.get_template(name)


def test_data_table_heads_rows_and_pager():
    html = squash(
        render(
            '{% from "macros.html" import data_table %}'
            "{% call(r) data_table('things', ['#', 'name', ''], rows, t, pager=pager) %}<tr id=\"r-{{ r }}\"><td>{{ r }}</td></tr>{% endcall %}",
            rows=[1, 2],
            pager={"pages": 2, "page": 1, "total": 30, "prev_url": None, "next_url": "/x?page=2"},
        )
    )
    assert '<table id="things"><thead><tr><th>#</th><th>&lt;name&gt;</th><th></th></tr></thead>' in html
    assert '<tr id="r-1"><td>1</td></tr><tr id="r-2"><td>2</td></tr></tbody></table>' in html
    assert '<nav class="pager">' in html and 'href="/x?page=2" class="next"' in html
    assert "no_data" not in html


def test_data_table_empty_row_spans_every_column():
    html = squash(
        render(
            '{% from "macros.html" import data_table %}'
            "{% call(r) data_table(none, ['#', 'a', 'b', 'c'], [], t, empty='nothing_yet') %}<tr></tr>{% endcall %}"
        )
    )
    assert html.startswith("<table><thead>")
    assert '<tr><td colspan="4" class="muted">&lt;nothing_yet&gt;</td></tr></tbody></table>' in html
    assert "pager" not in html


def test_card_heading_level_note_and_classes():
    html = squash(
        render(
            '{% from "macros.html" import card %}'
            "{% call card('Title', 1, note='k = 2', id='top', extra='narrow') %}<p>body</p>{% endcall %}"
        )
    )
    assert (
        html
        == '<section class="card narrow" id="top"><h1>Title <small class="muted">k = 2</small></h1><p>body</p></section>'
    )
    assert (
        squash(render('{% from "macros.html" import card %}{% call card("<T>") %}<p>x</p>{% endcall %}'))
        == '<section class="card"><h2>&lt;T&gt;</h2><p>x</p></section>'
    )


def test_form_card_guards_hidden_fields_and_button():
    html = squash(
        render(
            '{% from "macros.html" import form_card %}'
            "{% call form_card('Go', '/console/go', 'go-form', csrf, new_idem, hidden={'unit_id': 7, 'back': '/b'}, button_id='go-btn') %}"
            '<label>x<input name="x"></label>{% endcall %}',
            csrf="tok",
            new_idem=lambda: "idem-1",
        )
    )
    assert '<form method="post" action="/console/go" class="grid" id="go-form">' in html
    assert (
        '<input type="hidden" name="csrf" value="tok"><input type="hidden" name="idem" value="idem-1">'
        '<input type="hidden" name="unit_id" value="7"><input type="hidden" name="back" value="/b">'
        '<label>x<input name="x"></label><button type="submit" id="go-btn">Go</button></form>'
    ) in html


def test_badges():
    src = '{% from "macros.html" import badge, status_badge %}'
    assert render(src + "{{ badge('ok!', 'ok', 'b1') }}") == '<span class="badge ok" id="b1">ok!</span>'
    assert render(src + "{{ badge('plain') }}") == '<span class="badge">plain</span>'
    assert render(src + "{{ status_badge('Open', t) }}") == '<span class="badge st-Open">&lt;st_Open&gt;</span>'


def test_nav_links_mark_the_current_page():
    html = squash(
        render(
            '{% from "macros.html" import nav_links %}'
            "{{ nav_links([('/a', 'a_key', 'a'), ('/b', 'b_key', 'b')], 'b', t) }}"
        )
    )
    assert html == '<a href="/a" class="">&lt;a_key&gt;</a><a href="/b" class="on">&lt;b_key&gt;</a>'
