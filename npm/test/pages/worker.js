// A dedicated worker that loads the <script> bundle with importScripts and
// reports to its page what it sees.
importScripts('/dist/pusher.js');
const query = new URLSearchParams(location.search);
const pusher = new Pusher(query.get('key'), {
  cluster: 'mt1',
  wsHost: '127.0.0.1',
  wsPort: Number(query.get('port')),
  forceTLS: false,
  enabledTransports: ['ws'],
  channelAuthorization: { endpoint: '/pusher/auth', transport: 'ajax' },
});
const channel = pusher.subscribe('private-worker');
channel.bind('pusher:subscription_succeeded', () => postMessage(['subscribed', pusher.connection.state]));
channel.bind('hello', (data) => postMessage(['hello', data]));
