// The official Node `pusher` library's triggers per second, as an anchor:
// node trigger.mjs PORT APP_ID KEY SECRET COUNT CONCURRENCY → {"triggers_per_sec": …}
// Uses the package pinned in tests/compat (one install for tests and bench).
import { createRequire } from 'node:module';
import { Agent } from 'node:http';

const require = createRequire(new URL('../../tests/compat/package.json', import.meta.url));
const Pusher = require('pusher');
const [port, appId, key, secret, count, concurrency] = process.argv.slice(2);
const pusher = new Pusher({
  appId, key, secret, host: '127.0.0.1', port, useTLS: false,
  agent: new Agent({ keepAlive: true, maxSockets: Number(concurrency) }),
});
await pusher.trigger('bench', 'warmup', {});
const perWorker = Math.floor(Number(count) / Number(concurrency));
const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: Number(concurrency) }, async () => {
  for (let n = 0; n < perWorker; n += 1) await pusher.trigger('bench', 'tick', { n });
}));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({ triggers_per_sec: (perWorker * Number(concurrency)) / seconds }));
