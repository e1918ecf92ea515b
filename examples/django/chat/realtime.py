"""The one publisher of the site, built from settings.PUSHER_LITE on first use."""

from __future__ import annotations

from functools import lru_cache

import pusher_lite
from django.conf import settings


@lru_cache(maxsize=1)
def publisher() -> pusher_lite.Publisher:
    """The blocking publisher (Django views are synchronous). Safe to share
    between request threads; `publisher.cache_clear()` after changing settings."""
    conf = settings.PUSHER_LITE
    return (
        pusher_lite.PublisherBuilder()
        .address(conf["HOST"])
        .app(conf["APP_ID"], conf["APP_KEY"], conf["APP_SECRET"])
        .organization(conf["ORGANIZATION"], conf["SECRET_TOKEN"])
        .build()
    )
