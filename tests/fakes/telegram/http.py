"""Reading Bot API parameters the way Telegram does: query, JSON, form or multipart bodies."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.fakes.telegram.model import JSON

# Form/multipart values arrive as strings; these are ints in the Bot API.
_INT_FIELDS = frozenset({"chat_id", "message_id", "user_id", "offset", "limit", "timeout",
                         "message_thread_id", "reply_to_message_id", "from_chat_id",
                         "cache_time", "width", "height", "duration"})
# Free text is never decoded, even when it looks like JSON.
_TEXT_FIELDS = frozenset({"text", "caption", "data", "parse_mode", "description", "title",
                          "callback_query_id", "file_id", "inline_message_id", "url"})


def decode_value(key: str, value: str) -> Any:
    """A form value as the JSON value a JSON body would carry (PTB JSON-encodes non-strings)."""
    if key in _TEXT_FIELDS:
        return value
    if key in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if value in ("true", "false"):
        return value == "true"
    return value


def json_response(status: int, body: JSON) -> web.Response:
    """A Bot API answer with Telegram's HTTP status."""
    return web.Response(status=status, body=json.dumps(body).encode(),
                        content_type="application/json")


async def read_params(request: web.Request) -> JSON:
    """The call's parameters as JSON values (form strings decoded per Bot API field types)."""
    params: JSON = {}
    for key, value in request.query.items():
        params[key] = decode_value(key, value)
    if not request.body_exists:
        return params
    ctype = request.content_type
    if ctype == "application/json":
        body = await request.read()
        if body:
            loaded = json.loads(body)
            if isinstance(loaded, dict):
                params.update(loaded)
    elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = decode_value(key, value)
            else:  # an uploaded file
                params[key] = value.file.read()
    return params
