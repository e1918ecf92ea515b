"""The official PyPI `pusher` library's triggers per second, as an anchor:
python trigger.py PORT APP_ID KEY SECRET COUNT CONCURRENCY → {"triggers_per_sec": ...}
With CONCURRENCY > 1, that many threads share one client (its requests
session pools keep-alive connections)."""
import json
import sys
import threading
import time

import pusher

port, app_id, key, secret, count, concurrency = sys.argv[1:7]
client = pusher.Pusher(app_id=app_id, key=key, secret=secret, host="127.0.0.1", port=int(port), ssl=False)
client.trigger("bench", "warmup", {})
per_worker = int(count) // int(concurrency)


def work():
    for n in range(per_worker):
        client.trigger("bench", "tick", {"n": n})


threads = [threading.Thread(target=work) for _ in range(int(concurrency))]
started = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"triggers_per_sec": per_worker * int(concurrency) / (time.perf_counter() - started)}))
