// A worker — dedicated, or a service worker — that loads the <script> bundle
// with importScripts and reports to its page what it sees: a dedicated worker
// by postMessage, a service worker (no page of its own) over a BroadcastChannel.
// Service workers have no XMLHttpRequest: their authorization goes through fetch.
importScripts('/dist/pusher.js');
const query = new URLSearchParams(location.search);
const broadcast = self.registration && new BroadcastChannel('service-worker-test');
const report = (message) => (broadcast ? broadcast.postMessage(message) : postMessage(message));
const pusher = new Pusher(query.get('key'), {
  cluster: 'mt1',
  wsHost: '127.0.0.1',
  wsPort: Number(query.get('port')),
  forceTLS: false,
  enabledTransports: ['ws'],
  channelAuthorization: { endpoint: '/pusher/auth', headers: { 'X-Static': query.get('channel') } },
});
const channel = pusher.subscribe(query.get('channel'));
channel.bind('pusher:subscription_succeeded', () => report(['subscribed', pusher.connection.state, typeof XMLHttpRequest]));
channel.bind('hello', (data) => report(['hello', data]));
// Refused and garbled answers reach subscription_error as they do on a page.
for (const name of ['private-forbidden', 'private-garbled']) {
  pusher.subscribe(name).bind('pusher:subscription_error', (error) => report([name, error.type, error.status, error.error]));
}
