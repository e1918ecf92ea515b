"""Our Publisher through the Python binding (the `pusher_lite` wheel), measured
like the anchors beside it:
python binding_trigger.py PORT APP_ID KEY SECRET COUNT CONCURRENCY → {"triggers_per_sec": ...}
With CONCURRENCY > 1, that many threads share one blocking publisher (its
connection pool keeps connections alive), as with the official library."""
import json
import sys
import threading
import time

import pusher_lite

port, app_id, key, secret, count, concurrency = sys.argv[1:7]
publisher = pusher_lite.PublisherBuilder().address(f"127.0.0.1:{port}").app(app_id, key, secret).build()
publisher.trigger(["bench"], "warmup", "{}")
per_worker = int(count) // int(concurrency)


def work():
    for n in range(per_worker):
        publisher.trigger(["bench"], "tick", json.dumps({"n": n}))


threads = [threading.Thread(target=work) for _ in range(int(concurrency))]
started = time.perf_counter()
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"triggers_per_sec": per_worker * int(concurrency) / (time.perf_counter() - started)}))
