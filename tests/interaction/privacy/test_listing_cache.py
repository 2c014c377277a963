"""The public list's cache entries (interaction/privacy/listing.py): an entry is served only at
the list version it was stored at, and the version and the entry come in one round trip."""

from __future__ import annotations

from django.core.cache import cache

from interaction.privacy import listing


def test_an_entry_is_served_only_at_the_version_it_was_stored_at(monkeypatch, settings):
    settings.WENZHENG_PUBLIC_LIST_CACHE_SECONDS = 300
    cache.delete(listing.VERSION_KEY)
    key = listing.cache_key("page", "zh-hans", [("q", ["路灯"])])
    assert listing.cache_key("page", "zh-hans", [("q", ["路灯"])]) == key
    assert listing.cache_key("page", "en", [("q", ["路灯"])]) != key
    value, version = listing.cache_lookup(key)  # no version yet: one is made
    assert value is None
    assert cache.get(listing.VERSION_KEY) == version
    listing.cache_store(key, "<ul>路灯</ul>", version)
    calls: list[list[str]] = []
    original = cache.get_many

    def counted(keys, *args, **kwargs):
        calls.append(list(keys))
        return original(keys, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", counted)
    assert listing.cache_lookup(key) == ("<ul>路灯</ul>", version)
    assert calls == [[listing.VERSION_KEY, key]]
    listing.bump_list_version()
    value, newer = listing.cache_lookup(key)
    assert value is None
    assert newer == version + 1
    # Stored while an older version was current (a render that raced a bump): never served.
    listing.cache_store(key, "<ul>stale</ul>", version)
    assert listing.cache_lookup(key) == (None, newer)
