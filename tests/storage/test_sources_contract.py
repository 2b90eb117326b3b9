"""Followed sources on both backends: one poll lease at a time, posts remembered with their text's hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Store
from storage.sources import SeenPost, ShownCopy, SourceDraft

URL = "https://t.me/s/example"
NOW = datetime(2025, 7, 1, 6, 0, tzinfo=UTC)


async def test_a_new_source_has_no_state_until_it_is_polled(store: Store) -> None:
    assert await store.source_state(URL) is None
    assert await store.source_states() == []
    assert await store.lease_source(URL, holder="a", now=NOW, seconds=60)
    state = await store.source_state(URL)
    assert state is not None and state.posts_seen == 0 and state.last_success is None and not state.failing


async def test_one_holder_at_a_time_until_the_lease_runs_out(store: Store) -> None:
    assert await store.lease_source(URL, holder="a", now=NOW, seconds=60)
    assert not await store.lease_source(URL, holder="b", now=NOW + timedelta(seconds=30), seconds=60)
    # the holder extends its own lease
    assert await store.lease_source(URL, holder="a", now=NOW + timedelta(seconds=50), seconds=60)
    assert not await store.lease_source(URL, holder="b", now=NOW + timedelta(seconds=100), seconds=60)
    # a holder that stopped renewing loses the source
    assert await store.lease_source(URL, holder="b", now=NOW + timedelta(seconds=111), seconds=60)
    assert not await store.lease_source(URL, holder="a", now=NOW + timedelta(seconds=112), seconds=60)


async def test_posts_are_remembered_with_their_hash_and_counted(store: Store) -> None:
    await store.save_source_post(URL, SeenPost("2", "h2", "0000000002", report=True), now=NOW)
    await store.save_source_post(URL, SeenPost("1", "h1", "0000000001", report=False), now=NOW)
    # an edited post replaces its hash; a deleted one is marked, not forgotten
    await store.save_source_post(URL, SeenPost("2", "h2b", "0000000002", report=True, deleted=True), now=NOW)
    posts = await store.source_posts(URL)
    assert posts == [
        SeenPost("1", "h1", "0000000001", report=False),
        SeenPost("2", "h2b", "0000000002", report=True, deleted=True),
    ]
    assert await store.source_posts("https://elsewhere.example/feed") == []
    state = await store.source_state(URL)
    assert state is not None and state.posts_seen == 2


async def test_success_keeps_validators_and_error_shows_until_the_next_success(store: Store) -> None:
    await store.source_succeeded(URL, etag='"v1"', last_modified="Tue, 01 Jul 2025 06:00:00 GMT", now=NOW)
    # a 304 brings no new validators: the old ones stay
    await store.source_succeeded(URL, etag=None, last_modified=None, now=NOW + timedelta(minutes=1))
    state = await store.source_state(URL)
    assert state is not None
    assert (state.etag, state.last_modified) == ('"v1"', "Tue, 01 Jul 2025 06:00:00 GMT")
    assert state.last_success == NOW + timedelta(minutes=1) and not state.failing
    await store.source_failed(URL, "HTTP 500", now=NOW + timedelta(minutes=2))
    [state] = await store.source_states()
    assert state.failing and state.last_error == "HTTP 500" and state.last_error_at == NOW + timedelta(minutes=2)
    await store.source_succeeded(URL, etag=None, last_modified=None, now=NOW + timedelta(minutes=3))
    [state] = await store.source_states()
    assert not state.failing and state.last_error == "HTTP 500"


async def test_a_draft_waiting_for_review_is_taken_once_and_outlives_the_process(store: Store) -> None:
    payload = {"external_id": "https://t.me/kpszsu/7", "source_url": "https://t.me/kpszsu/7", "note": "Шахеди ✓"}
    draft = SourceDraft("tok1", URL, "https://t.me/kpszsu/7", payload, NOW + timedelta(hours=24))
    await store.add_source_draft(draft, now=NOW)
    shown = [ShownCopy("telegram", "111", "5"), ShownCopy("discord", "222", "9")]
    await store.source_draft_shown("tok1", shown)
    assert [d.token for d in await store.live_source_drafts(now=NOW)] == ["tok1"]
    assert (await store.live_source_drafts(now=NOW))[0].shown == tuple(shown)
    assert await store.live_source_drafts(now=NOW + timedelta(hours=24)) == []
    taken = await store.take_source_draft("tok1", now=NOW + timedelta(hours=1))
    assert taken == SourceDraft("tok1", URL, "https://t.me/kpszsu/7", payload, NOW + timedelta(hours=24), tuple(shown))
    # the second press (another admin, another process) finds nothing
    assert await store.take_source_draft("tok1", now=NOW + timedelta(hours=1)) is None
    assert await store.take_source_draft("unknown", now=NOW) is None
    assert await store.live_source_drafts(now=NOW) == []


async def test_an_expired_draft_cannot_be_decided_and_is_dropped(store: Store) -> None:
    old = SourceDraft("old", URL, "https://t.me/kpszsu/1", {"a": 1}, NOW + timedelta(hours=1))
    await store.add_source_draft(old, now=NOW)
    assert await store.take_source_draft("old", now=NOW + timedelta(hours=1)) is None
    # a later draft's insert clears the expired one; the later one stays decidable
    await store.add_source_draft(
        SourceDraft("new", URL, "https://t.me/kpszsu/2", {"b": 2}, NOW + timedelta(hours=30)),
        now=NOW + timedelta(hours=2),
    )
    assert await store.take_source_draft("old", now=NOW) is None
    new = await store.take_source_draft("new", now=NOW + timedelta(hours=3))
    assert new is not None and new.payload == {"b": 2} and new.shown == ()
