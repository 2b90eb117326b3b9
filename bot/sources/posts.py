"""A post as read from a source, whatever the source's format."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime


class SourceError(Exception):
    """A source could not be read this time; the message is the one-line reason operators see."""


@dataclass(frozen=True)
class Post:
    """One post: its id at the source, its link, its plain text, when it appeared and its place in order."""

    post_id: str
    url: str
    text: str
    published: datetime | None
    sort_key: str

    @property
    def content_hash(self) -> str:
        """Changes when the post's text changes (an edit at the source)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()
