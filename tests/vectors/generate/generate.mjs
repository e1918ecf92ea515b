// Regenerates signatures.json, jwt.json and encryption.json in tests/vectors.
//
// Entries marked "source": "pusher-docs" are copied verbatim from Pusher's
// published documentation and are NOT computed here. Every other entry is
// computed with implementations independent of this project — Node's crypto
// (HMAC-SHA256, MD5, SHA-256) and tweetnacl (the secretbox pusher-js and the
// official libraries use) — so the vectors check our Rust code instead of
// echoing it. Run: npm ci && node generate.mjs
import { createHash, createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import nacl from 'tweetnacl';
import naclUtil from 'tweetnacl-util';

const out = (name, value) =>
  writeFileSync(new URL(`../${name}`, import.meta.url), JSON.stringify(value, null, 2) + '\n');
const hmac = (secret, text) => createHmac('sha256', secret).update(text, 'utf8').digest('hex');
const md5 = (text) => createHash('md5').update(text, 'utf8').digest('hex');

const docsApp = { app_id: '3', key: '278d425bdf160c739803', secret: '7ad3773142a6692b25b8' };
const auth = (message) => `${docsApp.key}:${hmac(docsApp.secret, message)}`;

// ---- signatures.json ---------------------------------------------------------
const masterKeyBase64 = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='; // bytes 0..31
const masterKey = Buffer.from(masterKeyBase64, 'base64');
const sharedSecret = (channel) =>
  createHash('sha256').update(Buffer.concat([Buffer.from(channel, 'utf8'), masterKey])).digest();

const channelAuth = [
  {
    source: 'pusher-docs',
    note: 'Auth signatures page, private channel worked example',
    socket_id: '1234.1234',
    channel: 'private-foobar',
    channel_data: null,
    string_to_sign: '1234.1234:private-foobar',
    auth: '278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4',
  },
  {
    source: 'pusher-docs',
    note:
      'Auth signatures page, presence worked example. The page now prints user_info name "Mr. Channels" ' +
      'but its signature was computed when the page said "Mr. Pusher": the published signature verifies over this string.',
    socket_id: '1234.1234',
    channel: 'presence-foobar',
    channel_data: '{"user_id":10,"user_info":{"name":"Mr. Pusher"}}',
    string_to_sign: '1234.1234:presence-foobar:{"user_id":10,"user_info":{"name":"Mr. Pusher"}}',
    auth: '278d425bdf160c739803:afaed3695da2ffd16931f457e338e6c9f2921fa133ce7dac49f529792be6304c',
  },
];
for (const [socket_id, channel, channel_data] of [
  ['1234.1234', 'presence-foobar', '{"user_id":10,"user_info":{"name":"Mr. Channels"}}'],
  ['98765.4321', 'presence-chat', '{"user_id":"ü-42","user_info":{"name":"Zoë","emoji":"🎉"}}'],
  ['1.1', 'private-encrypted-secrets', null],
]) {
  const string_to_sign = channel_data === null ? `${socket_id}:${channel}` : `${socket_id}:${channel}:${channel_data}`;
  const entry = { source: 'generated', socket_id, channel, channel_data, string_to_sign, auth: auth(string_to_sign) };
  if (channel.startsWith('private-encrypted-')) entry.shared_secret = sharedSecret(channel).toString('base64');
  channelAuth.push(entry);
}

const userAuth = [
  {
    source: 'pusher-docs',
    note: 'Auth signatures page, user authentication worked example',
    socket_id: '1234.1234',
    user_data: '{"id":"12345"}',
    string_to_sign: '1234.1234::user::{"id":"12345"}',
    auth: '278d425bdf160c739803:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba',
  },
];
{
  const user_data = '{"id":"u-7","user_info":{"name":"Ada"},"watchlist":["u-8","u-9"]}';
  const string_to_sign = `55.66::user::${user_data}`;
  userAuth.push({ source: 'generated', socket_id: '55.66', user_data, string_to_sign, auth: auth(string_to_sign) });
}

const docsBody = '{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}';
const httpApi = [
  {
    source: 'pusher-docs',
    note: 'HTTP API reference, worked authentication example',
    method: 'POST',
    path: '/apps/3/events',
    query: [],
    body: docsBody,
    timestamp: 1353088179,
    body_md5: 'ec365a775a4cd0599faeb73354201b6f',
    string_to_sign:
      'POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f',
    auth_signature: 'da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c',
  },
];
for (const [method, path, query, body, timestamp] of [
  ['GET', '/apps/3/channels', [['filter_by_prefix', 'presence-'], ['info', 'user_count']], '', 1700000000],
  ['POST', '/apps/3/batch_events', [], '{"batch":[{"channel":"a","name":"e","data":"{}"}]}', 1700000123],
  ['GET', '/apps/3/channels/presence-x/users', [], '', 1700000456],
]) {
  const params = { auth_key: docsApp.key, auth_timestamp: String(timestamp), auth_version: '1.0' };
  if (body) params.body_md5 = md5(body);
  for (const [k, v] of query) params[k] = v;
  const sorted = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  const string_to_sign = `${method}\n${path}\n${sorted}`;
  const entry = { source: 'generated', method, path, query, body, timestamp };
  if (body) entry.body_md5 = params.body_md5;
  Object.assign(entry, { string_to_sign, auth_signature: hmac(docsApp.secret, string_to_sign) });
  httpApi.push(entry);
}

const webhookBody =
  '{"time_ms":1700000000000,"events":[{"name":"channel_occupied","channel":"general"},' +
  '{"name":"member_added","channel":"presence-x","user_id":"u1"}]}';
const webhooks = [
  { source: 'generated', key: docsApp.key, body: webhookBody, signature: hmac(docsApp.secret, webhookBody) },
];

out('signatures.json', {
  description:
    'Signature vectors. "pusher-docs" entries are Pusher\'s published worked examples, copied verbatim; ' +
    '"generated" entries were computed by generate/generate.mjs with Node crypto.',
  credentials: docsApp,
  channel_auth: channelAuth,
  user_auth: userAuth,
  http_api: httpApi,
  webhooks,
});

// ---- jwt.json ------------------------------------------------------------------
const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
const orgSecret = 'acme-secret-token';
const signJwt = (claims, secret, header = { alg: 'HS256', typ: 'JWT' }) => {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};
// Member order matches the Rust struct's serialization, so our encoder must reproduce these bytes.
const claims = {
  iss: 'pusher-lite',
  iat: 1700000000,
  exp: 1700003600,
  org: 'acme-inc',
  sub: 'user-1',
  user_info: { name: 'Ada' },
  listen: ['general', 'private-*'],
  publish: ['general'],
};
const minimal = { iss: 'pusher-lite', iat: 1700000000, exp: 1700000060, org: 'acme-inc', listen: ['*'], publish: [] };
out('jwt.json', {
  description: 'Lite session tokens (HS256), computed by generate/generate.mjs with Node crypto.',
  secret: orgSecret,
  valid: [
    { token: signJwt(claims, orgSecret), now: 1700000100, claims },
    { token: signJwt(minimal, orgSecret), now: 1700000059, claims: minimal },
  ],
  invalid: [
    { token: signJwt(claims, orgSecret), now: 1700003600, error: 'expired' },
    { token: signJwt(claims, orgSecret), now: 1699999000, error: 'not_yet_valid' },
    { token: signJwt(claims, 'another-secret'), now: 1700000100, error: 'signature' },
    { token: signJwt(claims, orgSecret, { alg: 'none', typ: 'JWT' }), now: 1700000100, error: 'algorithm' },
    { token: signJwt(claims, orgSecret, { alg: 'HS512', typ: 'JWT' }), now: 1700000100, error: 'algorithm' },
    { token: 'not-a-jwt', now: 1700000100, error: 'malformed' },
    { token: `${b64url('{"alg":"HS256"}')}.@@@.sig`, now: 1700000100, error: 'malformed' },
    { token: signJwt({ iss: 'x' }, orgSecret), now: 1700000100, error: 'claims' },
  ],
  patterns: [
    ['*', 'anything-at-all', true],
    ['private-*', 'private-room', true],
    ['private-*', 'presence-room', false],
    ['general', 'general', true],
    ['general', 'general-2', false],
    ['presence-chat-*', 'presence-chat-', true],
  ],
});

// ---- encryption.json -------------------------------------------------------------
const encrypt = (channel, nonceByte, plaintext) => {
  const nonce = new Uint8Array(24).fill(nonceByte);
  const box = nacl.secretbox(naclUtil.decodeUTF8(plaintext), nonce, sharedSecret(channel));
  // Exactly the data string the official Node library sends.
  return JSON.stringify({ nonce: naclUtil.encodeBase64(nonce), ciphertext: naclUtil.encodeBase64(box) });
};
const sealed = [];
for (const [channel, nonceByte, plaintext] of [
  ['private-encrypted-secrets', 1, '{"message":"hello world"}'],
  ['private-encrypted-secrets', 2, '"just a string"'],
  ['private-encrypted-unicode-payload', 3, '{"emoji":"🎉","text":"Zoë"}'],
  ['private-encrypted-empty', 4, ''],
]) {
  sealed.push({
    channel,
    shared_secret: sharedSecret(channel).toString('base64'),
    plaintext,
    data: encrypt(channel, nonceByte, plaintext),
  });
}
const good = sealed[0];
const parsed = JSON.parse(good.data);
const tampered = Buffer.from(parsed.ciphertext, 'base64');
tampered[0] ^= 1;
out('encryption.json', {
  description:
    'Encrypted channel vectors computed by generate/generate.mjs with tweetnacl secretbox ' +
    '(XSalsa20-Poly1305) and SHA-256(channel ‖ master key), as pusher-js and the official libraries do.',
  master_key_base64: masterKeyBase64,
  sealed,
  refused: [
    { channel: good.channel, key_of: 'private-encrypted-other', data: good.data, error: 'authentication' },
    {
      channel: good.channel,
      key_of: good.channel,
      data: JSON.stringify({ nonce: parsed.nonce, ciphertext: tampered.toString('base64') }),
      error: 'authentication',
    },
    { channel: good.channel, key_of: good.channel, data: '{"nonce":"AAAA","ciphertext":"' + parsed.ciphertext + '"}', error: 'nonce_length' },
    { channel: good.channel, key_of: good.channel, data: '{"nonce":"' + parsed.nonce + '","ciphertext":"AAAA"}', error: 'ciphertext_length' },
    { channel: good.channel, key_of: good.channel, data: '{"ciphertext":"' + parsed.ciphertext + '"}', error: 'format' },
    { channel: good.channel, key_of: good.channel, data: 'not json', error: 'format' },
  ],
});
console.log('wrote signatures.json, jwt.json, encryption.json');
