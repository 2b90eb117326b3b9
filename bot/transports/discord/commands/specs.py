"""The router's COMMANDS as slash commands read them: descriptions, option help, choices, argument text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from handlers.commands.base import Access, CommandSpec, build_args
from handlers.router import command_spec

Interaction = discord.Interaction[Any]
Count = app_commands.Range[int, 0, 100_000]
ReportId = app_commands.Range[int, 1, 2_147_483_647]


@dataclass(frozen=True)
class SlashSpec:
    """One router command, as its slash command describes it and passes its options on."""

    spec: CommandSpec

    @classmethod
    def of(cls, name: str, audience: Access) -> SlashSpec:
        """The router's command `name`; it must exist and be meant for `audience`."""
        spec = command_spec(name)
        if spec is None:
            raise LookupError(f"/{name} is not among the router's COMMANDS")
        if spec.access != audience:
            raise ValueError(f"/{name} is for {spec.access}, not {audience}")
        return cls(spec)

    @property
    def name(self) -> str:
        """The command name, without the slash."""
        return self.spec.name

    @property
    def description(self) -> str:
        """The router's one-line summary (English; CatalogTranslator supplies Ukrainian)."""
        return self.spec.summary

    def help(self, arg: str) -> str:
        """The router's description of one argument."""
        for spec in self.spec.args:
            if spec.name == arg:
                return spec.description
        raise LookupError(f"/{self.name} has no argument {arg!r}")

    def choices(self, arg: str, names: Mapping[str, str] | None = None) -> list[app_commands.Choice[str]]:
        """The router's choices of one argument, shown by `names` when given, else as they are."""
        found = next((spec for spec in self.spec.args if spec.name == arg), None)
        if found is None or not found.choices:
            raise LookupError(f"/{self.name} has no choices for {arg!r}")
        return [app_commands.Choice(name=(names or {}).get(c, c), value=c) for c in found.choices]

    def args(self, **values: object) -> str:
        """Typed option values joined into the argument text the handler parses (handlers' build_args)."""
        return build_args(self.spec, values)


def chosen(choice: app_commands.Choice[str] | None) -> str | None:
    """The value of a choice option, None when it was left out."""
    return choice.value if choice is not None else None
