// Shared by the compatibility tests: the real server process, clients of the
// official packages configured for it, and small waiting helpers.
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const Pusher = require('pusher-js');       // official client, Node build (with encryption)
export const PusherServer = require('pusher');    // official Node server library

export const APP = { appId: '7301', key: 'compat-key', secret: 'compat-secret' };
export const MASTER_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
export const WAIT = 10_000;

const serverBin = process.env.PUSHER_LITE_SERVER_BIN;
const pythonBin = process.env.PUSHER_LITE_PYTHON;
if (!serverBin || !pythonBin) {
  throw new Error('set PUSHER_LITE_SERVER_BIN and PUSHER_LITE_PYTHON (cargo xtask test does)');
}

/** Starts the server on a free port; resolves once it printed where it listens. */
export async function startServer() {
  const child = spawn(serverBin, ['--host', '127.0.0.1', '--port', '0', '--app', `${APP.appId}:${APP.key}:${APP.secret}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PUSHER_LITE_LOG: 'warn' },
  });
  let output = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}\n${stderr}`)), WAIT);
    child.stdout.on('data', (d) => {
      output += d;
      const m = output.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${stderr}`)); });
  });
  child.stdout.resume();
  return {
    port,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    },
  };
}

/** The official Node server library, pointed at the test server. */
export function publisher(port, overrides = {}) {
  return new PusherServer({
    appId: APP.appId, key: APP.key, secret: APP.secret,
    host: '127.0.0.1', port: String(port), useTLS: false,
    encryptionMasterKeyBase64: MASTER_KEY,
    ...overrides,
  });
}

/** An official pusher-js client whose auth is signed by the official server library. */
export function client(port, { user = 'ada', key = APP.key } = {}) {
  const server = publisher(port);
  const pusher = new Pusher(key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: port,
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: {
      customHandler: ({ socketId, channelName }, callback) => {
        const presence = channelName.startsWith('presence-') ? { user_id: user, user_info: { name: user } } : undefined;
        callback(null, server.authorizeChannel(socketId, channelName, presence));
      },
    },
    userAuthentication: {
      customHandler: ({ socketId }, callback) => {
        callback(null, server.authenticateUser(socketId, { id: user, watchlist: [] }));
      },
    },
  });
  return pusher;
}

/** Resolves with the first `event` on `emitter` (a channel or connection), or rejects after WAIT. */
export function next(emitter, event, ms = WAIT) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { emitter.unbind(event, handler); reject(new Error(`no ${event} within ${ms} ms`)); }, ms);
    function handler(data, metadata) {
      clearTimeout(timer);
      emitter.unbind(event, handler);
      resolve({ data, metadata });
    }
    emitter.bind(event, handler);
  });
}

/** Resolves when the connection reaches `state`. */
export function state(pusher, wanted, ms = WAIT) {
  if (pusher.connection.state === wanted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`state is ${pusher.connection.state}, not ${wanted}`)), ms);
    pusher.connection.bind('state_change', function handler({ current }) {
      if (current === wanted) {
        clearTimeout(timer);
        pusher.connection.unbind('state_change', handler);
        resolve();
      }
    });
  });
}

/** Subscribes and waits for pusher:subscription_succeeded; resolves with its data. */
export async function subscribed(pusher, name) {
  const channel = pusher.subscribe(name);
  const { data } = await next(channel, 'pusher:subscription_succeeded');
  return { channel, data };
}

/** Runs the official PyPI library (publish.py) once; resolves with its JSON answer. */
export function python(port, ...args) {
  return new Promise((resolve, reject) => {
    execFile(pythonBin, [new URL('./publish.py', import.meta.url).pathname, String(port), ...args], {
      env: { ...process.env, APP_ID: APP.appId, APP_KEY: APP.key, APP_SECRET: APP.secret, MASTER_KEY },
      timeout: WAIT,
    }, (error, stdout, stderr) => {
      if (error) reject(new Error(`publish.py failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
