"""Embed rendering: every Discord limit holds, free text is escaped, images and buttons attach."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.transports.discord.render import (
    NEUTRAL_COLOUR,
    colour_for,
    escape_text,
    render_embed,
    truncate,
)
from handlers.context import Button, Image, Message


def embed_size(data: dict) -> int:  # type: ignore[type-arg]
    """Characters Discord counts toward the 6,000 total."""
    total = len(data.get("title", "")) + len(data.get("description", ""))
    total += len((data.get("footer") or {}).get("text", ""))
    return total + sum(len(f["name"]) + len(f["value"]) for f in data.get("fields", []))


def check_limits(data: dict) -> None:  # type: ignore[type-arg]
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    assert len(data.get("fields", [])) <= 25
    for f in data.get("fields", []):
        assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
        assert f["name"].strip() and f["value"].strip()
    assert len((data.get("footer") or {}).get("text", "")) <= 2048
    assert embed_size(data) <= 6000
    assert data.get("title") or data.get("description") or data.get("fields")


def test_huge_message_fits_every_limit() -> None:
    msg = Message(
        title="T" * 500,
        lines=["*" * 3000, "_" * 3000],
        fields=[("n" * 300, "v" * 2000) for _ in range(40)],
        footer="f" * 3000,
        launched=10,
    )
    data = render_embed(msg).embed.to_dict()
    check_limits(data)
    assert data["title"].endswith("…")


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(max_size=400),
    lines=st.lists(st.text(max_size=2000), max_size=6),
    fields=st.lists(st.tuples(st.text(max_size=300), st.text(max_size=1500)), max_size=30),
    footer=st.text(max_size=2500),
)
def test_any_message_fits_every_limit(title: str, lines: list[str], fields: list[tuple[str, str]], footer: str) -> None:
    check_limits(render_embed(Message(title=title, lines=lines, fields=fields, footer=footer)).embed.to_dict())


def test_markdown_and_mentions_are_defused() -> None:
    out = escape_text("@everyone **x** <@12> <@&34> <#56> # heading\n> quote\n- item https://a.b/c_d")
    assert "@everyone" not in out and "<@12>" not in out and "<@&34>" not in out and "<#56>" not in out
    assert "\\*\\*x\\*\\*" in out
    assert "\\> quote" in out and "\\- item" in out
    assert "https://a.b/c_d" in out  # links stay clickable


def test_truncate_never_leaves_a_dangling_escape() -> None:
    cut = truncate("a" + "\\" * 10, 7)
    assert cut.endswith("…")
    body = cut[:-1]
    # an odd run of backslashes would escape the ellipsis
    assert (len(body) - len(body.rstrip("\\"))) % 2 == 0


def test_colour_grows_with_the_attack() -> None:
    assert colour_for(None) == NEUTRAL_COLOUR
    colours = [colour_for(n) for n in (0, 60, 250, 700)]
    assert len(set(colours)) == 4


def test_image_becomes_an_attachment_and_buttons_a_view() -> None:
    msg = Message(
        title="Stats",
        image=Image(b"\x89PNG fake", filename="stats 7d.png"),
        buttons=[Button("Confirm", "post:ok:abc"), Button("Too long", "x" * 200)],
    )
    rendered = render_embed(msg)
    assert rendered.filename == "stats_7d.png"
    assert rendered.embed.image.url == "attachment://stats_7d.png"
    file = rendered.file()
    assert file is not None and file.filename == "stats_7d.png"
    view = rendered.view()
    assert view is not None
    ids = [c["custom_id"] for row in view.to_components() for c in row["components"]]
    assert ids == ["sb:post:ok:abc"]  # data too long for a custom_id is dropped, not cut
