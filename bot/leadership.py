"""What only the leader instance does, per transport: Telegram's getUpdates polling and Discord's gateway."""

from __future__ import annotations

from collections.abc import Mapping

from bot.cluster.coordination import LeaderDuty
from bot.transports.base import Transport


def leader_duties(transports: Mapping[str, Transport]) -> list[LeaderDuty]:
    """The duties of the started transports (a webhook needs no leader: any instance takes its updates)."""
    duties: list[LeaderDuty] = []
    if "telegram" in transports:
        from bot.transports.telegram.transport import TelegramTransport

        telegram = transports["telegram"]
        if isinstance(telegram, TelegramTransport) and telegram.reception.webhook is None:
            reception = telegram.reception
            duties.append(LeaderDuty("Telegram polling", reception.start_polling, reception.stop_polling))
    if "discord" in transports:
        from bot.transports.discord.transport import DiscordTransport

        discord = transports["discord"]
        if isinstance(discord, DiscordTransport):

            async def connect() -> None:
                discord.start_gateway()

            duties.append(LeaderDuty("Discord gateway", connect, discord.stop_gateway))
    return duties
