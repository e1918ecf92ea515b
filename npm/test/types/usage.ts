// Every part of the API, as a TypeScript user writes it; `tsc --strict` must accept
// it, and must reject the lines marked @ts-expect-error.
import Pusher, {
  PusherLite,
  Channel,
  PresenceChannel,
  Members,
  Options,
  AuthError,
  StateChange,
  ConnectionError,
  ChannelAuthorizationHandler,
  BadEventName,
  HTTPAuthError,
  VERSION,
} from '../../dist/pusher';

const handler: ChannelAuthorizationHandler = ({ socketId, channelName }, callback) => {
  callback(null, { auth: `${socketId}:${channelName}` });
};

const options: Options = {
  cluster: 'eu',
  wsHost: '127.0.0.1',
  wsPort: 6001,
  wssPort: 6001,
  wsPath: '',
  forceTLS: false,
  enabledTransports: ['ws', 'wss'],
  disabledTransports: ['sockjs'],
  activityTimeout: 120000,
  pongTimeout: 30000,
  unavailableTimeout: 10000,
  channelAuthorization: { customHandler: handler },
  userAuthentication: {
    endpoint: '/pusher/user-auth',
    transport: 'ajax',
    params: { a: 1 },
    headers: { 'X-A': 'b' },
    paramsProvider: () => ({ b: 2 }),
    headersProvider: () => ({ 'X-B': 'c' }),
  },
  authEndpoint: '/pusher/auth',
  auth: { params: { c: 3 }, headers: { 'X-C': 'd' } },
  authorizer: (channel, opts) => ({
    authorize: (socketId, callback) => callback(null, { auth: channel.name + opts.authEndpoint + socketId }),
  }),
  batching: false,
};

Pusher.logToConsole = true;
Pusher.log = (message: string) => console.log(message);
const pusher = new Pusher('key', options);
const version: string = VERSION;

pusher.connection.bind('state_change', (change?: StateChange) => change?.current);
pusher.connection.bind('error', (error?: ConnectionError) => error?.type);
const state: 'initialized' | 'connecting' | 'connected' | 'unavailable' | 'failed' | 'disconnected' = pusher.connection.state;
const socketId: string | undefined = pusher.connection.socket_id;

const channel: Channel = pusher.subscribe('private-x');
channel
  .bind('event', (data: any, metadata?: { user_id?: string }) => metadata?.user_id, {})
  .bind('pusher:subscription_error', (error?: AuthError) => error?.status)
  .bind_global((event: string, data: any) => event)
  .unbind('event')
  .unbind(null, null, {})
  .unbind_global()
  .unbind_all();
const sent: boolean = channel.trigger('client-x', { a: 1 });
channel.emit('event', { a: 1 }, { user_id: 'ann' }).emit('pusher:subscription_succeeded');
pusher.connection.emit('state_change', { previous: 'connecting', current: 'connected' });
const jsonpAnswers: Record<string, (data: any) => void> = Pusher.auth_callbacks;
new Pusher('key', { cluster: 'mt1', channelAuthorization: { endpoint: 'https://auth.example.com/pusher/auth', transport: 'jsonp' } });
const flags: [boolean, boolean, number | undefined] = [channel.subscribed, channel.subscriptionPending, channel.subscriptionCount];

const room: PresenceChannel<{ name: string }> = pusher.subscribe('presence-room');
const members: Members<{ name: string }> = room.members;
members.each((m) => m.info.name.toUpperCase());
const me = members.me;
const count: number = members.count;
const myId: string | null = members.myID;
const bob = members.get('bob');

const held: Channel | undefined = pusher.channels.channels['private-x'];
const found: Channel | undefined = pusher.channels.find('private-x');
const table: Channel[] = pusher.channels.all();
const activity: number = pusher.config.activityTimeout;
const useTLS: boolean = pusher.config.useTLS;
pusher.config.channelAuthorizer({ socketId: '1.2', channelName: 'private-x' }, (error, data) => data?.auth);
pusher.global_emitter.bind('event', (data: any) => data);
const session: number = pusher.sessionID;
pusher.subscribeAll();
// @ts-expect-error the channel table is read-only
pusher.channels.channels['private-y'] = channel;

pusher.bind('event', () => {}).bind_global(() => {}).unbind_global().unbind_all();
pusher.signin();
pusher.user.bind('greet', (data: any) => data);
pusher.user.watchlist.bind('online', (event: any) => event);
const userData = pusher.user.user_data;
const all: Channel[] = pusher.allChannels();
const maybe: Channel | undefined = pusher.channel('x');
pusher.unsubscribe('private-x');
pusher.send_event('client-x', {}, 'private-x');
pusher.switchCluster({ appKey: 'other', cluster: 'us2' });
pusher.disconnect();
pusher.connect();

const lite = new PusherLite('app-key', { host: 'localhost:6001', jwt: 'jwt', uniqueUserId: 'robot', ssl: false });
lite.subscribe('general').bind('new_message', (payload: { name: string; message: string }) => payload.name);
lite.joinAll();
window.PusherLite === PusherLite;
window.Pusher === Pusher;

try {
  channel.trigger('bad', {});
} catch (e) {
  if (e instanceof BadEventName || e instanceof HTTPAuthError) console.log(e.message);
}

// @ts-expect-error: cluster is required, as in pusher-js 8
new Pusher('key', { wsHost: 'x' });
// @ts-expect-error: the event name is a string
channel.trigger(42, {});
// @ts-expect-error: PusherLite needs a jwt
new PusherLite('key', { uniqueUserId: 'x' });

export { version, state, socketId, sent, flags, me, count, myId, bob, userData, all, maybe };
