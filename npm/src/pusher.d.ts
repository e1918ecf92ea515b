// Types of the pusher-lite package: the pusher-js 8 API (`Pusher`) and the
// Ex Pusher Lite API (`PusherLite`). Also describes `window.Pusher` and
// `window.PusherLite` when dist/pusher.js is loaded by a <script> tag.

export type ConnectionState =
  | 'initialized'
  | 'connecting'
  | 'connected'
  | 'unavailable'
  | 'failed'
  | 'disconnected';

export type Transport = 'ws' | 'wss' | 'xhr_streaming' | 'xhr_polling' | 'sockjs';
export type AuthTransport = 'ajax' | 'jsonp';

// ----- auth ------------------------------------------------------------------------

export interface ChannelAuthorizationData {
  auth: string;
  channel_data?: string;
  shared_secret?: string;
}

export type ChannelAuthorizationCallback = (
  error: Error | null,
  authData: ChannelAuthorizationData | null,
) => void;

export interface ChannelAuthorizationRequestParams {
  socketId: string;
  channelName: string;
}

export type ChannelAuthorizationHandler = (
  params: ChannelAuthorizationRequestParams,
  callback: ChannelAuthorizationCallback,
) => void;

export interface UserAuthenticationData {
  auth: string;
  user_data: string;
}

export type UserAuthenticationCallback = (
  error: Error | null,
  authData: UserAuthenticationData | null,
) => void;

export interface UserAuthenticationRequestParams {
  socketId: string;
}

export type UserAuthenticationHandler = (
  params: UserAuthenticationRequestParams,
  callback: UserAuthenticationCallback,
) => void;

/**
 * An auth endpoint: a form POST of `socket_id` (and `channel_name`) answered
 * with JSON, or with `jsonp` a script GET of the same fields and `callback`,
 * answered with `callback(json)` (no headers).
 */
export interface InternalAuthOptions {
  transport?: AuthTransport;
  endpoint?: string;
  params?: Record<string, unknown>;
  headers?: Record<string, string>;
  paramsProvider?: () => Record<string, unknown>;
  headersProvider?: () => Record<string, string>;
}

export interface CustomAuthOptions<Handler> {
  customHandler: Handler;
}

export type AuthOptions<Handler> = InternalAuthOptions | CustomAuthOptions<Handler>;
export type ChannelAuthorizationOptions = AuthOptions<ChannelAuthorizationHandler>;
export type UserAuthenticationOptions = AuthOptions<UserAuthenticationHandler>;

/** Legacy `auth` option. */
export interface DeprecatedAuthOptions {
  params?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface DeprecatedAuthorizerOptions {
  authTransport: AuthTransport;
  authEndpoint: string;
  auth?: DeprecatedAuthOptions;
}

export interface DeprecatedChannelAuthorizer {
  authorize(socketId: string, callback: ChannelAuthorizationCallback): void;
}

export type ChannelAuthorizerGenerator = (
  channel: Channel,
  options: DeprecatedAuthorizerOptions,
) => DeprecatedChannelAuthorizer;

// ----- options -----------------------------------------------------------------------

export interface Options {
  /** Required, as in pusher-js 8; picks `ws-{cluster}.pusher.com` unless `wsHost` is set. */
  cluster: string;
  wsHost?: string;
  wsPort?: number;
  wssPort?: number;
  wsPath?: string;
  /** TLS unless `false` (always TLS on https pages). */
  forceTLS?: boolean;
  /** WebSocket is the only transport; other names are ignored with a log line. */
  enabledTransports?: Transport[];
  disabledTransports?: Transport[];
  activityTimeout?: number;
  pongTimeout?: number;
  unavailableTimeout?: number;
  channelAuthorization?: ChannelAuthorizationOptions;
  userAuthentication?: UserAuthenticationOptions;
  /** @deprecated use channelAuthorization */
  authEndpoint?: string;
  /** @deprecated use channelAuthorization */
  authTransport?: AuthTransport;
  /** @deprecated use channelAuthorization */
  auth?: DeprecatedAuthOptions;
  /** @deprecated use channelAuthorization.customHandler */
  authorizer?: ChannelAuthorizerGenerator;
  /** Lite extension: a session JWT that authorizes subscriptions and Lite client events. */
  sessionToken?: string;
  /**
   * Lite extension: ask the server to put several frames in one WebSocket
   * message under load (far fewer messages for the browser to deliver). On by
   * default; a server that does not support it ignores the request.
   */
  batching?: boolean;
  /** Accepted for compatibility; ignored (no HTTP fallback, no stats). */
  httpHost?: string;
  httpPort?: number;
  httpsPort?: number;
  httpPath?: string;
  enableStats?: boolean;
  disableStats?: boolean;
  statsHost?: string;
  timelineParams?: unknown;
  ignoreNullOrigin?: boolean;
  /** Accepted for compatibility; encryption is built in. */
  nacl?: unknown;
}

/** `pusher.config`: the options resolved with pusher-js's defaults, as the client uses them. */
export interface Config {
  activityTimeout: number;
  pongTimeout: number;
  unavailableTimeout: number;
  cluster?: string;
  wsHost: string;
  wsPort: number;
  wssPort: number;
  wsPath: string;
  useTLS: boolean;
  httpHost: string;
  httpPort: number;
  httpsPort: number;
  httpPath: string;
  statsHost: string;
  enableStats: boolean;
  channelAuthorizer: ChannelAuthorizationHandler;
  userAuthenticator: UserAuthenticationHandler;
  enabledTransports?: Transport[];
  disabledTransports?: Transport[];
  ignoreNullOrigin?: boolean;
  timelineParams?: unknown;
  nacl?: unknown;
}

export interface ClusterOptions {
  appKey: string;
  cluster: string;
}

// ----- events --------------------------------------------------------------------------

export interface Metadata {
  /** Sender of a client event on a presence channel. */
  user_id?: string;
}

export type EventCallback = (data?: any, metadata?: Metadata) => void;
export type GlobalCallback = (eventName: string, data?: any) => void;

export declare class EventsDispatcher {
  bind(eventName: string, callback: EventCallback, context?: any): this;
  bind_global(callback: GlobalCallback): this;
  unbind(eventName?: string | null, callback?: Function | null, context?: any): this;
  unbind_global(callback?: Function): this;
  unbind_all(): this;
  /**
   * Calls this emitter's handlers now, as if `eventName` had arrived: the
   * global handlers with `(eventName, data)`, then the event's with `data`
   * (and `metadata` when given). Nothing is sent.
   */
  emit(eventName: string, data?: any, metadata?: Metadata): this;
}

export interface StateChange {
  previous: ConnectionState;
  current: ConnectionState;
}

/** What `connection.bind('error', …)` receives. */
export type ConnectionError =
  | { type: 'PusherError'; data: { code: number | null; message: string } }
  | { type: 'WebSocketError'; error: any }
  | { type: 'MessageParseError'; error: string; data: string }
  | { type: 'HandshakeError'; error: string };

/** What `pusher:subscription_error` and `pusher:signin_error` receive. */
export interface AuthError {
  type: 'AuthError';
  error: string;
  status?: number;
}

// ----- channels --------------------------------------------------------------------------

export declare class Channel extends EventsDispatcher {
  readonly name: string;
  readonly pusher: Pusher;
  readonly subscribed: boolean;
  readonly subscriptionPending: boolean;
  readonly subscriptionCancelled: boolean;
  /** The last `pusher:subscription_count` (not sent for presence channels). */
  readonly subscriptionCount: number | undefined;
  /**
   * Sends a client event. Pusher rules: the name starts with `client-` (else
   * `BadEventName`), never on encrypted channels (`UnsupportedFeature`).
   * Returns whether it was sent (false when not connected).
   */
  trigger(eventName: string, data?: any): boolean;
}

export interface Member<Info = any> {
  id: string;
  info: Info;
}

export declare class Members<Info = any> {
  readonly count: number;
  readonly myID: string | null;
  readonly me: Member<Info> | null;
  /** id → info */
  readonly members: Record<string, Info>;
  get(id: string): Member<Info> | null;
  each(callback: (member: Member<Info>) => void): void;
}

export declare class PresenceChannel<Info = any> extends Channel {
  readonly members: Members<Info>;
}

/**
 * `pusher.channels`: the channels the client holds. `channels` is a read-only,
 * live table by name (what Laravel Echo's `whisper` reads).
 */
export declare class Channels {
  readonly channels: Readonly<Record<string, Channel>>;
  find(name: string): Channel | undefined;
  all(): Channel[];
}

// ----- connection and user ------------------------------------------------------------------

export declare class ConnectionManager extends EventsDispatcher {
  readonly state: ConnectionState;
  readonly socket_id: string | undefined;
  isUsingTLS(): boolean;
  connect(): void;
  disconnect(): void;
  send_event(eventName: string, data: any, channel?: string): boolean;
}

export declare class WatchlistFacade extends EventsDispatcher {}

export declare class UserFacade extends EventsDispatcher {
  readonly watchlist: WatchlistFacade;
  /** The signed-in user's data, once signed in. */
  readonly user_data: ({ id: string } & Record<string, any>) | null;
  signin(): void;
}

// ----- errors -------------------------------------------------------------------------------

export declare class BadEventName extends Error {}
export declare class BadChannelName extends Error {}
export declare class UnsupportedFeature extends Error {}
export declare class HTTPAuthError extends Error {
  status: number;
  constructor(status: number, message?: string);
}

// ----- Pusher --------------------------------------------------------------------------------

export declare class Pusher extends EventsDispatcher {
  static instances: Pusher[];
  static isReady: boolean;
  static VERSION: string;
  /** Where answers of the `jsonp` auth transport land, by request id. */
  static auth_callbacks: Record<string, (data: any) => void>;
  /** Log to the console (the Pusher.log function, when set, takes precedence). */
  static logToConsole: boolean;
  static log: ((message: string) => void) | undefined;
  static ready(): void;
  static PusherLite: typeof PusherLite;
  static Channel: typeof Channel;
  static Members: typeof Members;
  static BadEventName: typeof BadEventName;
  static BadChannelName: typeof BadChannelName;
  static UnsupportedFeature: typeof UnsupportedFeature;
  static HTTPAuthError: typeof HTTPAuthError;

  constructor(appKey: string, options: Options);

  readonly key: string;
  readonly options: Options;
  readonly connection: ConnectionManager;
  readonly user: UserFacade;
  readonly config: Config;
  readonly channels: Channels;
  /** Binding here is binding on the client itself (pusher-js keeps both). */
  readonly global_emitter: EventsDispatcher;
  readonly sessionID: number;

  subscribe(channelName: `presence-${string}`): PresenceChannel;
  subscribe(channelName: string): Channel;
  unsubscribe(channelName: string): void;
  channel(channelName: `presence-${string}`): PresenceChannel | undefined;
  channel(channelName: string): Channel | undefined;
  allChannels(): Channel[];
  /** Subscribes every held channel that is neither subscribed nor pending. */
  subscribeAll(): void;
  connect(): void;
  disconnect(): void;
  send_event(eventName: string, data: any, channel?: string): boolean;
  signin(): void;
  shouldUseTLS(): boolean;
  switchCluster(options: ClusterOptions): void;
}

export default Pusher;
export declare const VERSION: string;

// ----- PusherLite ------------------------------------------------------------------------------

export interface PusherLiteOptions {
  /** `host` or `host:port` of the PusherLite server. */
  host?: string;
  /** The session JWT from `POST /api/sessions`. */
  jwt: string;
  uniqueUserId: string;
  ssl?: boolean;
  port?: number;
}

/**
 * The Ex Pusher Lite client: channels authorized by the session JWT; client
 * events with any name that is not reserved, delivered to every subscriber,
 * the sender included.
 */
export declare class PusherLite {
  constructor(appKey: string, options: PusherLiteOptions);
  readonly appKey: string;
  readonly jwt: string;
  readonly uniqueUserId: string;
  readonly host: string;
  readonly pusher: Pusher;
  readonly connection: ConnectionManager;
  readonly channels: Record<string, Channel>;
  subscribe(topic: string): Channel;
  joinAll(): void;
  channel(topic: string): Channel | undefined;
  bind(eventName: string, callback: EventCallback, context?: any): this;
  disconnect(): void;
}

declare global {
  interface Window {
    Pusher: typeof Pusher;
    PusherLite: typeof PusherLite;
  }
}
