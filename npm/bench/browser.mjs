// The browser part of `cargo xtask bench`: our dist/pusher.js side by side with
// the official pusher-js 8.6, in one run, reported as ratios (never asserted).
//
// 1. size: raw, gzip -9 and brotli of dist/pusher.js, pusher.min.js and
//    pusher-with-encryption.min.js (ours includes encryption);
// 2. inbound throughput: events/s reaching a JS callback, same Chromium, same
//    server, same feed (the page subscribes to 100 channels; the publisher
//    triggers each event on all of them). "burst": the feed is published while
//    the page's main thread is busy, and the rate counts from when it is free,
//    so it measures the client; "streamed": the rate as events arrive;
//    both at 100-byte payloads, and burst at 1 KB and 8 KB payloads. Beside
//    the two clients, the burst is also read by a bare WebSocket that does the
//    least any client must (JSON.parse the frame and its data, call the
//    callback): the ceiling this browser and server allow for one frame per
//    message, against which the ratios are to be read. Ours asks our server
//    for Lite frame batching (several frames per WebSocket message under load);
//    it is also measured with batching off — what it does against any other
//    Pusher server;
// 3. time from the <script> tag to `connected` (median of fresh pages);
// 4. latency from the HTTP trigger to the JS callback (p50/p90/p99/max of 300
//    spaced events), both sides reading one clock (performance.timeOrigin).
//
// The last line printed is JSON with the ratios, read by `cargo xtask bench`.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { Server, startApp, launchBrowser, npmDir, CLIENTS } from '../test/support/env.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS || 15);
const RUNS = Number(process.env.BENCH_RUNS || 3); // throughput runs per client
const CHANNELS = 100;
const EVENTS = Number(process.env.BENCH_EVENTS || 200) * CHANNELS;
const BUSY_MS = Number(process.env.BENCH_BUSY_MS || 5000);

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// ----- 1. size ---------------------------------------------------------------------------------

function sizes(file) {
  const data = readFileSync(file);
  return {
    raw: data.length,
    gzip: gzipSync(data, { level: 9 }).length,
    brotli: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const web = join(npmDir, 'node_modules/pusher-js/dist/web');
const size = {
  ours: sizes(join(npmDir, 'dist/pusher.js')),
  min: sizes(join(web, 'pusher.min.js')),
  enc: sizes(join(web, 'pusher-with-encryption.min.js')),
};

// ----- 2. and 3. in the browser --------------------------------------------------------------------

// The page is kept busy while a burst arrives (see throughput), so the server
// must hold the whole burst for it instead of closing it as a slow consumer
// (4100 after 1,024 queued frames by default).
const config = join(mkdtempSync(join(tmpdir(), 'pusher-lite-bench-')), 'server.toml');
writeFileSync(config, '[limits]\nmax_queued_frames = 100000\n');
const server = await Server.start(['--config', config]);
const app = await startApp(server);
const browser = await launchBrowser();
const publisher = server.publisher();

// Events per run by payload size: larger payloads get fewer events, so a burst
// moves a similar number of bytes. Each count is a multiple of CHANNELS.
const EVENTS_BY_SIZE = { 100: EVENTS, 1024: EVENTS / 5, 8192: EVENTS / 25 };

// The ceiling's reader: one WebSocket, no client library.
const BARE = 'bare WebSocket';
// Ours without Lite frame batching: one frame per message, as from any Pusher server.
const PLAIN = 'pusher-lite, batching off';

async function throughput(client, burst, bytes = 100) {
  const events = EVENTS_BY_SIZE[bytes];
  const context = await browser.newContext();
  const page = await context.newPage();
  // The bare reader's page loads a client it does not use: the pages stay alike.
  await page.goto(`${app.url}/page?client=${client === BARE || client === PLAIN ? 'pusher-lite' : client}`);
  await page.evaluate(async ([channels, bare, plain]) => {
    window.states = [];
    window.got = 0;
    window.first = 0;
    window.last = 0;
    const onEvent = (data) => {
      if (window.got++ === 0) window.first = performance.now();
      window.last = performance.now();
      window.sum = (window.sum || 0) + data.n; // the callback really reads the payload
    };
    if (bare) {
      const ws = bareSocket();
      let subscribed = 0;
      ws.onclose = (e) => window.states.push(`closed ${e.code} ${e.reason}`);
      ws.onmessage = (e) => {
        const message = JSON.parse(e.data);
        if (message.event === 'tick') {
          onEvent(JSON.parse(message.data));
        } else if (message.event === 'pusher:connection_established') {
          for (let i = 0; i < channels; i++) {
            ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: `bench-${i}` } }));
          }
        } else if (message.event === 'pusher_internal:subscription_succeeded') {
          subscribed++;
        }
      };
      await until(() => subscribed === channels, 20000);
      return;
    }
    const p = (window.pusher = connect(plain ? { batching: false } : undefined));
    p.connection.bind('state_change', (s) => window.states.push(`${s.previous}->${s.current}@${Math.round(performance.now())}`));
    p.connection.bind('error', (e) => window.states.push(`error ${JSON.stringify(e)}`));
    for (let i = 0; i < channels; i++) p.subscribe(`bench-${i}`).bind('tick', onEvent);
    await until(() => p.allChannels().every((c) => c.subscribed), 20000);
  }, [CHANNELS, client === BARE, client === PLAIN]);
  // The page's main thread is kept busy while the feed is published, so the
  // events wait in the browser and the count measures the client, not the feed.
  if (burst) {
    await page.evaluate((busy) => {
      setTimeout(() => {
        const end = performance.now() + busy;
        while (performance.now() < end);
        window.unblocked = performance.now();
      }, 0);
    }, BUSY_MS);
  }
  const names = Array.from({ length: CHANNELS }, (_, i) => `bench-${i}`);
  // A JSON object of about `bytes` bytes once serialised.
  const base = { tags: ['a', 'b', 'c'], nested: { ok: true }, n: 0 };
  const payload = { text: 'x'.repeat(Math.max(0, bytes - JSON.stringify({ ...base, text: '' }).length - 4)), ...base };
  const batches = events / CHANNELS;
  let next = 0;
  const start = Date.now();
  const worker = async () => {
    while (next < batches) {
      const n = next++;
      await publisher.trigger(names, 'tick', { ...payload, n });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const publishing = Date.now() - start;
  await page.waitForFunction((total) => window.got >= total, events, { timeout: 120000 }).catch(async (error) => {
    const seen = await page.evaluate(() => [window.got, window.states.join(', ')]);
    throw new Error(`${client}, ${bytes}-byte payloads: ${seen[0]} of ${events} events arrived (connection ${seen[1]}): ${error.message}\nserver log:\n${server.output.slice(-3000)}`);
  });
  const { first, last, got, unblocked } = await page.evaluate(() => ({
    first: window.first,
    last: window.last,
    got: window.got,
    unblocked: window.unblocked,
  }));
  await context.close();
  if (burst && (unblocked === undefined || first < unblocked || publishing > BUSY_MS - 500)) {
    throw new Error(`the feed took ${publishing} ms to publish, too close to the page's busy ${BUSY_MS} ms`);
  }
  return burst ? (got / (last - unblocked)) * 1000 : ((got - 1) / (last - first)) * 1000;
}

async function latency(client) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${app.url}/page?client=${client}`);
  await page.evaluate(async () => {
    const p = connect();
    window.latencies = [];
    p.subscribe('latency').bind('ping', (data) => {
      window.latencies.push(performance.timeOrigin + performance.now() - data.t);
    });
    await until(() => p.channel('latency').subscribed, 20000);
  });
  for (let i = 0; i < 300; i++) {
    await publisher.trigger('latency', 'ping', { t: performance.timeOrigin + performance.now() });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await page.waitForFunction(() => window.latencies.length >= 300, null, { timeout: 30000 });
  const values = (await page.evaluate(() => window.latencies)).sort((a, b) => a - b);
  await context.close();
  const pick = (q) => values[Math.round((values.length - 1) * q)];
  return { p50: pick(0.5), p90: pick(0.9), p99: pick(0.99), max: pick(1) };
}

async function timeToConnected(client) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${app.url}/connect-page?client=${client}`);
  await page.waitForFunction(() => window.t1 !== undefined, null, { timeout: 20000 });
  const ms = await page.evaluate(() => window.t1 - window.t0);
  await context.close();
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const clients = Object.keys(CLIENTS); // pusher-js, pusher-lite
const rate = {};
const streamed = {};
const connect = {};
const rate1k = {};
const rate8k = {};
const latencies = {};
for (const client of clients) {
  rate[client] = [];
  streamed[client] = [];
  connect[client] = [];
  rate1k[client] = [];
  rate8k[client] = [];
}
const ceiling = { 100: [], 1024: [], 8192: [] };
const plain = { 100: [], 1024: [], 8192: [] };
// Interleaved, so both clients (and the ceiling) see the same machine load.
for (let round = 0; round < RUNS; round++) {
  for (const client of clients) {
    rate[client].push(await throughput(client, true));
    streamed[client].push(await throughput(client, false));
    rate1k[client].push(await throughput(client, true, 1024));
    rate8k[client].push(await throughput(client, true, 8192));
  }
  for (const bytes of [100, 1024, 8192]) {
    ceiling[bytes].push(await throughput(BARE, true, bytes));
    plain[bytes].push(await throughput(PLAIN, true, bytes));
  }
}
for (const client of clients) latencies[client] = await latency(client);
for (let round = 0; round < ROUNDS; round++) {
  for (const client of clients) connect[client].push(await timeToConnected(client));
}

await browser.close();
await app.close();
await server.stop();

// ----- report ----------------------------------------------------------------------------------------

const row = (name, s) => `  ${name.padEnd(44)} ${fmt(s.raw).padStart(9)} ${fmt(s.gzip).padStart(9)} ${fmt(s.brotli).padStart(9)}`;
console.log('\nbrowser bundle size (bytes)                          raw   gzip -9    brotli');
console.log(row('dist/pusher.js (ours, encryption included)', size.ours));
console.log(row('pusher-js 8.6 pusher.min.js', size.min));
console.log(row('pusher-js 8.6 pusher-with-encryption.min.js', size.enc));

const ours = 'pusher-lite';
const theirs = 'pusher-js';
const rateOurs = median(rate[ours]);
const rateTheirs = median(rate[theirs]);
console.log(`\ninbound throughput (events/s to a JS callback, ${fmt(EVENTS)} events over ${CHANNELS} channels, median of ${RUNS})`);
console.log(`  burst (events queued while the page was busy): ours ${fmt(rateOurs)}   pusher-js ${fmt(rateTheirs)}`);
console.log(`  streamed (as the server sends them):           ours ${fmt(median(streamed[ours]))}   pusher-js ${fmt(median(streamed[theirs]))}`);
console.log(`  burst, ${BARE} (the ceiling: JSON.parse ×2 and the callback, no client): ${fmt(median(ceiling[100]))}`);
console.log(`  burst, ${PLAIN} (one frame per message, as from any Pusher server): ${fmt(median(plain[100]))}`);
const connOurs = median(connect[ours]);
const connTheirs = median(connect[theirs]);
console.log(`\nscript tag to 'connected' (ms, median of ${ROUNDS} fresh pages)`);
console.log(`  ours ${fmt(connOurs, 1)}   pusher-js ${fmt(connTheirs, 1)}`);

console.log('\nratios (ours / pusher-js)                                     budget');
console.log(`  gzip size vs pusher.min.js                 ${fmt(size.ours.gzip / size.min.gzip, 2).padStart(6)}   <= 1.00`);
console.log(`  gzip size vs pusher-with-encryption.min.js ${fmt(size.ours.gzip / size.enc.gzip, 2).padStart(6)}`);
console.log(`  inbound throughput (burst)                 ${fmt(rateOurs / rateTheirs, 2).padStart(6)}   >= 1.50`);
console.log(`    the ceiling here (${BARE} / pusher-js)  ${fmt(median(ceiling[100]) / rateTheirs, 2).padStart(6)}   (one frame per message)
    ours with batching off                   ${fmt(median(plain[100]) / rateTheirs, 2).padStart(6)}`);
console.log(`  inbound throughput (streamed)              ${fmt(median(streamed[ours]) / median(streamed[theirs]), 2).padStart(6)}`);
console.log(`  time to connected                          ${fmt(connOurs / connTheirs, 2).padStart(6)}   <= 1.00`);

console.log(`\ninbound throughput by payload size (burst, events/s, median of ${RUNS})`);
console.log(`  1 KB: ours ${fmt(median(rate1k[ours]))}   pusher-js ${fmt(median(rate1k[theirs]))}   ${BARE} ${fmt(median(ceiling[1024]))}   batching off ${fmt(median(plain[1024]))}`);
console.log(`  8 KB: ours ${fmt(median(rate8k[ours]))}   pusher-js ${fmt(median(rate8k[theirs]))}   ${BARE} ${fmt(median(ceiling[8192]))}   batching off ${fmt(median(plain[8192]))}`);
const lat = (c) => latencies[c];
console.log(`\nlatency, HTTP trigger to JS callback (ms; 300 events)      p50      p90      p99      max`);
for (const c of [ours, theirs]) {
  const l = lat(c);
  console.log(`  ${c.padEnd(50)} ${[l.p50, l.p90, l.p99, l.max].map((v) => fmt(v, 2).padStart(8)).join(' ')}`);
}
console.log(
  JSON.stringify({
    gzip_vs_min: size.ours.gzip / size.min.gzip,
    gzip_vs_encryption: size.ours.gzip / size.enc.gzip,
    throughput: rateOurs / rateTheirs,
    throughput_streamed: median(streamed[ours]) / median(streamed[theirs]),
    throughput_1k: median(rate1k[ours]) / median(rate1k[theirs]),
    throughput_8k: median(rate8k[ours]) / median(rate8k[theirs]),
    ceiling: median(ceiling[100]) / rateTheirs,
    ceiling_1k: median(ceiling[1024]) / median(rate1k[theirs]),
    ceiling_8k: median(ceiling[8192]) / median(rate8k[theirs]),
    plain: median(plain[100]) / rateTheirs,
    plain_1k: median(plain[1024]) / median(rate1k[theirs]),
    plain_8k: median(plain[8192]) / median(rate8k[theirs]),
    time_to_connected: connOurs / connTheirs,
    latency_p50: lat(ours).p50 / lat(theirs).p50,
    latency_p99: lat(ours).p99 / lat(theirs).p99,
    // The figures behind the ratios, flat, for the charts.
    ours_gzip: size.ours.gzip,
    min_gzip: size.min.gzip,
    enc_gzip: size.enc.gzip,
    ours_rate_100: rateOurs,
    theirs_rate_100: rateTheirs,
    ours_rate_1k: median(rate1k[ours]),
    theirs_rate_1k: median(rate1k[theirs]),
    ours_rate_8k: median(rate8k[ours]),
    theirs_rate_8k: median(rate8k[theirs]),
    bare_rate_100: median(ceiling[100]),
    bare_rate_1k: median(ceiling[1024]),
    bare_rate_8k: median(ceiling[8192]),
    plain_rate_100: median(plain[100]),
    plain_rate_1k: median(plain[1024]),
    plain_rate_8k: median(plain[8192]),
    ours_connect_ms: connOurs,
    theirs_connect_ms: connTheirs,
    ours_p50_ms: lat(ours).p50,
    theirs_p50_ms: lat(theirs).p50,
    ours_p99_ms: lat(ours).p99,
    theirs_p99_ms: lat(theirs).p99,
  }),
);
