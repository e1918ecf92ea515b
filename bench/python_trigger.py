"""Triggers per second from Python, for one library at a time:
python python_trigger.py LIBRARY PORT APP_ID KEY SECRET COUNT CONCURRENCY → {"triggers_per_sec": ...}
LIBRARY is `pusher` (the official PyPI library, the anchor) or `pusher_lite`
(our Publisher through the Python binding). Both are timed by the same loop:
with CONCURRENCY > 1, that many threads share one client, whose connection
pool keeps its connections alive (requests' session; our blocking publisher's)."""
import json
import sys
import threading
import time

library, port, app_id, key, secret, count, concurrency = sys.argv[1:8]

if library == "pusher":
    import pusher

    client = pusher.Pusher(app_id=app_id, key=key, secret=secret, host="127.0.0.1", port=int(port), ssl=False)

    def trigger(event, data):
        client.trigger("bench", event, data)

elif library == "pusher_lite":
    import pusher_lite

    publisher = pusher_lite.PublisherBuilder().address(f"127.0.0.1:{port}").app(app_id, key, secret).build()

    def trigger(event, data):
        publisher.trigger(["bench"], event, json.dumps(data))

else:
    sys.exit(f"python_trigger.py: LIBRARY must be pusher or pusher_lite, not {library!r}")

trigger("warmup", {})
per_worker = int(count) // int(concurrency)


def work():
    for n in range(per_worker):
        trigger("tick", {"n": n})


threads = [threading.Thread(target=work) for _ in range(int(concurrency))]
started = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"triggers_per_sec": per_worker * int(concurrency) / (time.perf_counter() - started)}))
