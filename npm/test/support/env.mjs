// The environment of the browser suites: the real reference server as a child
// process on 127.0.0.1, a small app back end (the role a Rails or Django app
// plays: pages, auth endpoints signed by the official `pusher` library, a
// publisher), and headless Chromium from the system (never a downloaded one).

import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import PusherServer from 'pusher';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const npmDir = join(here, '../..');

export const APP = { id: '1', key: 'app-key', secret: 'app-secret' };
// 32 bytes, base64: the app back end's encryption master key for private-encrypted- channels.
export const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

// Libraries built on pusher-js, loaded into a test page after the client (`/vendor/NAME`).
const VENDOR = {
  'laravel-echo.js': join(npmDir, 'node_modules/laravel-echo/dist/echo.iife.js'),
};

export const CLIENTS = {
  'pusher-js': join(npmDir, 'node_modules/pusher-js/dist/web/pusher-with-encryption.js'),
  'pusher-lite': join(npmDir, 'dist/pusher.js'),
};

// ----- the server -------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function waitForPort(port, ms) {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`server did not listen on ${port} within ${ms} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

// The server command: PUSHER_LITE_SERVER is the reference server binary
// (`cargo xtask test` builds it and sets this).
function serverCommand(port, extra) {
  const bin = process.env.PUSHER_LITE_SERVER;
  if (!bin) throw new Error('PUSHER_LITE_SERVER (the pusher-lite-server binary) is not set; run the suites through `cargo xtask test`');
  const args = ['--host', '127.0.0.1', '--port', String(port), '--app', `${APP.id}:${APP.key}:${APP.secret}`, ...extra];
  return [bin, args];
}

export class Server {
  constructor(port, extra = []) {
    this.port = port;
    this.extra = extra;
    this.output = '';
  }

  // `extra`: more server arguments (the bench passes a --config file).
  static async start(extra = []) {
    const server = new Server(await freePort(), extra);
    await server.launch();
    return server;
  }

  async launch() {
    const [cmd, args] = serverCommand(this.port, this.extra);
    this.child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => {
      this.output = (this.output + chunk).slice(-20000);
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    const exited = new Promise((_, reject) =>
      this.child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${this.output}`))),
    );
    await Promise.race([waitForPort(this.port, 15000), exited]);
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  async restart() {
    await this.stop();
    await this.launch();
  }

  publisher() {
    return new PusherServer({
      appId: APP.id,
      key: APP.key,
      secret: APP.secret,
      host: '127.0.0.1',
      port: String(this.port),
      useTLS: false,
      encryptionMasterKeyBase64: MASTER_KEY,
    });
  }
}

// ----- the app back end ------------------------------------------------------------------

// Serves /page?client=…, the client bundles, and the auth endpoints. Auth
// requests are recorded so tests can check what each client sent.
export async function startApp(server) {
  const signer = new PusherServer({
    appId: APP.id,
    key: APP.key,
    secret: APP.secret,
    encryptionMasterKeyBase64: MASTER_KEY,
  });
  const app = { requests: [] };
  const httpServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://localhost');
      const send = (status, type, text) => {
        const headers = { 'content-type': type, 'cache-control': 'no-store' };
        // A page may ask for a Content-Security-Policy (?csp=…) to show what the bundle needs.
        if (url.searchParams.has('csp')) headers['content-security-policy'] = url.searchParams.get('csp');
        res.writeHead(status, headers);
        res.end(text);
      };
      if (url.pathname === '/page') {
        const client = url.searchParams.get('client');
        if (!CLIENTS[client]) return send(404, 'text/plain', 'unknown client');
        return send(200, 'text/html; charset=utf-8', page(client, server.port));
      }
      if (url.pathname === '/connect-page') {
        // The bench's script-tag-to-connected page: nothing but the client.
        const client = url.searchParams.get('client');
        if (!CLIENTS[client]) return send(404, 'text/plain', 'unknown client');
        return send(200, 'text/html; charset=utf-8', connectPage(client, server.port));
      }
      if (url.pathname.startsWith('/client/')) {
        const client = url.pathname.slice('/client/'.length);
        if (!CLIENTS[client]) return send(404, 'text/plain', 'unknown client');
        return send(200, 'text/javascript', readFileSync(CLIENTS[client]));
      }
      const file = /^\/(dist|pages)\/([\w.-]+)$/.exec(url.pathname);
      if (file) {
        const path = file[1] === 'dist' ? join(npmDir, 'dist', file[2]) : join(here, '../pages', file[2]);
        let content;
        try {
          content = readFileSync(path);
        } catch {
          return send(404, 'text/plain', 'not found');
        }
        return send(200, file[2].endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript', content);
      }
      if (url.pathname.startsWith('/vendor/')) {
        const file = VENDOR[url.pathname.slice('/vendor/'.length)];
        if (!file) return send(404, 'text/plain', 'unknown vendor script');
        return send(200, 'text/javascript', readFileSync(file));
      }
      if (url.pathname === '/support.js') {
        return send(200, 'text/javascript', readFileSync(join(here, 'page.js')));
      }
      if (url.pathname === '/pusher/auth' || url.pathname === '/pusher/user-auth') {
        // A GET is pusher-js's jsonp transport: the fields in the query, the
        // answer a script that calls `callback`.
        const callback = req.method === 'GET' ? url.searchParams.get('callback') : null;
        if (callback !== null && !/^[\w.[\]']+$/.test(callback)) return send(400, 'text/plain', 'bad callback');
        const form = Object.fromEntries(callback ? url.searchParams : new URLSearchParams(body));
        const json = (answer) =>
          callback
            ? send(200, 'text/javascript', `${callback}(${JSON.stringify(answer)});`)
            : send(200, 'application/json', JSON.stringify(answer));
        app.requests.push({
          method: req.method,
          path: url.pathname,
          query: url.search,
          contentType: req.headers['content-type'],
          headers: { static: req.headers['x-static'], dynamic: req.headers['x-dynamic'] },
          body,
        });
        const user = form.user || 'anonymous';
        if (user === 'forbidden' || (form.channel_name || '').includes('forbidden')) {
          return send(403, 'text/plain', 'Forbidden');
        }
        if ((form.channel_name || '').includes('garbled')) return send(200, 'application/json', '{not json');
        if (url.pathname === '/pusher/user-auth') {
          return json(signer.authenticateUser(form.socket_id, { id: user, user_info: { name: user } }));
        }
        const presence = form.channel_name.startsWith('presence-')
          ? { user_id: user, user_info: { name: user.charAt(0).toUpperCase() + user.slice(1) } }
          : undefined;
        return json(signer.authorizeChannel(form.socket_id, form.channel_name, presence));
      }
      send(404, 'text/plain', 'not found');
    });
  });
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  app.url = `http://127.0.0.1:${httpServer.address().port}`;
  app.close = () => new Promise((resolve) => httpServer.close(resolve));
  return app;
}

function page(client, port) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${client}</title></head>
<body>
<script>window.CONFIG = ${JSON.stringify({ key: APP.key, port, client })};</script>
<script src="/client/${client}"></script>
<script src="/support.js"></script>
</body></html>`;
}

function connectPage(client, port) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script>window.t0 = performance.now();</script>
<script src="/client/${client}"></script>
<script>
  var p = new Pusher(${JSON.stringify(APP.key)}, { cluster: 'mt1', wsHost: '127.0.0.1', wsPort: ${port}, forceTLS: false, enabledTransports: ['ws'] });
  p.connection.bind('connected', function () { window.t1 = performance.now(); });
</script>
</head><body></body></html>`;
}

// ----- the browser ---------------------------------------------------------------------------

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

// A fresh page with `client` loaded; page errors fail the test that reads them.
export async function openPage(browser, app, client) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`${app.url}/page?client=${client}`);
  await page.waitForFunction(() => window.ready === true);
  return page;
}
