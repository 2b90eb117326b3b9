"""The Telegram HTML renderer: escaping, limits, buttons."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.transports.telegram.render import CAPTION_LIMIT, TEXT_LIMIT, render, render_html, tg_length
from handlers.context import Button, Image, Message


class _Checker(HTMLParser):
    """Fails on unbalanced or unexpected tags; collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ("b", "i"), tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(markup: str) -> str:
    """Parse the HTML strictly as Telegram would and return its text."""
    # a bare & or < would be a 400 at Telegram: every one must be an entity
    for i, ch in enumerate(markup):
        if ch == "&":
            assert markup[i:].startswith(("&amp;", "&lt;", "&gt;")), markup[i : i + 10]
    checker = _Checker()
    checker.feed(markup)
    checker.close()
    assert not checker.stack
    return "".join(checker.text)


def test_layout_title_fields_lines_footer() -> None:
    msg = Message(title="Night of 4 July", lines=["Damage: homes"], fields=[("Launched", "550")], footer="Air Force")
    assert render_html(msg) == "<b>Night of 4 July</b>\nLaunched: 550\nDamage: homes\n<i>Air Force</i>"


def test_injection_in_every_part_is_escaped() -> None:
    evil = '<a href="x">&amp;</a><b>'
    msg = Message(title=evil, lines=[evil], fields=[(evil, evil)], footer=evil)
    out = render_html(msg)
    assert "<a" not in out
    assert visible(out).count(evil) == 5


def test_huge_damage_list_stays_within_limit_and_valid() -> None:
    damage = [f"<damaged> building & house #{i} in Kyiv region" for i in range(2000)]
    msg = Message(title="Alert", lines=damage, fields=[("Launched", "550")], footer="Source: Air Force")
    out = render_html(msg)
    assert tg_length(out) <= TEXT_LIMIT
    text = visible(out)
    # the headline numbers come first and survive the cut
    assert text.startswith("Alert\nLaunched: 550\n<damaged> building & house #0")
    # whole lines dropped, an ellipsis marks the cut, the footer survives
    assert text.endswith("…\nSource: Air Force")
    assert all(line.startswith("<damaged>") for line in text.split("\n")[2:-2])


def test_one_giant_line_is_shortened_between_entities() -> None:
    msg = Message(title="T", lines=["&" * 10_000], footer="F")
    out = render_html(msg)
    assert tg_length(out) <= TEXT_LIMIT
    assert visible(out).startswith("T\n&&&")  # cut between &amp; entities, never inside


def test_caption_limit_with_image() -> None:
    msg = Message(title="Chart", lines=[f"line {i}" for i in range(500)], image=Image(b"\x89PNG", "c.png"))
    payload = render(msg)
    assert payload.photo == b"\x89PNG" and payload.photo_name == "c.png"
    assert tg_length(payload.text) <= CAPTION_LIMIT
    visible(payload.text)


def test_emoji_count_as_two_units() -> None:
    msg = Message(lines=["🚀" * 3000])
    out = render_html(msg)
    assert tg_length(out) <= TEXT_LIMIT and len(out) < 2100


def test_buttons_become_inline_keyboard() -> None:
    payload = render(Message(title="Post?", buttons=[Button("Confirm", "p:1"), Button("Cancel", "p:0")]))
    assert payload.reply_markup is not None
    rows = payload.reply_markup.inline_keyboard
    assert [(b.text, b.callback_data) for b in rows[0]] == [("Confirm", "p:1"), ("Cancel", "p:0")]


def test_empty_message_is_not_empty_text() -> None:
    assert render_html(Message()).strip()


@settings(max_examples=200, deadline=None)
@given(
    title=st.text(max_size=600),
    lines=st.lists(st.text(max_size=900), max_size=30),
    footer=st.text(max_size=600),
)
def test_any_text_renders_valid_and_within_limit(title: str, lines: list[str], footer: str) -> None:
    out = render_html(Message(title=title, lines=lines, footer=footer))
    assert tg_length(out) <= TEXT_LIMIT
    text = visible(out)
    # nothing invented: every rendered line is (a prefix of) something given, or the marker
    given_text = "\n".join([title, *lines, footer])
    for line in text.split("\n"):
        assert line.removesuffix("…") in given_text
