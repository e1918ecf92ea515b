// The JavaScript face of the browser client: the pusher-js 8 API (Pusher) and the
// Ex Pusher Lite API (PusherLite) over the WebAssembly driver (sdk-wasm), which
// runs the protocol core. This file decides nothing about the protocol: it maps
// options, keeps JavaScript handlers (functions and contexts) behind numeric ids,
// runs auth transports, parses event data with the browser's JSON.parse, and
// calls handlers in the order the core gives.

import { WasmClient } from '../build/pusher_lite_wasm.renamed.js';

export const VERSION = '0.1.0';

// ----- errors (named like pusher-js's) ---------------------------------------------

export class BadEventName extends Error {}
export class BadChannelName extends Error {}
export class UnsupportedFeature extends Error {}
export class HTTPAuthError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}
const ERRORS = { BadEventName, BadChannelName, UnsupportedFeature, HTTPAuthError };
// Names survive minification.
for (const name in ERRORS) ERRORS[name].prototype.name = name;

// The driver reports a refused call as "Name\nmessage".
function raise(text) {
  const cut = text.indexOf('\n');
  throw new ERRORS[text.slice(0, cut)](text.slice(cut + 1));
}

// ----- logging -----------------------------------------------------------------------

let logToConsole = false;
let logFunction;

// Never throws: the driver calls it between protocol steps.
function log(level, message) {
  message = 'Pusher : ' + message;
  try {
    if (logFunction) {
      logFunction(message);
    } else if (logToConsole) {
      console[level > 2 ? 'error' : level > 1 ? 'warn' : 'log'](message);
    }
  } catch (error) {
    report(error);
  }
}

function loggingChanged() {
  for (const p of Pusher.instances) p._w.logging(!!(logFunction || logToConsole));
}

// ----- handlers ----------------------------------------------------------------------

// id -> [function, context]; ids go to the core, which decides who is called.
const handlers = new Map();
let nextId = 0;

function register(fn, context) {
  if (typeof fn !== 'function') throw new TypeError('callback must be a function');
  handlers.set(++nextId, [fn, context]);
  return nextId;
}

// Ids whose binding matches pusher-js's unbind filter (callback and/or context).
function matching(fn, context) {
  const ids = [];
  for (const [id, [f, c]] of handlers) {
    if ((!fn || f === fn) && (!context || c === context)) ids.push(id);
  }
  return ids;
}

function report(error) {
  if (typeof reportError === 'function') reportError(error);
  else setTimeout(() => { throw error; });
}

function parseData(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    return text;
  }
}

// Targets of the core's routing tables.
const GLOBAL = 0;
const CONNECTION = 1;
const CHANNEL = 2;
const USER = 3;
const WATCHLIST = 4;

class Emitter {
  constructor(pusher, target, name) {
    this._p = pusher;
    this._t = target;
    this._n = name || '';
  }

  bind(event, callback, context) {
    this._p._w.bind(this._t, this._n, event, register(callback, context));
    return this;
  }

  bind_global(callback) {
    this._p._w.bindGlobal(this._t, this._n, register(callback));
    return this;
  }

  unbind(event, callback, context) {
    const ids = callback || context ? matching(callback, context) : undefined;
    this._p._w.unbind(this._t, this._n, event || undefined, ids);
    return this;
  }

  unbind_global(callback) {
    this._p._w.unbindGlobal(this._t, this._n, callback ? matching(callback) : undefined);
    return this;
  }

  unbind_all() {
    return this.unbind().unbind_global();
  }

  // pusher-js's emit: this target's handlers, called here and now as if the
  // event had come in — its global handlers, then the event's, with `metadata`
  // when given.
  emit(event, data, metadata) {
    const calls = this._p._w.handlers(this._t, this._n, String(event), !!metadata);
    call(resolve(calls), event, data, undefined, metadata);
    return this;
  }
}

// ----- channels ------------------------------------------------------------------------

export class Channel extends Emitter {
  constructor(pusher, name) {
    super(pusher, CHANNEL, name);
    this.name = name;
    this.pusher = pusher;
    if (name.startsWith('presence-')) this.members = new Members(pusher, name);
  }

  get subscribed() {
    return (this._p._w.flags(this.name) & 2) !== 0;
  }

  get subscriptionPending() {
    return (this._p._w.flags(this.name) & 4) !== 0;
  }

  get subscriptionCancelled() {
    return (this._p._w.flags(this.name) & 8) !== 0;
  }

  get subscriptionCount() {
    return this._p._w.count(this.name);
  }

  trigger(event, data) {
    const sent = this._p._w.trigger(this.name, String(event), json(data));
    if (sent.length > 1) raise(sent);
    return sent === 't';
  }
}

// pusher-js's `pusher.channels`. Libraries built on pusher-js read its table:
// Laravel Echo's whisper calls `pusher.channels.channels[name].trigger(…)`. The
// table is a read-only view of the channels the core holds, never a second
// copy that could disagree with it.
export class Channels {
  constructor(pusher) {
    this._p = pusher;
    this.channels = new Proxy(
      {},
      {
        get: (target, name) => (this._holds(name) ? pusher._channel(name) : Reflect.get(target, name)),
        has: (target, name) => this._holds(name) || name in target,
        ownKeys: () => this._names(),
        getOwnPropertyDescriptor: (target, name) =>
          this._holds(name) ? { value: pusher._channel(name), writable: false, enumerable: true, configurable: true } : undefined,
        set: () => false,
        defineProperty: () => false,
        deleteProperty: () => false,
      },
    );
  }

  // Whether the core holds a channel of that name (symbols never name one).
  _holds(name) {
    return typeof name === 'string' && this._p._w.flags(name) !== 0;
  }

  _names() {
    return this._p._w.names().split('\n').filter(Boolean);
  }

  find(name) {
    name = String(name);
    return this._holds(name) ? this._p._channel(name) : undefined;
  }

  all() {
    return this._names().map((name) => this._p._channel(name));
  }
}

export class Members {
  constructor(pusher, name) {
    this._p = pusher;
    this._n = name;
  }

  _read() {
    const text = this._p._w.members(this._n);
    return text ? JSON.parse(text) : { count: 0, myID: null, me: null, list: [] };
  }

  get count() {
    return this._read().count;
  }

  get myID() {
    return this._read().myID;
  }

  get me() {
    return this._read().me;
  }

  get members() {
    const hash = {};
    for (const m of this._read().list) hash[m.id] = m.info;
    return hash;
  }

  get(id) {
    const m = this._read().list.find((x) => x.id === String(id));
    return m ? { id: m.id, info: m.info } : null;
  }

  each(callback) {
    for (const m of this._read().list) callback({ id: m.id, info: m.info });
  }
}

function json(data) {
  return data === undefined ? undefined : JSON.stringify(data);
}

// ----- connection and user ------------------------------------------------------------------

export class ConnectionManager extends Emitter {
  constructor(pusher) {
    super(pusher, CONNECTION);
  }

  get state() {
    return this._p._w.state();
  }

  get socket_id() {
    return this._p._w.socketId();
  }

  isUsingTLS() {
    return this._p._w.tls();
  }

  connect() {
    this._p.connect();
  }

  disconnect() {
    this._p.disconnect();
  }

  send_event(event, data, channel) {
    return this._p.send_event(event, data, channel);
  }
}

export class UserFacade extends Emitter {
  constructor(pusher) {
    super(pusher, USER);
    this.watchlist = new Emitter(pusher, WATCHLIST);
  }

  get user_data() {
    const text = this._p._w.userData();
    return text ? JSON.parse(text) : null;
  }

  signin() {
    this._p.signin();
  }
}

// ----- auth transports -------------------------------------------------------------------------

const AUTH_DEFAULTS = {
  channel: { endpoint: '/pusher/auth', transport: 'ajax' },
  user: { endpoint: '/pusher/user-auth', transport: 'ajax' },
};

function query(fields, options) {
  const parts = [];
  const add = (object) => {
    for (const key in object) {
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(object[key]));
    }
  };
  add(fields);
  add(options.params);
  if (options.paramsProvider) add(options.paramsProvider());
  return parts.join('&');
}

// A form POST that answers `done(status, text)`, status 0 when the request never
// got an answer. Through XMLHttpRequest where there is one; service workers have
// only fetch.
function post(url, headers, body, done) {
  if (typeof XMLHttpRequest === 'undefined') {
    fetch(url, { method: 'POST', headers, body })
      .then((response) => response.text().then((text) => [response.status, text]))
      .then(([status, text]) => done(status, text), () => done(0, ''));
    return;
  }
  const xhr = new XMLHttpRequest();
  xhr.open('POST', url, true);
  for (const name in headers) xhr.setRequestHeader(name, headers[name]);
  xhr.onreadystatechange = () => {
    if (xhr.readyState === 4) done(xhr.status, xhr.responseText);
  };
  xhr.send(body);
}

// pusher-js's ajax transport: a form POST, JSON back.
function ajax(options, kind, fields, callback) {
  const headers = Object.assign(
    { 'Content-Type': 'application/x-www-form-urlencoded' },
    options.headers,
    options.headersProvider && options.headersProvider(),
  );
  post(options.endpoint, headers, query(fields, options), (status, text) => {
    if (status === 200) {
      let data;
      try {
        data = JSON.parse(text);
      } catch (e) {
        callback(new HTTPAuthError(200, `JSON returned from ${kind} endpoint was invalid, yet status code was 200. Data was: ${text}`));
        return;
      }
      callback(null, data);
    } else {
      const help =
        kind === 'user-authentication'
          ? 'See: https://pusher.com/docs/channels/server_api/authenticating_users'
          : 'Clients must be authorized to join private or presence channels. See: https://pusher.com/docs/channels/server_api/authorizing-users/';
      callback(new HTTPAuthError(status, `Unable to retrieve auth string from ${kind} endpoint - received status: ${status} from ${options.endpoint}. ${help}`));
    }
  });
}

// pusher-js's jsonp transport, for endpoints on another origin that answer
// `callback(json)`: a <script> GET whose callback is a key of the global
// `Pusher.auth_callbacks`. Headers cannot travel; a script that fails to load
// is an error without a status (pusher-js never answers then).
let nextAuthCallback = 1;
function jsonp(options, kind, fields, callback) {
  if (options.headers !== undefined || options.headersProvider != null) {
    log(2, `To send headers with the ${kind} request, you must use AJAX, rather than JSONP.`);
  }
  const id = String(nextAuthCallback++);
  const script = document.createElement('script');
  const done = (error, data) => {
    delete Pusher.auth_callbacks[id];
    script.remove();
    callback(error, data);
  };
  Pusher.auth_callbacks[id] = (data) => done(null, data);
  script.onerror = () =>
    done(new Error(`Unable to retrieve auth string from ${kind} endpoint - the JSONP script failed to load from ${options.endpoint}`));
  const name = `Pusher.auth_callbacks['${id}']`;
  script.src = `${options.endpoint}?callback=${encodeURIComponent(name)}&${query(fields, options)}`;
  const head = document.head || document.documentElement;
  head.insertBefore(script, head.firstChild);
}

function handlerFor(options, kind, defaults) {
  options = Object.assign({}, defaults, options);
  if (options.customHandler) return options.customHandler;
  const transport = options.transport === 'jsonp' ? jsonp : ajax;
  if (options.transport !== 'ajax' && transport === ajax) {
    log(2, `auth transport '${options.transport}' is not supported; using 'ajax'`);
  }
  return (params, callback) => {
    const fields = { socket_id: params.socketId };
    if (params.channelName !== undefined) fields.channel_name = params.channelName;
    transport(options, kind, fields, callback);
  };
}

// pusher-js's rules for channelAuthorization and the legacy auth options.
function channelAuthorizer(options, pusher) {
  if ('channelAuthorization' in options) {
    return handlerFor(options.channelAuthorization, 'channel-authorization', AUTH_DEFAULTS.channel);
  }
  const legacy = {
    transport: options.authTransport || 'ajax',
    endpoint: options.authEndpoint || '/pusher/auth',
  };
  if (options.auth) {
    if ('params' in options.auth) legacy.params = options.auth.params;
    if ('headers' in options.auth) legacy.headers = options.auth.headers;
  }
  if (options.authorizer) {
    const generator = options.authorizer;
    const deprecated = {
      authTransport: legacy.transport,
      authEndpoint: legacy.endpoint,
      auth: { params: legacy.params, headers: legacy.headers },
    };
    return (params, callback) =>
      generator(pusher.channel(params.channelName), deprecated).authorize(params.socketId, callback);
  }
  return handlerFor(legacy, 'channel-authorization', AUTH_DEFAULTS.channel);
}

function failure(error) {
  if (error == null) return [0, 'auth failed'];
  const status = error instanceof HTTPAuthError ? error.status : 0;
  return [status, String(error.message !== undefined ? error.message : error)];
}

function text(value) {
  return value == null ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
}

// ----- Pusher --------------------------------------------------------------------------------------

const OTHER_TRANSPORTS = ['xhr_streaming', 'xhr_polling', 'sockjs', 'xdr_streaming', 'xdr_polling'];

function websocketEnabled(options) {
  const enabled = options.enabledTransports;
  const disabled = options.disabledTransports || [];
  for (const t of (enabled || []).concat(disabled)) {
    if (OTHER_TRANSPORTS.includes(t)) log(2, `transport '${t}' is not supported here (WebSocket only); ignored`);
  }
  const usable = (t) => (!enabled || enabled.includes(t)) && !disabled.includes(t);
  return usable('ws') || usable('wss');
}

// A timeout option in ms: a positive number (at most about 24 days, what
// setTimeout can wait), else the default, as pusher-js's `option || default`.
function ms(value, fallback) {
  value = Number(value);
  return value > 0 ? Math.min(value, 0x7fffffff) : fallback;
}

// pusher-js's `pusher.config`: the options resolved with pusher-js's defaults,
// as the client uses them, and the auth handlers built from them.
function resolveConfig(options, pusher) {
  const cluster = options.cluster;
  const config = {
    activityTimeout: ms(options.activityTimeout, 120000),
    cluster,
    httpPath: options.httpPath || '/pusher',
    httpPort: options.httpPort || 80,
    httpsPort: options.httpsPort || 443,
    pongTimeout: ms(options.pongTimeout, 30000),
    statsHost: options.statsHost || 'stats.pusher.com',
    unavailableTimeout: ms(options.unavailableTimeout, 10000),
    wsPath: options.wsPath || '',
    wsPort: options.wsPort || 80,
    wssPort: options.wssPort || 443,
    enableStats: 'enableStats' in options ? options.enableStats : 'disableStats' in options ? !options.disableStats : false,
    httpHost: options.httpHost || (cluster ? `sockjs-${cluster}.pusher.com` : 'sockjs.pusher.com'),
    useTLS: (globalThis.location && location.protocol === 'https:') || options.forceTLS !== false,
    wsHost: options.wsHost || `ws-${cluster}.pusher.com`,
    userAuthenticator: handlerFor(options.userAuthentication, 'user-authentication', AUTH_DEFAULTS.user),
    channelAuthorizer: channelAuthorizer(options, pusher),
  };
  for (const key of ['disabledTransports', 'enabledTransports', 'ignoreNullOrigin', 'timelineParams', 'nacl']) {
    if (key in options) config[key] = options[key];
  }
  return config;
}

// The driver's endpoint arguments.
function endpoint(config) {
  return [config.wsHost, config.wsPort, config.wssPort, config.wsPath, config.useTLS];
}

function randomSeed() {
  const seed = new Uint32Array(2);
  if (globalThis.crypto && crypto.getRandomValues) crypto.getRandomValues(seed);
  else seed[0] = Date.now();
  return seed;
}

export default class Pusher extends Emitter {
  static instances = [];
  static isReady = true;
  // Where JSONP auth answers land (`callback=Pusher.auth_callbacks['1']`).
  static auth_callbacks = {};
  static VERSION = VERSION;

  static get logToConsole() {
    return logToConsole;
  }

  static set logToConsole(value) {
    logToConsole = !!value;
    loggingChanged();
  }

  static get log() {
    return logFunction;
  }

  static set log(fn) {
    logFunction = fn;
    loggingChanged();
  }

  static ready() {
    Pusher.isReady = true;
    for (const p of Pusher.instances) p.connect();
  }

  constructor(appKey, options) {
    if (appKey == null) throw new Error('You must pass your app key when you instantiate Pusher.');
    if (options == null) throw new Error('You must pass an options object');
    if (options.cluster == null) throw new Error('Options object must provide a cluster');
    super(null, GLOBAL);
    this._p = this;
    this.key = appKey;
    this.options = options;
    this._ch = new Map();
    const config = (this.config = resolveConfig(options, this));
    this._w = new WasmClient(
      String(appKey),
      ...endpoint(config),
      [config.activityTimeout, config.pongTimeout, config.unavailableTimeout],
      randomSeed(),
      options.sessionToken,
      !!(logFunction || logToConsole),
      options.batching !== false,
      this,
    );
    this.connection = new ConnectionManager(this);
    this.user = new UserFacade(this);
    this.channels = new Channels(this);
    // pusher-js's emitter of connection-wide events; binding on it is binding on the client.
    this.global_emitter = new Emitter(this, GLOBAL);
    this.sessionID = Math.floor((randomSeed()[0] / 2 ** 32) * 1e9);
    this._ws = websocketEnabled(options);
    Pusher.instances.push(this);
    if (Pusher.isReady) this.connect();
  }

  // Called by the driver: one event, its handlers by id (`id << 2 | how`).
  dispatch(event, kind, text, calls, userId) {
    const targets = resolve(calls);
    const data =
      kind === 1 ? parseData(text)
      : kind === 2 ? JSON.parse(text)
      : kind === 3 ? this._channel(text).members
      : kind === 4 ? messageEvent(text)
      : undefined;
    call(targets, event, data, userId);
  }

  // Called by the driver: an event whose data is that of a frame of the
  // message being handled (parsed here, as pusher-js does, never copied back
  // out of Rust): the whole message when `index` is undefined, else line
  // `index` of a batched message (the core's Lite frame batching). Only a
  // batched message is split: elsewhere a line feed is JSON whitespace.
  frameDispatch(calls, withUser, index) {
    const targets = resolve(calls);
    const frame = index === undefined ? this._frame : (this._frames ||= this._frame.split('\n'))[index];
    let message;
    try {
      message = JSON.parse(frame);
    } catch (error) {
      report(error);
      return;
    }
    const data = typeof message.data === 'string' ? parseData(message.data) : message.data;
    call(targets, message.event, data, withUser ? message.user_id : undefined);
  }

  // Called by the driver for each WebSocket it opens: its events become inputs.
  watch(ws, handle) {
    const w = this._w;
    ws.onopen = () => w.opened(handle);
    ws.onmessage = (event) => {
      // Read once: each read of a MessageEvent's data may build the string anew.
      const text = event.data;
      // Binary frames are not part of the protocol: ignored.
      if (typeof text !== 'string') return;
      this._frame = text;
      try {
        w.message(handle, text, event.timeStamp);
      } finally {
        this._frame = this._frames = undefined;
      }
    };
    ws.onclose = (event) => w.closed(handle, event.code, event.reason);
    ws.onerror = () => w.errored(handle);
  }

  // Called by the driver: authorize a channel, or (no channel) authenticate the user.
  authorize(request, channel, socketId) {
    const w = this._w;
    let answered = false;
    const once = (fn) => (error, data) => {
      if (answered) return;
      answered = true;
      if (error || !data) {
        const [status, message] = failure(error);
        fn(undefined, undefined, status, message);
      } else {
        fn(text(data.auth), data, 0, undefined);
      }
    };
    try {
      if (channel === undefined) {
        this.config.userAuthenticator(
          { socketId },
          once((auth, data, status, message) => w.authenticated(request, auth, data && text(data.user_data), status, message)),
        );
      } else {
        this.config.channelAuthorizer(
          { socketId, channelName: channel },
          once((auth, data, status, message) =>
            w.authorized(request, auth, data && text(data.channel_data), data && text(data.shared_secret), status, message),
          ),
        );
      }
    } catch (error) {
      const [status, message] = failure(error);
      if (!answered) {
        answered = true;
        if (channel === undefined) w.authenticated(request, undefined, undefined, status, message);
        else w.authorized(request, undefined, undefined, undefined, status, message);
      }
    }
  }

  // Called by the driver: a log line.
  log(level, message) {
    log(level, message);
  }

  _channel(name) {
    let channel = this._ch.get(name);
    if (!channel) {
      channel = new Channel(this, name);
      this._ch.set(name, channel);
    }
    return channel;
  }

  channel(name) {
    return this.channels.find(name);
  }

  allChannels() {
    return this.channels.all();
  }

  // pusher-js runs it after each connect; the core resubscribes by itself, so
  // here it only subscribes what is held and not yet subscribed or pending.
  subscribeAll() {
    for (const channel of this.allChannels()) this.subscribe(channel.name);
  }

  subscribe(name) {
    name = String(name);
    if (!this._w.flags(name)) this._ch.delete(name);
    const error = this._w.subscribe(name);
    if (error) raise(error);
    return this._channel(name);
  }

  unsubscribe(name) {
    this._w.unsubscribe(String(name));
  }

  connect() {
    if (this._ws) this._w.connect();
    else this._w.unsupported();
  }

  disconnect() {
    this._w.disconnect();
  }

  send_event(event, data, channel) {
    return this._w.send(event, json(data), channel);
  }

  signin() {
    this._w.signin();
  }

  shouldUseTLS() {
    return this._w.tls();
  }

  switchCluster({ appKey, cluster }) {
    this.key = appKey;
    this.options = Object.assign({}, this.options, { cluster });
    this.config = resolveConfig(this.options, this);
    this._w.switchTo(String(appKey), ...endpoint(this.config));
  }
}

// The handlers of `calls` (a view of WebAssembly memory: read it at once).
function resolve(calls) {
  const targets = [];
  for (let i = 0; i < calls.length; i++) targets.push(handlers.get(calls[i] >>> 2), calls[i] & 3);
  return targets;
}

// pusher-js's call shapes: fn(event, data) for globals, fn(data[, metadata]) else;
// the metadata is `metadata`, or made (once) of the sender's `userId`.
function call(targets, event, data, userId, metadata) {
  for (let i = 0; i < targets.length; i += 2) {
    const handler = targets[i];
    if (!handler) continue;
    const how = targets[i + 1];
    const fn = handler[0];
    const context = handler[1] || globalThis;
    try {
      if (how === 0) fn(event, data);
      else if (how === 2) fn.call(context, data, metadata || (metadata = userId ? { user_id: userId } : {}));
      else if (data) fn.call(context, data);
      else fn.call(context);
    } catch (error) {
      report(error);
    }
  }
}

function messageEvent(text) {
  const message = JSON.parse(text);
  if (typeof message.data === 'string') message.data = parseData(message.data);
  return message;
}

// ----- PusherLite ----------------------------------------------------------------------------------

// The Ex Pusher Lite client API: a session JWT instead of an auth endpoint, and
// client events with any (non-reserved) name, echoed to the sender.
export class PusherLite {
  constructor(appKey, opts = {}) {
    if (!appKey) throw new Error('must set the application key to connect to');
    if (!opts.jwt) throw new Error('must set a valid authenticated JWT');
    if (!opts.uniqueUserId) throw new Error('must set a unique identifier for this client');
    this.appKey = appKey;
    this.jwt = opts.jwt;
    this.uniqueUserId = opts.uniqueUserId;
    let host = opts.host || (globalThis.location ? location.hostname : 'localhost');
    let port = opts.port;
    const colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(']', colon) < 0) {
      port = port || Number(host.slice(colon + 1));
      host = host.slice(0, colon);
    }
    this.host = host;
    this.pusher = new Pusher(appKey, {
      cluster: '',
      wsHost: host,
      wsPort: port || 80,
      wssPort: port || 443,
      forceTLS: !!opts.ssl,
      sessionToken: opts.jwt,
    });
    this.connection = this.pusher.connection;
    this.channels = {};
  }

  subscribe(topic) {
    const channel = this.pusher.subscribe(topic);
    this.channels[topic] = channel;
    return channel;
  }

  joinAll() {
    for (const topic in this.channels) this.channels[topic] = this.pusher.subscribe(topic);
  }

  channel(topic) {
    return this.pusher.channel(topic);
  }

  bind(event, callback, context) {
    this.pusher.bind(event, callback, context);
    return this;
  }

  disconnect() {
    this.pusher.disconnect();
  }
}
