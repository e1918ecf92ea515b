"""PusherLite for Python: a Pusher Channels protocol 7 publisher (HTTP API,
Lite sessions, auth helpers, webhooks) and WebSocket client, bound from the
Rust SDK with uniffi. Everything is defined in the generated module
(``pusher_lite.pusher_lite.pusher_lite``, next to the native library) and
re-exported here."""

from .pusher_lite.pusher_lite import *  # noqa: F401,F403
from .pusher_lite.pusher_lite import __all__  # noqa: F401
