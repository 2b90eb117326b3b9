"""What every command module shares: the command spec, the call object, argument helpers."""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from handlers.context import CommandContext, HandlerDeps, Message
from handlers.i18n import Translator, translator
from storage.models import Subscription


class Access(StrEnum):
    """Who may use a command."""

    EVERYONE = "everyone"
    CHAT_ADMIN = "chat_admin"  # chat admins and bot admins (anyone in a private chat)
    BOT_ADMIN = "bot_admin"


class ArgKind(StrEnum):
    """How a transport should offer an argument (Discord option types, autocomplete)."""

    INT = "int"
    TEXT = "text"
    REGION = "region"  # free text with region autocomplete
    CHOICE = "choice"


@dataclass(frozen=True)
class ArgSpec:
    """One argument of a command, as transports present it (Discord slash options)."""

    name: str
    kind: ArgKind
    description: str  # English, N_-marked; translate with Translator._
    required: bool = False
    choices: tuple[str, ...] = ()
    # given as `name=value` inside the argument string (e.g. min=50)
    keyword: bool = False


@dataclass
class Call:
    """One command being handled: the context, the deps and the chat's language."""

    ctx: CommandContext
    deps: HandlerDeps
    locale: str
    sub: Subscription | None = None
    # every command, so /help can list what this user may do
    commands: tuple[CommandSpec, ...] = ()
    tr: Translator = field(init=False)

    def __post_init__(self) -> None:
        self.tr = translator(self.locale)

    def reply(self, *lines: str, title: str = "", private: bool = False) -> list[Message]:
        """A plain text reply."""
        return [Message(title=title, lines=list(lines), private=private)]


Handler = Callable[[Call], Awaitable[list[Message]]]


@dataclass(frozen=True)
class CommandSpec:
    """A command: its name, who may use it, its arguments and its handler."""

    name: str
    access: Access
    summary: str  # English one-liner, N_-marked
    usage: str  # e.g. "[N] [region]"
    handler: Handler
    args: tuple[ArgSpec, ...] = ()

    def description(self, locale: str) -> str:
        """The one-line description in a locale (Telegram setMyCommands, Discord)."""
        return translator(locale)._(self.summary)


class ArgsError(ValueError):
    """The arguments could not be read; the message is already translated for the user."""


def split_args(call: Call) -> list[str]:
    """Shell-like words (quotes group words); unbalanced quotes are a user error."""
    try:
        return shlex.split(call.ctx.args)
    except ValueError:
        raise ArgsError(call.tr._("A quote is not closed. Put values with spaces in \"double quotes\".")) from None


def build_args(spec: CommandSpec, values: Mapping[str, object]) -> str:
    """Join typed option values (Discord) into the argument string the handler parses."""
    words = []
    for arg in spec.args:
        value = values.get(arg.name)
        if value is None or value == "":
            continue
        text = str(value)
        if arg.keyword:
            words.append(f"{arg.name}={shlex.quote(text)}")
        elif arg.kind == ArgKind.TEXT or _reads_back(text):
            # passed as typed: handlers read regions and key=value lists themselves
            words.append(text)
        else:
            # a quote inside a name (Слов'янськ) would otherwise open a quotation
            words.append(shlex.quote(text))
    return " ".join(words)


def _reads_back(text: str) -> bool:
    """Whether split_args reads the text as its plain whitespace-separated words."""
    try:
        return shlex.split(text) == text.split()
    except ValueError:
        return False


def parse_id(call: Call, word: str | None, command: str) -> int:
    """A summary id such as `12` or `#12`."""
    if word is not None:
        text = word.removeprefix("#")
        if text.isdigit() and 0 < int(text) < 2**62:
            return int(text)
    raise ArgsError(call.tr._("Give a report number, e.g. /{command} 12", command=command))


def one_id(call: Call, words: list[str], command: str) -> int:
    """The one report id of /summary or /retract; several are a user error of their own."""
    if len(words) > 1:
        first = words[0].removeprefix("#")
        example = first if first.isdigit() and 0 < int(first) < 2**62 else "12"
        raise ArgsError(call.tr._("One report at a time, e.g. /{command} {id}.", command=command, id=example))
    return parse_id(call, words[0] if words else None, command)


def take_window(
    call: Call, words: list[str], windows: Iterable[str], default: str, *, refuse: Iterable[str] = ()
) -> str:
    """Pop a leading period (24h, 7d, …) off the words; an unknown period is a user error.

    Words that look like a period (start with a digit, or are in `refuse`) are
    refused rather than read as a region name.
    """
    names = list(windows)
    if words and words[0].lower() in names:
        return words.pop(0).lower()
    if words and (words[0][:1].isdigit() or words[0].lower() in refuse):
        raise ArgsError(
            call.tr._("Unknown period “{word}”. Use one of: {choices}.", word=words[0], choices=", ".join(names))
        )
    return default
