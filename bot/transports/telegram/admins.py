"""Who is a chat admin on Telegram: getChatMember, remembered briefly per (chat, user)."""

from __future__ import annotations

import logging
import time

from telegram import Bot, ChatMember
from telegram.error import TelegramError

log = logging.getLogger(__name__)

_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}
_MAX_ENTRIES = 10_000


class ChatAdminCache:
    """getChatMember status administrator/creator, cached for `ttl` seconds.

    Promotions and demotions show up within a minute, while a busy group does
    not cost one API call per command.
    """

    def __init__(self, bot: Bot, ttl: float = 60.0) -> None:
        self._bot = bot
        self._ttl = ttl
        self._cache: dict[tuple[int, int], tuple[float, bool]] = {}

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Whether the user administers the chat; False when Telegram cannot tell."""
        now = time.monotonic()
        cached = self._cache.get((chat_id, user_id))
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            member = await self._bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.info("getChatMember(%s, %s) failed: %s", chat_id, user_id, exc)
            return False
        verdict = member.status in _ADMIN_STATUSES
        if len(self._cache) > _MAX_ENTRIES:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
        self._cache[(chat_id, user_id)] = (now + self._ttl, verdict)
        return verdict
