// The npm package as it ships: packed by `npm pack`, installed into a fresh app
// under the name `pusher-js` (an npm alias: how an app that imports pusher-js,
// Laravel's for one, takes ours without a code change), bundled by esbuild with
// Laravel Echo and run in headless Chromium against the real server; and loaded
// by Node's CommonJS `require`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

test('installed as pusher-js and bundled with Laravel Echo by esbuild: Echo listens and whispers through our client', async () => {
  writeFileSync(
    join(appDir, 'app.js'),
    `import Echo from 'laravel-echo';
import Pusher from 'pusher-js';
import EncryptedPusher from 'pusher-js/with-encryption';
window.Pusher = Pusher;
window.oneBuild = Pusher === EncryptedPusher;
window.echo = (port, user) => new Echo({
  broadcaster: 'pusher', key: ${JSON.stringify(APP.key)}, cluster: 'mt1', wsHost: '127.0.0.1', wsPort: port,
  forceTLS: false, enabledTransports: ['ws'], authEndpoint: '/pusher/auth', auth: { headers: {}, params: { user } },
});
`,
  );
  // laravel-echo comes from this package's devDependencies; pusher-js only from the app.
  const bundle = await esbuild.build({
    entryPoints: [join(appDir, 'app.js')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    nodePaths: [join(npmDir, 'node_modules')],
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
