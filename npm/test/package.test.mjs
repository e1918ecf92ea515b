// The npm package as it ships: packed by `npm pack`, installed into a fresh app
// under the name `pusher-js` (an npm alias: how an app that imports pusher-js,
// Laravel's for one, takes ours without a code change) beside Laravel Echo,
// bundled by esbuild and run in headless Chromium against the real server,
// type-checked by tsc as the app's TypeScript; and loaded by Node's CommonJS
// `require`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { APP, Server, startApp, launchBrowser, npmDir } from './support/env.mjs';

const VERSION = JSON.parse(readFileSync(join(npmDir, 'package.json'), 'utf8')).version;

let server;
let app;
let browser;
let work;
let packed;
let appDir;

before(async () => {
  server = await Server.start();
  app = await startApp(server);
  browser = await launchBrowser();
  work = mkdtempSync(join(tmpdir(), 'pusher-lite-package-'));
  [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: npmDir, encoding: 'utf8' }));
  appDir = join(work, 'app');
  mkdirSync(appDir);
  const manifest = { name: 'app', private: true, dependencies: { 'pusher-js': `file:${join(work, packed.filename)}` } };
  writeFileSync(join(appDir, 'package.json'), JSON.stringify(manifest));
  // A local tarball with no dependencies: nothing comes from a registry.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: appDir });
  // Laravel Echo beside it, as npm would place it (its pusher-js is ours then).
  cpSync(join(npmDir, 'node_modules/laravel-echo'), join(appDir, 'node_modules/laravel-echo'), { recursive: true });
});

after(async () => {
  await browser?.close();
  await app?.close();
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the three dist files and the manifest, nothing of the build', () => {
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, ['dist/pusher.d.ts', 'dist/pusher.js', 'dist/pusher.mjs', 'package.json']);
});

test('installed as pusher-js and bundled with Laravel Echo by esbuild: Echo, set up for Laravel Reverb, listens and whispers through our client', async () => {
  writeFileSync(
    join(appDir, 'app.js'),
    `import Echo from 'laravel-echo';
import Pusher from 'pusher-js';
import EncryptedPusher from 'pusher-js/with-encryption';
window.Pusher = Pusher;
window.oneBuild = Pusher === EncryptedPusher;
// Laravel Reverb's settings (Echo sets cluster to '' for it).
window.echo = (port, user) => new Echo({
  broadcaster: 'reverb', key: ${JSON.stringify(APP.key)}, wsHost: '127.0.0.1', wsPort: port, wssPort: port,
  forceTLS: false, enabledTransports: ['ws', 'wss'], authEndpoint: '/pusher/auth', auth: { headers: {}, params: { user } },
});
`,
  );
  const bundle = await esbuild.build({
    entryPoints: [join(appDir, 'app.js')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${app.url}/pages/blank.html`);
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
    const seen = await page.evaluate(async (port) => {
      const until = async (predicate) => {
        for (let i = 0; i < 400 && !predicate(); i++) await new Promise((r) => setTimeout(r, 20));
        if (!predicate()) throw new Error('timed out waiting for ' + predicate);
      };
      const alice = echo(port, 'alice');
      const bob = echo(port, 'bob');
      const heard = [];
      alice.private('room').listenForWhisper('typing', (e) => heard.push(e));
      const subscribed = (client) => client.connector.pusher.channel('private-room')?.subscribed;
      bob.private('room');
      await until(() => subscribed(alice) && subscribed(bob));
      bob.private('room').whisper('typing', { who: 'bob' });
      await until(() => heard.length === 1);
      alice.disconnect();
      bob.disconnect();
      return { version: Pusher.VERSION, oneBuild, heard, socket: typeof alice.socketId() };
    }, server.port);
    assert.deepEqual(seen, { version: VERSION, oneBuild: true, heard: [{ who: 'bob' }], socket: 'string' });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("the app's TypeScript, written against pusher-js's and Echo's types, type-checks against ours (strict)", () => {
  writeFileSync(
    join(appDir, 'app.ts'),
    `import Echo from 'laravel-echo';
import Pusher from 'pusher-js';
import type { Channel, PresenceChannel } from 'pusher-js';

// What a Laravel app's resources/js/echo.ts declares and writes.
declare global {
  interface Window {
    Pusher: typeof Pusher;
    Echo: Echo<'reverb'>;
  }
}
window.Pusher = Pusher;
window.Echo = new Echo({
  broadcaster: 'reverb',
  key: 'app-key',
  wsHost: '127.0.0.1',
  wsPort: 6001,
  wssPort: 6001,
  forceTLS: false,
  enabledTransports: ['ws', 'wss'],
});
window.Echo.private('chat').listenForWhisper('typing', (event: { who: string }) => event.who);
window.Echo.join('room').here((users: { name: string }[]) => users.length);
const pusher: Pusher = window.Echo.connector.pusher;
const chat: Channel | undefined = pusher.channels.find('private-chat');
const room = pusher.subscribe('presence-room') as PresenceChannel;
const count: number = room.members.count;
const id: string | undefined = window.Echo.socketId();
export { chat, count, id };
`,
  );
  writeFileSync(
    join(appDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'es2020', module: 'es2020', moduleResolution: 'bundler', lib: ['es2020', 'dom'], types: [] },
      files: ['app.ts'],
    }),
  );
  try {
    execFileSync(join(npmDir, 'node_modules/.bin/tsc'), ['-p', join(appDir, 'tsconfig.json')], { encoding: 'utf8' });
  } catch (error) {
    assert.fail(`tsc refused the app:\n${error.stdout}${error.stderr}`);
  }
});

test("required by Node's CommonJS loader: exports Pusher and defines no global require", () => {
  writeFileSync(
    join(appDir, 'check.cjs'),
    `const Pusher = require('pusher-js');
process.stdout.write(JSON.stringify([typeof Pusher, Pusher.VERSION, typeof globalThis.require]));
`,
  );
  const out = execFileSync(process.execPath, ['check.cjs'], { cwd: appDir, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), ['function', VERSION, 'undefined']);
});
