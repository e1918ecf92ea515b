// The API-conformance suite. Every scenario runs twice against the same real
// server, in headless Chromium: once with the official pusher-js 8.6
// (pusher-with-encryption build) and once with our dist/pusher.js, on the same
// page. Each run records what the page's handlers observed; the test asserts the
// scenario's own expectations on both records (so a scenario that pusher-js
// itself fails is a broken scenario, not a pass) and that the records are equal.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, startApp, launchBrowser, openPage } from './support/env.mjs';

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

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Runs `scenario` with each client and compares.
function conformance(name, scenario, check) {
  test(name, async () => {
    const records = {};
    for (const client of ['pusher-js', 'pusher-lite']) {
      const page = await openPage(browser, app, client);
      try {
        await scenario(page, server.publisher());
        records[client] = await page.evaluate(() => window.rec);
        assert.deepEqual(page.errors, [], `${client}: errors on the page`);
      } finally {
        await page.context().close();
      }
      check(records[client], client);
    }
    assert.deepEqual(records['pusher-lite'], records['pusher-js'], 'our client observes what pusher-js observes');
  });
}

const find = (rec, name) => rec.filter((entry) => entry[0] === name);

// ----- connection ------------------------------------------------------------------------------

conformance(
  'connection states, socket_id, disconnect and connect again',
  async (page) => {
    await page.evaluate(async () => {
      const p = (window.p = connect());
      note('after constructor', p.connection.state);
      p.connection.bind('state_change', recorder('state_change'));
      p.connection.bind('connected', recorder('connected'));
      p.connection.bind('disconnected', recorder('disconnected'));
      await until(() => p.connection.state === 'connected');
      note('socket_id', p.connection.socket_id);
      p.disconnect();
      await until(() => p.connection.state === 'disconnected');
      p.connect();
      await until(() => p.connection.state === 'connected');
      note('final', p.connection.state);
    });
  },
  (rec) => {
    assert.deepEqual(rec[0], ['after constructor', 'connecting']);
    assert.deepEqual(find(rec, 'connected')[0], ['connected', 1, { socket_id: '<socket_id>' }]);
    assert.deepEqual(find(rec, 'state_change').map((e) => e[2].current), ['connected', 'disconnected', 'connecting', 'connected']);
    assert.deepEqual(find(rec, 'disconnected'), [['disconnected', 0]]);
  },
);

conformance(
  'an unknown app key is refused (4001): error event, then disconnected',
  async (page) => {
    await page.evaluate(async () => {
      const p = connect({}, 'no-such-key');
      p.connection.bind('state_change', (s) => note('state', s.current));
      p.connection.bind('error', (e) => note('error', e.type, e.error && e.error.type, e.error && e.error.data && e.error.data.code));
      await until(() => p.connection.state === 'disconnected');
      await new Promise((r) => setTimeout(r, 1500)); // no reconnect follows
      note('final', p.connection.state);
    });
  },
  (rec) => {
    assert.deepEqual(find(rec, 'error'), [['error', 'WebSocketError', 'PusherError', 4001]]);
    assert.deepEqual(rec.at(-1), ['final', 'disconnected']);
  },
);

// ----- public channels and payloads ------------------------------------------------------------------

conformance(
  'public channel: subscription, bind, bind_global, payload parsing, metadata',
  async (page, publisher) => {
    await page.evaluate(async () => {
      const p = (window.p = connect());
      const ch = p.subscribe('public-1');
      note('same object', p.subscribe('public-1') === ch, p.channel('public-1') === ch);
      note('pending', ch.subscribed, ch.subscriptionPending);
      ch.bind('pusher:subscription_succeeded', recorder('succeeded'));
      for (const e of ['obj', 'text', 'num', 'json-text']) ch.bind(e, recorder(e));
      ch.bind_global(recorder('channel global'));
      p.bind('obj', recorder('pusher bind'));
      p.bind_global(recorder('pusher global'));
      await until(() => ch.subscribed);
      note('subscribed', ch.subscribed, ch.subscriptionPending);
    });
    await publisher.trigger('public-1', 'obj', { a: 1, b: [true, null], c: 'é ✓ 😀' });
    await publisher.trigger('public-1', 'text', 'not json');
    await publisher.trigger('public-1', 'num', 42);
    await publisher.trigger('public-1', 'json-text', '{"x":1}');
    await page.evaluate(() => until(() => rec.some((e) => e[0] === 'json-text')));
  },
  (rec) => {
    assert.deepEqual(rec[0], ['same object', true, true]);
    assert.deepEqual(find(rec, 'obj'), [['obj', 2, { a: 1, b: [true, null], c: 'é ✓ 😀' }, {}]]);
    assert.deepEqual(find(rec, 'text'), [['text', 2, 'not json', {}]]);
    assert.deepEqual(find(rec, 'num'), [['num', 2, 42, {}]]);
    assert.deepEqual(find(rec, 'json-text'), [['json-text', 2, { x: 1 }, {}]]);
    assert.deepEqual(find(rec, 'pusher bind'), [['pusher bind', 1, { a: 1, b: [true, null], c: 'é ✓ 😀' }]]);
    assert.equal(find(rec, 'pusher global').length, 4);
    assert.ok(find(rec, 'channel global').some((e) => e[2] === 'pusher:subscription_succeeded'));
  },
);

conformance(
  'cache channels: the last event on subscribing (public and private), pusher:cache_miss when there is none',
  async (page, publisher) => {
    // The server keeps a cache channel's last event: each client gets channels
    // of its own, so the second run does not see the first run's events.
    const client = await page.evaluate(() => CONFIG.client);
    for (const n of [1, 2]) {
      await publisher.trigger(`cache-news-${client}`, 'headline', { n });
      await publisher.trigger(`private-cache-news-${client}`, 'headline', { n, private: true });
    }
    await page.evaluate(async () => {
      const p = (window.p = connect());
      for (const name of ['cache-news', 'private-cache-news', 'cache-empty']) {
        const ch = p.subscribe(`${name}-${CONFIG.client}`);
        ch.bind('pusher:subscription_succeeded', () => note(name, 'succeeded'));
        ch.bind('pusher:cache_miss', recorder(`${name} cache_miss`));
        ch.bind('headline', recorder(`${name} headline`));
      }
      await until(() => rec.length === 6);
    });
    await publisher.trigger(`cache-news-${client}`, 'headline', { n: 3 });
    await page.evaluate(() => until(() => rec.length === 7));
  },
  (rec) => {
    const of = (name) => rec.filter((entry) => entry[0].startsWith(`${name} `) || entry[0] === name);
    assert.deepEqual(of('cache-news'), [
      ['cache-news', 'succeeded'],
      ['cache-news headline', 2, { n: 2 }, {}],
      ['cache-news headline', 2, { n: 3 }, {}],
    ]);
    assert.deepEqual(of('private-cache-news'), [
      ['private-cache-news', 'succeeded'],
      ['private-cache-news headline', 2, { n: 2, private: true }, {}],
    ]);
    assert.deepEqual(of('cache-empty'), [
      ['cache-empty', 'succeeded'],
      ['cache-empty cache_miss', 2, '<undefined>', {}],
    ]);
  },
);

conformance(
  'subscription count: pusher:subscription_count as subscribers come and go, channel.subscriptionCount; none on presence channels',
  async (page) => {
    await page.evaluate(async () => {
      const name = `public-count-${CONFIG.client}`;
      const first = connect().subscribe(name);
      note('before any count', first.subscriptionCount);
      first.bind('pusher:subscription_count', recorder('count'));
      await until(() => first.subscriptionCount === 1);
      const other = connect();
      other.subscribe(name);
      await until(() => first.subscriptionCount === 2);
      other.unsubscribe(name);
      await until(() => first.subscriptionCount === 1);
      note('count now', first.subscriptionCount);
      const room = connect({ channelAuthorization: { endpoint: '/pusher/auth', transport: 'ajax', params: { user: 'ann' } } }).subscribe(`presence-count-${CONFIG.client}`);
      room.bind('pusher:subscription_count', recorder('presence count'));
      await until(() => room.subscribed);
      await new Promise((resolve) => setTimeout(resolve, 200));
      note('presence', room.subscriptionCount);
      other.disconnect();
    });
  },
  (rec) => {
    assert.deepEqual(rec, [
      ['before any count', '<undefined>'],
      ['count', 1, { subscription_count: 1 }],
      ['count', 1, { subscription_count: 2 }],
      ['count', 1, { subscription_count: 1 }],
      ['count now', 1],
      ['presence', '<undefined>'],
    ]);
  },
);

conformance(
  'channel API: channel(), allChannels(), unsubscribe, reserved names',
  async (page) => {
    await page.evaluate(async () => {
      const p = connect();
      await until(() => p.connection.state === 'connected');
      p.subscribe('public-a');
      p.subscribe('private-b');
      note('all', p.allChannels().map((c) => c.name).sort());
      note('unknown', p.channel('nope'));
      try {
        p.subscribe('#server-to-user-x');
      } catch (e) {
        note('bad name', e instanceof Error, e.message);
      }
      await until(() => p.channel('public-a').subscribed && p.channel('private-b').subscribed);
      p.unsubscribe('public-a');
      note('after unsubscribe', p.channel('public-a'), p.allChannels().map((c) => c.name));
      const again = p.subscribe('public-a');
      note('subscribed again', again.subscribed, again.subscriptionPending);
      await until(() => again.subscribed);
      // Unsubscribing while the subscription is pending cancels it once it succeeds.
      const c = p.subscribe('public-c');
      p.unsubscribe('public-c');
      note('cancelled', c.subscriptionPending, c.subscriptionCancelled, !!p.channel('public-c'));
      await until(() => !p.channel('public-c'));
      note('gone', p.channel('public-c'));
    });
  },
  (rec) => {
    assert.deepEqual(rec[0], ['all', ['private-b', 'public-a']]);
    assert.deepEqual(rec[1], ['unknown', '<undefined>']);
    assert.deepEqual(rec[2], ['bad name', true, 'Cannot create a channel with name "#server-to-user-x".']);
    assert.deepEqual(rec[3], ['after unsubscribe', '<undefined>', ['private-b']]);
    assert.deepEqual(find(rec, 'cancelled'), [['cancelled', true, true, true]]);
  },
);

// ----- auth -----------------------------------------------------------------------------------------

conformance(
  'private channel: auth endpoint with params, headers and their providers',
  async (page) => {
    app.requests.length = 0;
    await page.evaluate(async () => {
      const p = connect({
        channelAuthorization: {
          endpoint: '/pusher/auth',
          transport: 'ajax',
          params: { user: 'dave' },
          headers: { 'X-Static': 's' },
          paramsProvider: () => ({ extra: 'p v' }),
          headersProvider: () => ({ 'X-Dynamic': 'd' }),
        },
      });
      const ch = p.subscribe('private-auth');
      ch.bind('pusher:subscription_succeeded', recorder('succeeded'));
      await until(() => ch.subscribed);
      // The legacy options reach the same endpoint.
      const legacy = connect({ channelAuthorization: undefined, authEndpoint: '/pusher/auth', auth: { params: { user: 'erin' }, headers: { 'X-Static': 'legacy' } } });
      const ch2 = legacy.subscribe('private-legacy');
      await until(() => ch2.subscribed);
      note('legacy subscribed', ch2.subscribed);
    });
    const requests = app.requests.map((r) => ({ ...r, body: r.body.replace(/socket_id=[\d.]+/, 'socket_id=ID') }));
    await page.evaluate((r) => note('requests', r), requests);
  },
  (rec) => {
    assert.deepEqual(find(rec, 'succeeded'), [['succeeded', 1, {}]]);
    const [, requests] = find(rec, 'requests')[0];
    assert.deepEqual(requests[0], {
      method: 'POST',
      path: '/pusher/auth',
      query: '',
      contentType: 'application/x-www-form-urlencoded',
      headers: { static: 's', dynamic: 'd' },
      body: 'socket_id=ID&channel_name=private-auth&user=dave&extra=p%20v',
    });
    assert.deepEqual(requests[1], {
      method: 'POST',
      path: '/pusher/auth',
      query: '',
      contentType: 'application/x-www-form-urlencoded',
      headers: { static: 'legacy', dynamic: '<undefined>' },
      body: 'socket_id=ID&channel_name=private-legacy&user=erin',
    });
    assert.equal(requests.length, 2);
  },
);

conformance(
  'jsonp auth transport: private and presence channels and sign-in through a <script> GET, params in its query',
  async (page) => {
    await page.evaluate(async () => {
      const logs = [];
      Pusher.log = (message) => logs.push(String(message));
      const jsonp = (endpoint, extra) => Object.assign({ endpoint, transport: 'jsonp', params: { user: 'ann' } }, extra);
      const p = (window.p = connect({
        channelAuthorization: jsonp('/pusher/auth', { headers: { 'X-Static': 'not sent' } }),
        userAuthentication: jsonp('/pusher/user-auth'),
      }));
      const priv = p.subscribe('private-jsonp');
      const room = p.subscribe('presence-jsonp');
      p.signin();
      await until(() => priv.subscribed && room.subscribed && p.user.user_data);
      note('subscribed', priv.subscribed, room.members.me.id, room.members.me.info, p.user.user_data.id);
      note('headers warned', logs.some((line) => line.includes('To send headers with the channel-authorization request, you must use AJAX, rather than JSONP.')));
      Pusher.log = undefined;
    });
  },
  (rec) => {
    assert.deepEqual(rec, [
      ['subscribed', true, 'ann', { name: 'Ann' }, 'ann'],
      ['headers warned', true],
    ]);
    // What went out: script GETs with the callback, the fields and the params.
    const gets = app.requests.filter((r) => r.method === 'GET').slice(-3).map((r) => new URLSearchParams(r.query));
    assert.deepEqual(gets.map((q) => [q.get('callback').replace(/\d+/, 'N'), q.get('channel_name'), q.get('user')]).sort(), [
      ["Pusher.auth_callbacks['N']", null, 'ann'],
      ["Pusher.auth_callbacks['N']", 'presence-jsonp', 'ann'],
      ["Pusher.auth_callbacks['N']", 'private-jsonp', 'ann'],
    ]);
    assert.ok(gets.every((q) => /^\d+\.\d+$/.test(q.get('socket_id'))));
  },
);

conformance(
  'auth failures: HTTP status, invalid JSON and custom handler errors become subscription_error',
  async (page) => {
    await page.evaluate(async () => {
      const p = connect();
      for (const name of ['private-forbidden', 'private-garbled']) {
        const ch = p.subscribe(name);
        ch.bind('pusher:subscription_error', recorder(name));
        await until(() => rec.some((e) => e[0] === name));
      }
      note('states', p.channel('private-forbidden').subscribed, p.channel('private-forbidden').subscriptionPending);
      const custom = connect({
        channelAuthorization: { customHandler: (params, callback) => callback(new Error('custom says no: ' + params.channelName), null) },
      });
      custom.subscribe('private-custom').bind('pusher:subscription_error', recorder('custom'));
      await until(() => rec.length === 4);
    });
  },
  (rec) => {
    const [forbidden] = find(rec, 'private-forbidden');
    assert.equal(forbidden[2].type, 'AuthError');
    assert.equal(forbidden[2].status, 403);
    assert.match(forbidden[2].error, /received status: 403/);
    const [garbled] = find(rec, 'private-garbled');
    assert.equal(garbled[2].status, 200);
    assert.match(garbled[2].error, /JSON returned from channel-authorization endpoint was invalid/);
    assert.deepEqual(find(rec, 'custom'), [['custom', 1, { type: 'AuthError', error: 'custom says no: private-custom' }]]);
  },
);

// ----- presence and client events -----------------------------------------------------------------------

conformance(
  'presence: members, me, member_added/removed, client events with user_id',
  async (page) => {
    await page.evaluate(async () => {
      const auth = (user) => ({ channelAuthorization: { endpoint: '/pusher/auth', transport: 'ajax', params: { user } } });
      const alice = connect(auth('alice'));
      const room = alice.subscribe('presence-room');
      const members = (m) => {
        const list = [];
        m.each((x) => list.push(x));
        list.sort((a, b) => (a.id < b.id ? -1 : 1));
        return { count: m.count, myID: m.myID, me: m.me, list, bob: m.get('bob') };
      };
      room.bind('pusher:subscription_succeeded', (m) => note('alice succeeded', members(m), m === room.members));
      room.bind('pusher:member_added', recorder('added'));
      room.bind('pusher:member_removed', recorder('removed'));
      room.bind('client-wave', recorder('wave'));
      await until(() => room.subscribed);
      const bob = connect(auth('bob'));
      const bobRoom = bob.subscribe('presence-room');
      await until(() => bobRoom.subscribed && rec.some((e) => e[0] === 'added'));
      note('bob sees', members(bobRoom.members));
      note('trigger', bobRoom.trigger('client-wave', { hand: 'left' }));
      await until(() => rec.some((e) => e[0] === 'wave'));
      bob.unsubscribe('presence-room');
      await until(() => rec.some((e) => e[0] === 'removed'));
      note('alice after', members(room.members));
    });
  },
  (rec) => {
    const [succeeded] = find(rec, 'alice succeeded');
    assert.deepEqual(succeeded[1], {
      count: 1,
      myID: 'alice',
      me: { id: 'alice', info: { name: 'Alice' } },
      list: [{ id: 'alice', info: { name: 'Alice' } }],
      bob: null,
    });
    assert.equal(succeeded[2], true);
    assert.deepEqual(find(rec, 'added'), [['added', 1, { id: 'bob', info: { name: 'Bob' } }]]);
    assert.equal(find(rec, 'bob sees')[0][1].count, 2);
    assert.deepEqual(find(rec, 'trigger'), [['trigger', true]]);
    assert.deepEqual(find(rec, 'wave'), [['wave', 2, { hand: 'left' }, { user_id: 'bob' }]]);
    assert.deepEqual(find(rec, 'removed'), [['removed', 1, { id: 'bob', info: { name: 'Bob' } }]]);
    assert.equal(find(rec, 'alice after')[0][1].count, 1);
  },
);

conformance(
  'client events on private channels: delivered to others, not echoed; name rules',
  async (page) => {
    await page.evaluate(async () => {
      const a = connect();
      const b = connect();
      const ca = a.subscribe('private-chat');
      const cb = b.subscribe('private-chat');
      ca.bind('client-msg', recorder('a got'));
      cb.bind('client-msg', recorder('b got'));
      await until(() => ca.subscribed && cb.subscribed);
      note('sent', ca.trigger('client-msg', { n: 1 }));
      await until(() => rec.some((e) => e[0] === 'b got'));
      for (const name of ['msg', 'pusher:msg']) {
        try {
          ca.trigger(name, {});
          note('no throw', name);
        } catch (e) {
          note('refused', name, e instanceof Error, e.message);
        }
      }
      await new Promise((r) => setTimeout(r, 300));
    });
  },
  (rec) => {
    assert.deepEqual(find(rec, 'sent'), [['sent', true]]);
    assert.deepEqual(find(rec, 'b got'), [['b got', 2, { n: 1 }, {}]]);
    assert.deepEqual(find(rec, 'a got'), []);
    assert.deepEqual(find(rec, 'refused'), [
      ['refused', 'msg', true, "Event 'msg' does not start with 'client-'"],
      ['refused', 'pusher:msg', true, "Event 'pusher:msg' does not start with 'client-'"],
    ]);
  },
);

conformance(
  'encrypted channels: decrypted payloads, client events refused',
  async (page, publisher) => {
    await page.evaluate(async () => {
      const p = (window.p = connect());
      const ch = p.subscribe('private-encrypted-vault');
      ch.bind('secret', recorder('secret'));
      await until(() => ch.subscribed);
      try {
        ch.trigger('client-x', {});
      } catch (e) {
        note('refused', e instanceof Error, e.message);
      }
    });
    await publisher.trigger('private-encrypted-vault', 'secret', { code: 'swordfish', n: [1, 2] });
    await page.evaluate(() => until(() => rec.some((e) => e[0] === 'secret')));
  },
  (rec) => {
    assert.deepEqual(find(rec, 'secret'), [['secret', 1, { code: 'swordfish', n: [1, 2] }]]);
    assert.deepEqual(find(rec, 'refused'), [['refused', true, 'Client events are not currently supported for encrypted channels']]);
  },
);

// ----- user sign-in ---------------------------------------------------------------------------------------

conformance(
  'sign-in: user_data, server-to-user events, signin_error with status',
  async (page, publisher) => {
    await page.evaluate(async () => {
      const p = (window.p = connect({ userAuthentication: { endpoint: '/pusher/user-auth', transport: 'ajax', params: { user: 'carol' } } }));
      p.user.bind('greet', recorder('greet'));
      p.signin();
      await until(() => p.user.user_data !== null);
      note('user_data', p.user.user_data);
      await new Promise((r) => setTimeout(r, 200)); // the server-to-user subscription
    });
    await publisher.sendToUser('carol', 'greet', { hi: 'carol' });
    await page.evaluate(async () => {
      await until(() => rec.some((e) => e[0] === 'greet'));
      const refused = connect({ userAuthentication: { endpoint: '/pusher/user-auth', transport: 'ajax', params: { user: 'forbidden' } } });
      refused.user.bind('pusher:signin_error', recorder('signin_error'));
      refused.signin();
      await until(() => rec.some((e) => e[0] === 'signin_error'));
    });
  },
  (rec) => {
    assert.deepEqual(find(rec, 'user_data'), [['user_data', { id: 'carol', user_info: { name: 'carol' } }]]);
    assert.deepEqual(find(rec, 'greet'), [['greet', 1, { hi: 'carol' }]]);
    const [error] = find(rec, 'signin_error');
    assert.equal(error[2].type, 'AuthError');
    assert.equal(error[2].status, 403);
  },
);

// ----- unbind semantics --------------------------------------------------------------------------------------

conformance(
  'unbind semantics: by callback, by context, by name, globals, unbind_all',
  async (page, publisher) => {
    await page.evaluate(async () => {
      const p = (window.p = connect());
      const ch = (window.ch = p.subscribe('public-unbind'));
      const ctx1 = (window.ctx1 = { name: 'ctx1' });
      const ctx2 = { name: 'ctx2' };
      window.f1 = function (d) { note('f1', d.step, this && this.name); };
      window.f2 = function (d) { note('f2', d.step, this && this.name); };
      window.g = function (event, d) { if (event === 'e') note('global', d.step); };
      ch.bind('e', f1, ctx1);
      ch.bind('e', f1, ctx2);
      ch.bind('e', f2, ctx1);
      ch.bind('other', f2);
      ch.bind_global(g);
      window.step = 0;
      ch.bind('mark', () => (window.step += 1));
      await until(() => ch.subscribed);
    });
    const steps = [
      () => {},
      () => ch.unbind('e', f1),
      () => ch.unbind(null, null, ctx1),
      () => ch.unbind_global(g),
      () => { ch.bind('e', f1); ch.bind_global(g); ch.unbind('e'); },
      () => { ch.bind('e', f2); ch.unbind_all(); ch.bind('mark', () => (window.step += 1)); },
    ];
    for (let i = 0; i < steps.length; i++) {
      await page.evaluate(`(${steps[i]})()`);
      await publisher.trigger('public-unbind', 'e', { step: i });
      await publisher.trigger('public-unbind', 'other', { step: i });
      await publisher.trigger('public-unbind', 'mark', {});
      await page.evaluate((n) => until(() => window.step === n), i + 1);
    }
  },
  (rec) => {
    const at = (step) => rec.filter((e) => e[1] === step).map((e) => e.join(':'));
    assert.deepEqual(at(0), ['global:0', 'f1:0:ctx1', 'f1:0:ctx2', 'f2:0:ctx1', 'f2:0:']);
    assert.deepEqual(at(1), ['global:1', 'f2:1:ctx1', 'f2:1:']);
    assert.deepEqual(at(2), ['global:2', 'f2:2:']);
    assert.deepEqual(at(3), ['f2:3:']);
    assert.deepEqual(at(4), ['global:4', 'f2:4:']);
    assert.deepEqual(at(5), []);
  },
);

conformance(
  'emit: local events reach the emitter\'s own handlers (globals first), with pusher-js\'s argument shapes; nothing is sent',
  async (page) => {
    await page.evaluate(async () => {
      const p = (window.p = connect());
      const ch = p.subscribe('public-emit');
      await until(() => ch.subscribed);
      const ctx = { name: 'ctx' };
      ch.bind('local', function (...args) { note('local', args.length, ...args, this && this.name); }, ctx);
      ch.bind_global(recorder('channel global'));
      p.bind('local', recorder('pusher handler'));
      p.bind_global(recorder('pusher global'));
      p.connection.bind('state_change', recorder('connection handler'));
      note('returns', ch.emit('local', { a: 1 }) === ch);
      ch.emit('local', { b: 2 }, { user_id: 'ann' });
      ch.emit('local');
      ch.emit('nobody', 'x');
      p.global_emitter.emit('local', [3]);
      p.connection.emit('state_change', { previous: 'connected', current: 'connected' });
      ch.unbind_all(); // globals too
      ch.emit('local', 'unbound');
      note('still', p.connection.state, ch.subscribed);
    });
  },
  (rec) => {
    assert.deepEqual(rec, [
      ['channel global', 2, 'local', { a: 1 }],
      ['local', 1, { a: 1 }, 'ctx'],
      ['returns', true],
      ['channel global', 2, 'local', { b: 2 }],
      ['local', 2, { b: 2 }, { user_id: 'ann' }, 'ctx'],
      ['channel global', 2, 'local', '<undefined>'],
      ['local', 0, 'ctx'],
      ['channel global', 2, 'nobody', 'x'],
      ['pusher global', 2, 'local', [3]],
      ['pusher handler', 1, [3]],
      ['connection handler', 1, { previous: 'connected', current: 'connected' }],
      ['still', 'connected', true],
    ]);
  },
);

conformance(
  'switchCluster: a new connection, channels and bindings kept',
  async (page, publisher) => {
    await page.evaluate(async () => {
      const p = (window.p = connect());
      const ch = p.subscribe('public-switch');
      ch.bind('pusher:subscription_succeeded', () => note('succeeded'));
      ch.bind('after', recorder('after'));
      await until(() => ch.subscribed);
      const first = p.connection.socket_id;
      p.connection.bind('state_change', (s) => note('state', s.current));
      p.switchCluster({ appKey: CONFIG.key, cluster: 'eu' });
      await until(() => p.connection.state === 'connected' && p.connection.socket_id !== first && ch.subscribed);
      note('new socket', p.connection.socket_id !== first, p.options.cluster);
    });
    await publisher.trigger('public-switch', 'after', { ok: true });
    await page.evaluate(() => until(() => rec.some((e) => e[0] === 'after')));
  },
  (rec) => {
    assert.deepEqual(rec, [
      ['succeeded'],
      ['state', 'connecting'],
      ['state', 'connected'],
      ['succeeded'],
      ['new socket', true, 'eu'],
      ['after', 2, { ok: true }, {}],
    ]);
  },
);

// ----- what libraries built on pusher-js use ---------------------------------------------------------------------

conformance(
  "pusher-js's instance fields: channels (channels, find, all), config, global_emitter, sessionID, subscribeAll",
  async (page, publisher) => {
    await page.evaluate(async () => {
      const p = (window.p = connect({ activityTimeout: 50000, wsPath: '' }));
      const a = p.subscribe('public-table');
      const b = p.subscribe('private-table');
      const table = p.channels.channels;
      note('table', Object.keys(table).sort(), table['public-table'] === a, p.channels.find('private-table') === b, p.channels.find('nope'));
      note('all', p.channels.all().map((c) => c.name).sort(), p.allChannels().length, p.channel('public-table') === a);
      const names = [];
      for (const name in table) names.push(name);
      note('for in', names.sort(), 'public-table' in table, 'nope' in table, table.hasOwnProperty('private-table'));
      await until(() => a.subscribed && b.subscribed);
      p.unsubscribe('public-table');
      note('after unsubscribe', Object.keys(p.channels.channels), p.channels.channels['public-table']);
      const c = p.config;
      note('config', {
        activityTimeout: c.activityTimeout,
        pongTimeout: c.pongTimeout,
        unavailableTimeout: c.unavailableTimeout,
        cluster: c.cluster,
        wsHost: c.wsHost,
        wsPort: c.wsPort,
        wssPort: c.wssPort,
        wsPath: c.wsPath,
        useTLS: c.useTLS,
        httpHost: c.httpHost,
        httpPort: c.httpPort,
        httpsPort: c.httpsPort,
        httpPath: c.httpPath,
        statsHost: c.statsHost,
        enableStats: c.enableStats,
        enabledTransports: c.enabledTransports,
        disabledTransports: c.disabledTransports,
        channelAuthorizer: typeof c.channelAuthorizer,
        userAuthenticator: typeof c.userAuthenticator,
      });
      // The resolved authorizer is the one the client uses.
      await new Promise((resolve) =>
        c.channelAuthorizer({ socketId: p.connection.socket_id, channelName: 'private-direct' }, (error, data) => {
          note('authorizer', error, typeof data.auth, data.auth.startsWith(CONFIG.key + ':'));
          resolve();
        }),
      );
      note('session', Number.isInteger(p.sessionID), p.sessionID >= 0 && p.sessionID < 1e9);
      p.global_emitter.bind('greeting', recorder('global_emitter'));
      b.bind('pusher:subscription_succeeded', () => note('subscribed twice'));
      p.subscribeAll();
      note('subscribeAll', Object.keys(p.channels.channels), b.subscribed);
    });
    await publisher.trigger('private-table', 'greeting', { hi: 1 });
    await page.evaluate(async () => {
      await until(() => rec.some((e) => e[0] === 'global_emitter'));
      // switchCluster resolves the config again.
      p.switchCluster({ appKey: CONFIG.key, cluster: 'eu' });
      note('switched', p.config.cluster, p.config.httpHost, p.config.wsHost);
      await until(() => p.connection.state === 'connected' && p.channel('private-table').subscribed);
      await new Promise((r) => setTimeout(r, 200));
    });
  },
  (rec) => {
    assert.deepEqual(find(rec, 'table'), [['table', ['private-table', 'public-table'], true, true, '<undefined>']]);
    assert.deepEqual(find(rec, 'all'), [['all', ['private-table', 'public-table'], 2, true]]);
    assert.deepEqual(find(rec, 'for in'), [['for in', ['private-table', 'public-table'], true, false, true]]);
    assert.deepEqual(find(rec, 'after unsubscribe'), [['after unsubscribe', ['private-table'], '<undefined>']]);
    const [, config] = find(rec, 'config')[0];
    assert.equal(config.activityTimeout, 50000);
    assert.equal(config.pongTimeout, 30000);
    assert.equal(config.wsHost, '127.0.0.1');
    assert.equal(config.useTLS, false);
    assert.equal(config.httpHost, 'sockjs-mt1.pusher.com');
    assert.deepEqual(config.enabledTransports, ['ws']);
    assert.equal(config.channelAuthorizer, 'function');
    assert.deepEqual(find(rec, 'authorizer'), [['authorizer', null, 'string', true]]);
    assert.deepEqual(find(rec, 'session'), [['session', true, true]]);
    assert.deepEqual(find(rec, 'subscribeAll'), [['subscribeAll', ['private-table'], true]]);
    assert.deepEqual(find(rec, 'global_emitter'), [['global_emitter', 1, { hi: 1 }]]);
    assert.deepEqual(find(rec, 'switched'), [['switched', 'eu', 'sockjs-eu.pusher.com', '127.0.0.1']]);
    // The subscription made before subscribeAll is re-made by the switch, not by subscribeAll.
    assert.deepEqual(find(rec, 'subscribed twice'), [['subscribed twice']]);
  },
);

conformance(
  'Laravel Echo (the laravel-echo package): listen, whisper, presence here/joining/leaving, encrypted, leave, connection status',
  async (page, publisher) => {
    await page.addScriptTag({ url: '/vendor/laravel-echo.js' });
    await page.evaluate(async () => {
      const echo = (user) =>
        new Echo.default({
          broadcaster: 'pusher',
          key: CONFIG.key,
          cluster: 'mt1',
          wsHost: '127.0.0.1',
          wsPort: CONFIG.port,
          wssPort: CONFIG.port,
          forceTLS: false,
          enabledTransports: ['ws'],
          authEndpoint: '/pusher/auth',
          auth: { headers: { 'X-Static': 'echo' }, params: { user } },
        });
      const alice = (window.alice = echo('alice'));
      const bob = (window.bob = echo('bob'));
      window.statuses = [];
      window.stopWatching = alice.connector.onConnectionChange((status) => statuses.push(status));
      const subscribed = (client, name) => () => client.connector.pusher.channel(name)?.subscribed;
      alice
        .channel('orders')
        .listen('OrderShipped', recorder('shipped'))
        .listen('.raw-name', recorder('raw'))
        .listenToAll((event, data) => note('any', event, data))
        .subscribed(() => note('orders subscribed'));
      alice.private('chat').listenForWhisper('typing', recorder('alice heard'));
      bob.private('chat').listenForWhisper('typing', recorder('bob heard'));
      alice.encryptedPrivate('vault').listen('.secret', recorder('secret'));
      await until(subscribed(alice, 'orders'));
      await until(subscribed(alice, 'private-chat'));
      await until(subscribed(bob, 'private-chat'));
      await until(subscribed(alice, 'private-encrypted-vault'));
      bob.private('chat').whisper('typing', { who: 'bob' });
      await until(() => rec.some((e) => e[0] === 'alice heard'));
      alice
        .join('room')
        .here((users) => note('here', users))
        .joining((...args) => (window.joining = args))
        .leaving((...args) => (window.leaving = args))
        .listenForWhisper('wave', recorder('wave'));
      await until(() => rec.some((e) => e[0] === 'here'));
      // Bob's subscription and Alice's member_added travel on two sockets: noted
      // in a fixed order once both have come.
      bob.join('room').here((users) => (window.bobHere = users.map((u) => u.name).sort()));
      await until(() => window.bobHere && window.joining);
      note('bob here', bobHere);
      note('joining', ...joining);
      bob.join('room').whisper('wave', { hand: 'right' });
      await until(() => rec.some((e) => e[0] === 'wave'));
      bob.leave('room');
      await until(() => window.leaving);
      note('leaving', ...leaving);
      note('socketId', alice.socketId() === alice.connector.pusher.connection.socket_id, alice.socketId());
      note('status', alice.connector.connectionStatus());
    });
    await publisher.trigger('orders', 'App\\Events\\OrderShipped', { id: 7 });
    await publisher.trigger('orders', 'raw-name', { ok: true });
    await publisher.trigger('private-encrypted-vault', 'secret', { code: 'echo' });
    await page.evaluate(async () => {
      await until(() => rec.some((e) => e[0] === 'secret') && rec.filter((e) => e[0] === 'raw').length === 1);
      alice.channel('orders').stopListening('OrderShipped');
      alice.leave('orders');
      note('left', alice.connector.pusher.channel('orders'), Object.keys(alice.connector.channels).sort());
      alice.disconnect();
      bob.disconnect();
      await until(() => alice.connector.pusher.connection.state === 'disconnected');
      stopWatching();
      note('statuses', statuses.filter((s, i) => s !== statuses[i - 1]));
    });
  },
  (rec) => {
    assert.deepEqual(find(rec, 'orders subscribed'), [['orders subscribed']]);
    assert.deepEqual(find(rec, 'alice heard'), [['alice heard', 2, { who: 'bob' }, {}]]);
    assert.deepEqual(find(rec, 'bob heard'), []);
    assert.deepEqual(find(rec, 'here'), [['here', [{ name: 'Alice' }]]]);
    assert.deepEqual(find(rec, 'bob here'), [['bob here', ['Alice', 'Bob']]]);
    assert.deepEqual(find(rec, 'joining'), [['joining', { name: 'Bob' }]]);
    assert.deepEqual(find(rec, 'wave'), [['wave', 2, { hand: 'right' }, { user_id: 'bob' }]]);
    assert.deepEqual(find(rec, 'leaving'), [['leaving', { name: 'Bob' }]]);
    assert.deepEqual(find(rec, 'shipped'), [['shipped', 2, { id: 7 }, {}]]);
    assert.deepEqual(find(rec, 'raw'), [['raw', 2, { ok: true }, {}]]);
    assert.deepEqual(find(rec, 'any'), [
      ['any', 'OrderShipped', { id: 7 }],
      ['any', '.raw-name', { ok: true }],
    ]);
    assert.deepEqual(find(rec, 'secret'), [['secret', 1, { code: 'echo' }]]);
    assert.deepEqual(find(rec, 'socketId'), [['socketId', true, '<socket_id>']]);
    assert.deepEqual(find(rec, 'status'), [['status', 'connected']]);
    assert.deepEqual(find(rec, 'left'), [['left', '<undefined>', ['presence-room', 'private-chat', 'private-encrypted-vault']]]);
    const [, statuses] = find(rec, 'statuses')[0];
    assert.equal(statuses.at(-1), 'disconnected');
  },
);

// ----- server restart (last: it replaces the server process) --------------------------------------------------------

conformance(
  'server restart: reconnect and resubscribe every channel',
  async (page) => {
    await page.evaluate(async () => {
      const p = (window.p = connect());
      window.states = [];
      window.succeeded = [];
      p.connection.bind('state_change', (s) => states.push(s.current));
      for (const name of ['public-r', 'private-r', 'presence-r']) {
        const ch = p.subscribe(name);
        ch.bind('pusher:subscription_succeeded', () => succeeded.push(name));
        ch.bind('after', recorder('after ' + name));
      }
      await until(() => succeeded.length === 3);
      note('succeeded', succeeded.splice(0).sort());
    });
    await server.restart();
    await page.evaluate(async () => {
      await until(() => succeeded.length === 3 && p.connection.state === 'connected', 20000);
      note('succeeded again', succeeded.sort());
      // States between the drop and the new connection: consecutive repeats folded.
      note('states', states.filter((s, i) => s !== states[i - 1]));
    });
    const publisher = server.publisher();
    for (const name of ['public-r', 'private-r', 'presence-r']) await publisher.trigger(name, 'after', { name });
    await page.evaluate(() => until(() => rec.filter((e) => String(e[0]).startsWith('after')).length === 3));
  },
  (rec) => {
    assert.deepEqual(find(rec, 'succeeded'), [['succeeded', ['presence-r', 'private-r', 'public-r']]]);
    assert.deepEqual(find(rec, 'succeeded again'), [['succeeded again', ['presence-r', 'private-r', 'public-r']]]);
    const [, states] = find(rec, 'states')[0];
    assert.equal(states.at(-1), 'connected');
    assert.ok(states.includes('connecting'));
    assert.equal(rec.filter((e) => String(e[0]).startsWith('after')).length, 3);
  },
);
