// The native client's anchor: the official pusher-js (Node build) as a
// subscriber, fed by the official Node `pusher` library.
// node subscriber.mjs PORT APP_ID KEY SECRET EVENTS
//   → {"events_per_sec": …, "latency_ms": {"p50": …, "p90": …, "p99": …, "max": …}}
// 1. inbound: EVENTS events of 100-byte payloads, triggered in batches of 10,
//    counted as they reach the bound callback;
// 2. latency: 300 events one at a time, 5 ms apart, from the trigger call to
//    the callback (one process, one clock).
// Uses the packages pinned in tests/compat (one install for tests and bench).
import { createRequire } from 'node:module';
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';

const require = createRequire(new URL('../../tests/compat/package.json', import.meta.url));
const PusherServer = require('pusher');
const PusherClient = require('pusher-js');
const [port, appId, key, secret, eventsArg] = process.argv.slice(2);
const events = Number(eventsArg);

const publisher = new PusherServer({
  appId, key, secret, host: '127.0.0.1', port, useTLS: false,
  agent: new Agent({ keepAlive: true, maxSockets: 8 }),
});
const client = new PusherClient(key, {
  cluster: 'mt1', wsHost: '127.0.0.1', wsPort: Number(port), forceTLS: false, enabledTransports: ['ws'],
});
const deadline = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), ms).unref());
const channel = client.subscribe('inbound');
await Promise.race([new Promise((resolve) => channel.bind('pusher:subscription_succeeded', resolve)), deadline(10000, 'subscribing')]);

// 1. Inbound.
let got = 0;
let done;
const allArrived = new Promise((resolve) => (done = resolve));
channel.bind('tick', (data) => {
  if (data.text.length > 0 && ++got === events) done();
});
const text = 'x'.repeat(100);
const started = performance.now();
const feed = (async () => {
  for (let start = 0; start < events; start += 10) {
    const batch = [];
    for (let i = start; i < Math.min(start + 10, events); i++) batch.push({ channel: 'inbound', name: 'tick', data: { text } });
    await publisher.triggerBatch(batch);
  }
})();
await Promise.race([Promise.all([feed, allArrived]), deadline(120000, 'inbound')]);
const eventsPerSec = (events / (performance.now() - started)) * 1000;

// 2. Latency.
const latencies = [];
let arrived;
channel.bind('ping', (data) => {
  latencies.push(performance.now() - data.t);
  arrived();
});
for (let i = 0; i < 300; i++) {
  const received = new Promise((resolve) => (arrived = resolve));
  await publisher.trigger('inbound', 'ping', { t: performance.now() });
  await Promise.race([received, deadline(10000, 'a latency probe')]);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
latencies.sort((a, b) => a - b);
const pick = (q) => latencies[Math.round((latencies.length - 1) * q)];
client.disconnect();
console.log(JSON.stringify({ events_per_sec: eventsPerSec, latency_ms: { p50: pick(0.5), p90: pick(0.9), p99: pick(0.99), max: pick(1) } }));
process.exit(0);
