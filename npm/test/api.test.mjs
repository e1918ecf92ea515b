// Browser tests of what only our client has or promises: the script-tag
// contract, the ES module build, the module-loader registration the Ex Pusher
// Lite pages rely on, logging, PusherLite's options, errors, the TypeScript
// types. Headless Chromium, the real server.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { APP, Server, startApp, launchBrowser, openPage, npmDir } from './support/env.mjs';

let server;
let app;
let browser;

before(async () => {
  server = await Server.start();
  app = await startApp(server);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await server?.stop();
});

async function withPage(path, fn) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    if (path) await page.goto(`${app.url}${path}`);
    await fn(page);
    assert.deepEqual(errors, [], 'errors on the page');
  } finally {
    await context.close();
  }
}

// pages/inline.html keeps the script-tag contract: constructed (and connecting)
// before the next line subscribes, then connected, then subscribed.
async function inlinePageKeepsTheContract(page) {
  await page.waitForFunction(() => window.events.includes('subscribed'));
  assert.deepEqual(await page.evaluate(() => window.events), ['constructed:connecting', 'connected', 'subscribed']);
}

test('script tag in <head>: the constructor returns at once and the next line can subscribe and bind', async () => {
  await withPage(`/pages/inline.html?port=${server.port}`, inlinePageKeepsTheContract);
});

test('script tag in an engine without Uint8Array.fromBase64: the bundled module unpacks through atob', async () => {
  // This Chromium has fromBase64; engines from before 2025 do not.
  await withPage(null, async (page) => {
    await page.addInitScript(() => {
      delete Uint8Array.fromBase64;
    });
    await page.goto(`${app.url}/pages/inline.html?port=${server.port}`);
    assert.equal(await page.evaluate(() => typeof Uint8Array.fromBase64), 'undefined');
    await inlinePageKeepsTheContract(page);
  });
});

test("Content-Security-Policy: the bundle needs 'wasm-unsafe-eval' in script-src, and with it works", async () => {
  const inline = (policy) => `/pages/inline.html?port=${server.port}&csp=${encodeURIComponent(policy)}`;
  // Without the keyword the module cannot be compiled, and the error says what to add.
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${app.url}${inline("script-src 'self' 'unsafe-inline'")}`);
    assert.equal(await page.evaluate(() => typeof window.Pusher), 'undefined');
    assert.ok(
      errors.some((e) => e.includes("script-src must allow 'wasm-unsafe-eval'")),
      JSON.stringify(errors),
    );
  } finally {
    await context.close();
  }
  await withPage(inline("script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'"), inlinePageKeepsTheContract);
});

test('ES module build: import Pusher and named exports, no globals', async () => {
  await withPage(`/pages/module.html?port=${server.port}`, async (page) => {
    await page.waitForFunction(() => window.events && window.events.includes('subscribed'));
    assert.deepEqual(await page.evaluate(() => window.events), ['function', 'function', 'undefined', 'subscribed']);
  });
});

// Both kinds of worker load test/pages/worker.js, which reports what it sees.
async function inWorker(page, kind, channel) {
  await page.evaluate(
    ({ kind, url }) => {
      window.fromWorker = [];
      const seen = (data) => fromWorker.push(data);
      if (kind === 'service') {
        new BroadcastChannel('service-worker-test').onmessage = (event) => seen(event.data);
        navigator.serviceWorker.register(url).catch((e) => seen(['error', String(e)]));
      } else {
        const worker = new Worker(url);
        worker.onmessage = (event) => seen(event.data);
        worker.onerror = (event) => seen(['error', event.message]);
      }
    },
    { kind, url: `/pages/worker.js?key=${APP.key}&port=${server.port}&channel=${channel}` },
  );
  const entry = (first) => page.evaluate((first) => fromWorker.find((entry) => entry[0] === first), first);
  await page.waitForFunction(() => fromWorker.length >= 3 || fromWorker.some((entry) => entry[0] === 'error'));
  const requests = app.requests.filter((request) => request.body.includes(channel));
  assert.equal(requests.length, 1, `one authorization request for ${channel}`);
  assert.equal(requests[0].contentType, 'application/x-www-form-urlencoded');
  assert.equal(requests[0].headers.static, channel);
  // Refused and garbled answers: the same errors as on a page.
  const [, type, status, message] = await entry('private-forbidden');
  assert.deepEqual([type, status], ['AuthError', 403]);
  assert.match(message, /received status: 403 from \/pusher\/auth/);
  const garbled = await entry('private-garbled');
  assert.deepEqual(garbled.slice(1, 3), ['AuthError', 200]);
  assert.match(garbled[3], /JSON returned from channel-authorization endpoint was invalid, yet status code was 200. Data was: \{not json/);
  await server.publisher().trigger(channel, 'hello', { from: 'the server' });
  await page.waitForFunction(() => fromWorker.some((entry) => entry[0] === 'hello'));
  assert.deepEqual(await entry('hello'), ['hello', { from: 'the server' }]);
  return entry('subscribed');
}

test('in a Web Worker (importScripts): connects, authorizes a private channel through XHR, receives events', async () => {
  await withPage('/pages/blank.html', async (page) => {
    assert.deepEqual(await inWorker(page, 'dedicated', 'private-worker'), ['subscribed', 'connected', 'function']);
  });
});

test('in a service worker (no XMLHttpRequest): authorizes through fetch, with the same answers and errors', async () => {
  await withPage('/pages/blank.html', async (page) => {
    assert.deepEqual(await inWorker(page, 'service', 'private-service-worker'), ['subscribed', 'connected', 'undefined']);
  });
});

for (const loader of ['none', 'amd', 'brunch', 'other']) {
  test(`require("pusher_lite").default with ${loader === 'none' ? 'no module loader' : `a ${loader} loader`} on the page`, async () => {
    await withPage(`/pages/loaders.html?loader=${loader}`, async (page) => {
      assert.equal(await page.evaluate(() => window.result), true);
    });
  });
}

test('errors are Error subclasses with pusher-js names', async () => {
  await withPage(null, async (page) => {
    await page.goto(`${app.url}/page?client=pusher-lite`);
    const names = await page.evaluate(() => {
      const p = connect();
      const out = [];
      const attempt = (fn) => {
        try {
          fn();
          out.push('no error');
        } catch (e) {
          out.push([e.name, e instanceof Error, typeof Pusher[e.name] === 'function' && e instanceof Pusher[e.name]]);
        }
      };
      attempt(() => p.subscribe('#reserved'));
      attempt(() => p.subscribe('public-x').trigger('no-prefix', {}));
      attempt(() => p.subscribe('private-encrypted-x').trigger('client-x', {}));
      attempt(() => new Pusher('key'));
      return out;
    });
    assert.deepEqual(names, [
      ['BadChannelName', true, true],
      ['BadEventName', true, true],
      ['UnsupportedFeature', true, true],
      ['Error', true, false],
    ]);
  });
});

test('jsonp auth transport: a script that fails to load is a subscription_error (pusher-js never answers), and its callback is gone', async () => {
  await withPage(null, async (page) => {
    await page.goto(`${app.url}/page?client=pusher-lite`);
    const seen = await page.evaluate(async () => {
      const p = connect({ channelAuthorization: { endpoint: '/pusher/auth', transport: 'jsonp' } });
      const ch = p.subscribe('private-forbidden-jsonp');
      const errors = [];
      ch.bind('pusher:subscription_error', (error) => errors.push([error.type, error.status, error.error]));
      await until(() => errors.length > 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { errors, pending: ch.subscriptionPending, callbacks: Object.keys(Pusher.auth_callbacks).length };
    });
    assert.deepEqual(seen.errors, [
      ['AuthError', undefined, 'Unable to retrieve auth string from channel-authorization endpoint - the JSONP script failed to load from /pusher/auth'],
    ]);
    assert.deepEqual([seen.pending, seen.callbacks], [false, 0]);
  });
});

test('Pusher.log and Pusher.logToConsole, switched on and off at any time', async () => {
  await withPage(null, async (page) => {
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    await page.goto(`${app.url}/page?client=pusher-lite`);
    const logged = await page.evaluate(async () => {
      const p = connect();
      await until(() => p.connection.state === 'connected');
      const lines = [];
      Pusher.log = (m) => lines.push(m);
      p.subscribe('public-log');
      await until(() => p.channel('public-log').subscribed);
      Pusher.log = undefined;
      const count = lines.length;
      p.subscribe('public-log-2');
      await until(() => p.channel('public-log-2').subscribed);
      Pusher.logToConsole = true;
      p.subscribe('public-log-3');
      await until(() => p.channel('public-log-3').subscribed);
      Pusher.logToConsole = false;
      return { count, after: lines.length, strings: lines.every((l) => l.startsWith('Pusher : ')) };
    });
    assert.ok(logged.count > 0, 'Pusher.log got lines');
    assert.equal(logged.after, logged.count, 'no lines after Pusher.log was unset');
    assert.ok(logged.strings);
    assert.ok(consoleLines.some((l) => l.startsWith('Pusher : ') && l.includes('public-log-3')), 'logToConsole writes to the console');
  });
});

test('WebSocket is the only transport: other transports are ignored with a log line; none left means failed', async () => {
  await withPage(null, async (page) => {
    await page.goto(`${app.url}/page?client=pusher-lite`);
    const result = await page.evaluate(async () => {
      const lines = [];
      Pusher.log = (m) => lines.push(m);
      const p = connect({ enabledTransports: ['xhr_polling'] });
      await until(() => p.connection.state === 'failed');
      const q = connect({ enabledTransports: ['ws', 'sockjs'] });
      await until(() => q.connection.state === 'connected');
      Pusher.log = undefined;
      return lines.filter((l) => l.includes('not supported')).length;
    });
    assert.equal(result, 2);
  });
});

test('PusherLite: options checked, host:port parsed, subscriptions carry the session JWT', async () => {
  await withPage(null, async (page) => {
    const sockets = [];
    page.on('websocket', (ws) => {
      const entry = { url: ws.url(), sent: [] };
      sockets.push(entry);
      ws.on('framesent', (f) => entry.sent.push(String(f.payload)));
    });
    await page.goto(`${app.url}/page?client=pusher-lite`);
    const errors = await page.evaluate((port) => {
      const out = [];
      for (const opts of [{}, { jwt: 'x' }]) {
        try {
          new PusherLite('app-key', opts);
        } catch (e) {
          out.push(e.message);
        }
      }
      const lite = (window.lite = new PusherLite('app-key', { host: `127.0.0.1:${port}`, jwt: 'h.eyJzdWIiOiJyb2JvdCJ9.s', uniqueUserId: 'robot' }));
      lite.subscribe('general').bind('new_message', () => {});
      lite.joinAll();
      return out;
    }, server.port);
    assert.deepEqual(errors, ['must set a valid authenticated JWT', 'must set a unique identifier for this client']);
    await page.waitForFunction(() => window.lite.connection.state === 'connected');
    await page.waitForTimeout(200);
    const [socket] = sockets;
    assert.match(socket.url, new RegExp(`^ws://127\\.0\\.0\\.1:${server.port}/app/${APP.key}\\?protocol=7&client=js&version=[\\d.]+&flash=false&lite_batch=1$`));
    const subscribe = socket.sent.map((t) => JSON.parse(t)).find((m) => m.event === 'pusher:subscribe');
    assert.deepEqual(subscribe.data, { auth: 'h.eyJzdWIiOiJyb2JvdCJ9.s', channel: 'general' });
  });
});

test('TypeScript: the whole API type-checks against dist/pusher.d.ts (strict)', () => {
  const tsc = join(npmDir, 'node_modules/.bin/tsc');
  execFileSync(tsc, ['--noEmit', '-p', join(npmDir, 'test/types/tsconfig.json')], { stdio: 'pipe' });
});

test('browser offline: a ping goes out at once (a dead socket shows within pongTimeout); online again: still connected', async () => {
  await withPage(null, async (page) => {
    const sent = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push({ text: String(f.payload) })));
    await page.goto(`${app.url}/page?client=pusher-lite`);
    await page.evaluate(async () => {
      window.p = connect({ activityTimeout: 60000 });
      await until(() => p.connection.state === 'connected');
    });
    const before = sent.length;
    const pings = () => sent.slice(before).filter((f) => JSON.parse(f.text).event === 'pusher:ping');
    await page.context().setOffline(true);
    // With activityTimeout at a minute, only going offline sends a ping within
    // these seconds (a bound on a loaded machine, not a speed check).
    for (let i = 0; i < 50 && pings().length === 0; i++) await page.waitForTimeout(100);
    await page.waitForTimeout(200);
    assert.equal(pings().length, 1, 'one ping on going offline');
    await page.context().setOffline(false);
    await page.waitForFunction(() => window.p.connection.state === 'connected');
  });
});

test('Lite frame batching: a burst arrives whole and in order in fewer WebSocket messages; batching: false asks for none', async () => {
  const CHANNELS = 50;
  const ROUNDS = 10;
  const names = Array.from({ length: CHANNELS }, (_, i) => `burst-${i}`);
  const publisher = server.publisher();
  for (const batching of [true, false]) {
    await withPage(null, async (page) => {
      const received = [];
      const urls = [];
      page.on('websocket', (ws) => {
        urls.push(ws.url());
        ws.on('framereceived', (f) => received.push(String(f.payload)));
      });
      await page.goto(`${app.url}/page?client=pusher-lite`);
      await page.evaluate(
        async ([names, batching]) => {
          window.got = {};
          window.p = connect(batching ? undefined : { batching: false });
          for (const name of names) p.subscribe(name).bind('tick', (data) => (window.got[name] ||= []).push(data.round));
          await until(() => p.allChannels().every((c) => c.subscribed));
        },
        [names, batching],
      );
      // Each trigger queues one frame per channel at once for this connection.
      for (let round = 0; round < ROUNDS; round++) await publisher.trigger(names, 'tick', { round });
      await page.waitForFunction(
        ([names, rounds]) => names.every((name) => (window.got[name] || []).length === rounds),
        [names, ROUNDS],
      );
      const got = await page.evaluate(() => window.got);
      const rounds = Array.from({ length: ROUNDS }, (_, i) => i);
      for (const name of names) assert.deepEqual(got[name], rounds, name);
      assert.equal(urls.length, 1);
      assert.equal(urls[0].includes('lite_batch=1'), batching, urls[0]);
      const messages = received.filter((text) => text.includes('"tick"'));
      const frames = messages.reduce((n, text) => n + text.split('\n').length, 0);
      assert.equal(frames, CHANNELS * ROUNDS);
      if (batching) assert.ok(messages.length < frames, `${frames} frames came in ${messages.length} messages`);
      else assert.equal(messages.length, frames);
    });
  }
});

test('a frame whose JSON has raw line feeds (a client event as its sender wrote it) is delivered, batched or not', async () => {
  const FRAME = '{"event":"client-lines",\n"channel":"private-lines",\n"data":{\n  "text": "a\\nb"\n}}';
  for (const batching of [true, false]) {
    await withPage(null, async (page) => {
      const received = [];
      page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(String(f.payload))));
      await page.goto(`${app.url}/page?client=pusher-lite`);
      await page.evaluate(
        async ([batching, frame]) => {
          window.got = [];
          window.p = connect(batching ? undefined : { batching: false });
          const channel = p.subscribe('private-lines');
          channel.bind('client-lines', (data) => window.got.push(data));
          await until(() => channel.subscribed);
          // The sender: a bare WebSocket, subscribed with the app's auth endpoint.
          const ws = bareSocket();
          const next = (event) =>
            new Promise((resolve) => {
              const listen = (e) => {
                const message = JSON.parse(e.data);
                if (message.event !== event) return;
                ws.removeEventListener('message', listen);
                resolve(message);
              };
              ws.addEventListener('message', listen);
            });
          const hello = await next('pusher:connection_established');
          const socketId = JSON.parse(hello.data).socket_id;
          const response = await fetch('/pusher/auth', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ socket_id: socketId, channel_name: 'private-lines' }),
          });
          const { auth } = await response.json();
          const subscribed = next('pusher_internal:subscription_succeeded');
          ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'private-lines', auth } }));
          await subscribed;
          ws.send(frame);
          await until(() => window.got.length === 1);
          ws.close();
        },
        [batching, FRAME],
      );
      assert.deepEqual(await page.evaluate(() => window.got), [{ text: 'a\nb' }]);
      const carried = received.find((text) => text.includes('client-lines'));
      // Unbatched, the frame arrives as written; batched, the server made its line feeds spaces.
      assert.equal(carried.includes('\n'), !batching, JSON.stringify(carried));
    });
  }
});
