// The reference server against the official packages: pusher-js (Node build)
// subscribes; the official `pusher` libraries for Node and Python publish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP, Pusher, client, next, publisher, python, sleep, startServer, state, subscribed } from './support.mjs';

async function withServer(body) {
  const server = await startServer();
  const clients = [];
  const connect = async (options) => {
    const c = client(server.port, options);
    clients.push(c);
    await state(c, 'connected');
    return c;
  };
  try {
    await body(server, connect);
  } finally {
    for (const c of clients) c.disconnect();
    await server.stop();
  }
}

test('public channel: the Node library triggers, pusher-js receives', () => withServer(async (server, connect) => {
  const pusher = await connect();
  const { channel } = await subscribed(pusher, 'news');
  const got = next(channel, 'story');
  const response = await publisher(server.port).trigger('news', 'story', { headline: 'Zoë 🎉', n: 1 });
  assert.equal(response.status, 200);
  const { data, metadata } = await got;
  assert.deepEqual(data, { headline: 'Zoë 🎉', n: 1 });
  assert.deepEqual(metadata, {});
}));

test('private channel authorized by the official library; socket_id exclusion', () => withServer(async (server, connect) => {
  const a = await connect();
  const b = await connect({ user: 'bob' });
  const { channel: ca } = await subscribed(a, 'private-room');
  const { channel: cb } = await subscribed(b, 'private-room');
  const gotB = next(cb, 'secret');
  const notA = next(ca, 'secret', 500).then(() => 'delivered', () => 'excluded');
  await publisher(server.port).trigger('private-room', 'secret', { x: 1 }, { socket_id: a.connection.socket_id });
  assert.deepEqual((await gotB).data, { x: 1 });
  assert.equal(await notA, 'excluded');
}));

test('presence: members, member events, users and user_count through the library', () => withServer(async (server, connect) => {
  const ada = await connect({ user: 'ada' });
  const { channel: room, data: members } = await subscribed(ada, 'presence-room');
  assert.equal(members.count, 1);
  assert.deepEqual(members.me, { id: 'ada', info: { name: 'ada' } });
  const added = next(room, 'pusher:member_added');
  const bob = await connect({ user: 'bob' });
  const { channel: bobRoom } = await subscribed(bob, 'presence-room');
  assert.deepEqual((await added).data, { id: 'bob', info: { name: 'bob' } });
  assert.equal(bobRoom.members.count, 2);
  const ids = [];
  bobRoom.members.each((m) => ids.push(m.id));
  assert.deepEqual(ids.sort(), ['ada', 'bob']);

  const lib = publisher(server.port);
  const users = await (await lib.get({ path: '/channels/presence-room/users' })).json();
  assert.deepEqual(users.users.map((u) => u.id).sort(), ['ada', 'bob']);
  const info = await (await lib.get({ path: '/channels/presence-room', params: { info: 'user_count' } })).json();
  assert.deepEqual(info, { occupied: true, user_count: 2 });
  const py = await python(server.port, 'users_info', 'presence-room');
  assert.deepEqual(py.ok.users.map((u) => u.id).sort(), ['ada', 'bob']);

  const removed = next(room, 'pusher:member_removed');
  bob.disconnect();
  assert.deepEqual((await removed).data, { id: 'bob', info: { name: 'bob' } });
}));

test('client events between pusher-js clients: delivered with user_id, not echoed', () => withServer(async (server, connect) => {
  const ada = await connect({ user: 'ada' });
  const bob = await connect({ user: 'bob' });
  const { channel: a } = await subscribed(ada, 'presence-chat');
  const { channel: b } = await subscribed(bob, 'presence-chat');
  const got = next(b, 'client-typing');
  const echo = next(a, 'client-typing', 500).then(() => 'echoed', () => 'not echoed');
  assert.equal(a.trigger('client-typing', { on: true }), true);
  const { data, metadata } = await got;
  assert.deepEqual(data, { on: true });
  assert.deepEqual(metadata, { user_id: 'ada' });
  assert.equal(await echo, 'not echoed');
}));

test('encrypted channels: both official libraries encrypt, pusher-js decrypts', () => withServer(async (server, connect) => {
  const pusher = await connect();
  const { channel } = await subscribed(pusher, 'private-encrypted-vault');
  let got = next(channel, 'secret');
  await publisher(server.port).trigger('private-encrypted-vault', 'secret', { pin: 1234 });
  assert.deepEqual((await got).data, { pin: 1234 });
  got = next(channel, 'secret');
  const py = await python(server.port, 'trigger', 'private-encrypted-vault', 'secret', '{"pin":5678}');
  assert.ok(py.ok !== undefined, JSON.stringify(py));
  assert.deepEqual((await got).data, { pin: 5678 });
  // The wire carried ciphertext: the global binding sees the sealed payload.
  const sealed = new Promise((resolve) => pusher.bind('secret', resolve));
  await publisher(server.port).trigger('private-encrypted-vault', 'secret', { pin: 9 });
  assert.ok((await sealed).ciphertext, 'delivered encrypted');
  // The library itself refuses a multi-channel trigger that includes an encrypted channel.
  assert.throws(
    () => publisher(server.port).trigger(['private-encrypted-vault', 'news'], 'x', {}),
    /multiple channels when using encrypted channels/,
  );
}));

test('batches, channel queries and the Python library', () => withServer(async (server, connect) => {
  const pusher = await connect();
  const { channel: a } = await subscribed(pusher, 'batch-a');
  const { channel: b } = await subscribed(pusher, 'batch-b');
  const gotA = next(a, 'one');
  const gotB = next(b, 'two');
  await publisher(server.port).triggerBatch([
    { channel: 'batch-a', name: 'one', data: { n: 1 } },
    { channel: 'batch-b', name: 'two', data: { n: 2 } },
  ]);
  assert.deepEqual((await gotA).data, { n: 1 });
  assert.deepEqual((await gotB).data, { n: 2 });

  const pyGot = next(a, 'from-python');
  const single = await python(server.port, 'trigger', 'batch-a', 'from-python', '{"lang":"python"}');
  assert.deepEqual(single, { ok: {} });
  assert.deepEqual((await pyGot).data, { lang: 'python' });
  const batchGot = next(b, 'py-batch');
  await python(server.port, 'trigger_batch', JSON.stringify([{ channel: 'batch-b', name: 'py-batch', data: '{"b":1}' }]));
  assert.deepEqual((await batchGot).data, { b: 1 });

  const listed = await (await publisher(server.port).get({ path: '/channels', params: { filter_by_prefix: 'batch-' } })).json();
  assert.deepEqual(Object.keys(listed.channels).sort(), ['batch-a', 'batch-b']);
  const pyChannels = await python(server.port, 'channels_info', 'batch-', '');
  assert.deepEqual(Object.keys(pyChannels.ok.channels).sort(), ['batch-a', 'batch-b']);
  const pyOne = await python(server.port, 'channel_info', 'batch-a', 'subscription_count');
  assert.deepEqual(pyOne.ok, { occupied: true, subscription_count: 1 });
}));

test('sign-in, send to user and terminate', () => withServer(async (server, connect) => {
  const pusher = await connect({ user: 'carol' });
  const signedIn = next(pusher, 'pusher:signin_success');
  pusher.signin();
  const { data } = await signedIn;
  assert.equal(JSON.parse(data.user_data).id, 'carol');
  await sleep(200); // the server-to-user subscription completes
  const notice = next(pusher.user, 'notice');
  await publisher(server.port).sendToUser('carol', 'notice', { n: 1 });
  assert.deepEqual((await notice).data, { n: 1 });
  const pyNotice = next(pusher.user, 'notice');
  await python(server.port, 'send_to_user', 'carol', 'notice', '{"n":2}');
  assert.deepEqual((await pyNotice).data, { n: 2 });

  const gone = state(pusher, 'disconnected');
  await publisher(server.port).terminateUserConnections('carol');
  await gone;
}));

test('rejections: wrong secret, stale timestamp, oversized data, unknown key, bad channel auth', () => withServer(async (server, connect) => {
  await assert.rejects(
    () => publisher(server.port, { secret: 'wrong' }).trigger('news', 'e', {}),
    (e) => e.status === 401,
  );
  assert.equal((await python(server.port, 'wrong_secret', 'news')).error, 'PusherBadAuth');
  assert.equal((await python(server.port, 'stale_timestamp', 'news')).error, 'PusherBadAuth');
  const realNow = Date.now;
  Date.now = () => realNow() - 700_000;
  try {
    await assert.rejects(() => publisher(server.port).trigger('news', 'e', {}), (e) => e.status === 401);
  } finally {
    Date.now = realNow;
  }
  await assert.rejects(
    () => publisher(server.port).trigger('news', 'big', 'x'.repeat(10 * 1024 + 1)),
    (e) => e.status === 413 && /10240/.test(e.body),
  );

  // Unknown key: pusher:error 4001, the state becomes disconnected, no retry.
  const stranger = new Pusher('no-such-key', { cluster: 'mt1', wsHost: '127.0.0.1', wsPort: server.port, forceTLS: false, enabledTransports: ['ws'] });
  const error = next(stranger.connection, 'error');
  await state(stranger, 'disconnected');
  assert.equal((await error).data.error.data.code, 4001);
  stranger.disconnect();

  // Bad channel auth: pusher:error 4009 on the channel, no subscription.
  const pusher = await connect();
  const bogus = new Pusher(APP.key, {
    cluster: 'mt1', wsHost: '127.0.0.1', wsPort: server.port, forceTLS: false, enabledTransports: ['ws'],
    channelAuthorization: { customHandler: (_, cb) => cb(null, { auth: `${APP.key}:${'0'.repeat(64)}` }) },
  });
  await state(bogus, 'connected');
  const channel = bogus.subscribe('private-locked');
  const refused = await next(channel, 'pusher:error');
  assert.equal(refused.data.code, 4009);
  await sleep(200);
  assert.equal(channel.subscribed, false);
  assert.equal(bogus.connection.state, 'connected', 'the connection stays up');
  bogus.disconnect();
  pusher.disconnect();
}));
