// Our native SDK (through the pusher-lite CLI: its Publisher and Client) with
// the official packages: pusher-js receives what our Publisher triggers,
// including encrypted events; our Client receives what the official Node
// library triggers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { APP, MASTER_KEY, WAIT, client, next, publisher, startServer, state, subscribed, sleep } from './support.mjs';

const cliBin = process.env.PUSHER_LITE_CLI_BIN;
if (!cliBin) throw new Error('set PUSHER_LITE_CLI_BIN (cargo xtask test does)');

function env(port) {
  return {
    PUSHER_LITE_HOST: `127.0.0.1:${port}`,
    PUSHER_LITE_APP_ID: APP.appId,
    PUSHER_LITE_APP_KEY: APP.key,
    PUSHER_LITE_APP_SECRET: APP.secret,
    PUSHER_LITE_ENCRYPTION_MASTER_KEY: MASTER_KEY,
  };
}

function cli(port, ...args) {
  return new Promise((resolve, reject) => {
    execFile(cliBin, args, { env: env(port), timeout: WAIT }, (error, stdout, stderr) => {
      if (error) reject(new Error(`pusher-lite ${args.join(' ')} failed: ${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

test('pusher-js receives what our Publisher triggers, encrypted included', async () => {
  const server = await startServer();
  const pusher = client(server.port);
  try {
    await state(pusher, 'connected');
    const { channel: news } = await subscribed(pusher, 'news');
    let got = next(news, 'story');
    await cli(server.port, 'trigger', '--channel', 'news', '--event', 'story', '--data', '{"from":"rust","n":1}');
    assert.deepEqual((await got).data, { from: 'rust', n: 1 });

    const { channel: vault } = await subscribed(pusher, 'private-encrypted-vault');
    got = next(vault, 'secret');
    await cli(server.port, 'trigger', '-c', 'private-encrypted-vault', '-e', 'secret', '-d', '{"pin":42}');
    assert.deepEqual((await got).data, { pin: 42 }, 'pusher-js decrypts what our Publisher encrypted');
  } finally {
    pusher.disconnect();
    await server.stop();
  }
});

test('our Client receives what the official Node library triggers', async () => {
  const server = await startServer();
  const sub = spawn(cliBin, ['subscribe', '-c', 'news', '-c', 'private-room', '--count', '2'], { env: env(server.port) });
  try {
    const lines = [];
    const done = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${lines.length} lines`)), WAIT);
      createInterface({ input: sub.stdout }).on('line', (line) => {
        lines.push(JSON.parse(line));
        if (lines.length === 2) { clearTimeout(timer); resolve(); }
      });
    });
    const lib = publisher(server.port);
    // Wait until both subscriptions are live.
    for (let i = 0; i < 200; i += 1) {
      const info = await (await lib.get({ path: '/channels' })).json();
      if (info.channels.news && info.channels['private-room']) break;
      await sleep(25);
    }
    await lib.trigger('news', 'story', { from: 'node', n: 1 });
    await lib.trigger('private-room', 'secret', { ok: true });
    await done;
    assert.deepEqual(lines.map((l) => [l.channel, l.event, l.data]), [
      ['news', 'story', { from: 'node', n: 1 }],
      ['private-room', 'secret', { ok: true }],
    ]);
  } finally {
    sub.kill();
    await server.stop();
  }
});
