"""Drives the official PyPI `pusher` library against a server, one operation
per run, and prints the result as one JSON line (errors included, so the
calling test can assert on them).

    python publish.py PORT COMMAND [ARGS...]

Credentials come from the environment (APP_ID, APP_KEY, APP_SECRET,
MASTER_KEY); the server is 127.0.0.1:PORT over plain HTTP.
"""

import json
import os
import sys
import time

import pusher
from pusher.errors import PusherError


def client(secret=None):
    return pusher.Pusher(
        app_id=os.environ["APP_ID"],
        key=os.environ["APP_KEY"],
        secret=secret or os.environ["APP_SECRET"],
        host="127.0.0.1",
        port=int(sys.argv[1]),
        ssl=False,
        encryption_master_key_base64=os.environ["MASTER_KEY"],
    )


def main():
    command, args = sys.argv[2], sys.argv[3:]
    p = client()
    try:
        if command == "trigger":
            channels, event, data = args[0].split(","), args[1], json.loads(args[2])
            result = p.trigger(channels, event, data)
        elif command == "trigger_batch":
            result = p.trigger_batch(json.loads(args[0]))
        elif command == "channels_info":
            result = p.channels_info(prefix_filter=args[0] or None, attributes=args[1].split(",") if args[1] else [])
        elif command == "channel_info":
            result = p.channel_info(args[0], attributes=args[1].split(",") if args[1] else [])
        elif command == "users_info":
            result = p.users_info(args[0])
        elif command == "terminate_user_connections":
            result = p.terminate_user_connections(args[0])
        elif command == "send_to_user":
            result = p.send_to_user(args[0], args[1], json.loads(args[2]))
        elif command == "wrong_secret":
            result = client(secret="not-the-secret").trigger([args[0]], "e", {})
        elif command == "stale_timestamp":
            real = time.time
            time.time = lambda: real() - 700
            try:
                result = p.trigger([args[0]], "e", {})
            finally:
                time.time = real
        else:
            raise SystemExit(f"unknown command {command!r}")
        print(json.dumps({"ok": result}))
    except PusherError as e:
        print(json.dumps({"error": type(e).__name__, "message": str(e)}))


if __name__ == "__main__":
    main()
