// A service worker that loads the <script> bundle with importScripts and tells
// its page, over a BroadcastChannel, what it sees. Service workers have no
// XMLHttpRequest: the private channel's authorization must go through fetch.
importScripts('/dist/pusher.js');
const query = new URLSearchParams(location.search);
const report = new BroadcastChannel('service-worker-test');
const pusher = new Pusher(query.get('key'), {
  cluster: 'mt1',
  wsHost: '127.0.0.1',
  wsPort: Number(query.get('port')),
  forceTLS: false,
  enabledTransports: ['ws'],
  channelAuthorization: { endpoint: '/pusher/auth', headers: { 'X-Static': 'service-worker' } },
});
const channel = pusher.subscribe('private-service-worker');
channel.bind('pusher:subscription_succeeded', () => report.postMessage(['subscribed', typeof XMLHttpRequest]));
channel.bind('hello', (data) => report.postMessage(['hello', data]));
// Refused and garbled answers reach subscription_error as they do through XHR.
for (const name of ['private-forbidden', 'private-garbled']) {
  pusher.subscribe(name).bind('pusher:subscription_error', (error) => report.postMessage([name, error.type, error.status, error.error]));
}
