// The Ex Pusher Lite article's chat page (examples/chat/, served by the real
// server at `/` with our dist/pusher.js at /js/pusher.js), its JavaScript
// unchanged: jQuery, `require("pusher_lite").default`, `joinAll()`, messages
// sent through the socket and through the REST API with the session JWT. Two
// pages in headless Chromium chat both ways.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, launchBrowser } from './support/env.mjs';

let server;
let browser;

before(async () => {
  server = await Server.start();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function chatPage() {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${server.port}/`);
  // Subscribed when the page's own `joinAll()` has gone through.
  await page.waitForFunction(() => window.publicChannel && window.publicChannel.subscribed, null, { timeout: 15000 });
  return page;
}

async function say(page, name, message, { api = false } = {}) {
  await page.fill('#name', name);
  await page.setChecked('#channel', api);
  await page.fill('#message', message);
  await page.press('#message', 'Enter');
}

const chatText = (page) => page.locator('#chat').innerText();

test('two pages chat both ways, through the socket and through the REST API', async () => {
  const ann = await chatPage();
  const bob = await chatPage();

  await say(ann, 'Ann', 'hello over the socket');
  for (const page of [ann, bob]) {
    // Lite client events reach every subscriber, the sender included.
    await page.waitForFunction(() => document.querySelector('#chat').innerText.includes('hello over the socket'));
  }
  await say(bob, 'Bob', 'hello over the API', { api: true });
  for (const page of [ann, bob]) {
    await page.waitForFunction(() => document.querySelector('#chat').innerText.includes('hello over the API'));
  }
  await say(bob, 'Bob', 'and back over the socket');
  await ann.waitForFunction(() => document.querySelector('#chat').innerText.includes('and back over the socket'));

  const lines = (await chatText(ann)).split('\n').filter(Boolean);
  assert.deepEqual(lines, ['Ann hello over the socket', 'Bob hello over the API', 'Bob and back over the socket']);
  assert.deepEqual(ann.errors, []);
  assert.deepEqual(bob.errors, []);
});
