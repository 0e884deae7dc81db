import { Type, type Static } from '@sinclair/typebox';

/**
 * The one configuration schema, for the JSON file and the environment. Adapters are chosen by URL:
 * `memory:`, `chdb:<dir>`, `file:<path>`, later `kafka://…`, `redis://…`, `clickhouse://…`.
 */
export const ConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'address the API listens on' }),
    port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
    workerPort: Type.Integer({ default: 9464, minimum: 0, maximum: 65535, description: 'port of the worker\'s /metrics and /healthz' }),
    logLevel: Type.Union(
      [Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')],
      { default: 'info' },
    ),
    bus: Type.String({ default: 'memory:', pattern: '^(memory:|kafka://.+)$', description: 'event bus URL' }),
    featureStore: Type.String({
      default: 'memory:.data/features',
      pattern: '^(memory:.*|rediss?(\\+cluster)?://.+)$',
      description: 'feature store URL; memory:<dir> keeps a snapshot per tenant in <dir>, memory: keeps none',
    }),
    eventStore: Type.String({
      default: 'chdb:.data/events',
      pattern: '^(memory:|chdb:.+|clickhouse://.+|https?://.+)$',
      description: 'event store URL',
    }),
    deadLetters: Type.String({
      default: 'file:.data/dead-letters.ndjson',
      pattern: '^(memory:|file:.+|kafka://.+)$',
      description: 'where rejected events go',
    }),
    ingest: Type.Object(
      {
        maxAheadMs: Type.Integer({
          default: 86_400_000,
          minimum: 0,
          maximum: 31_536_000_000,
          description: 'how far ahead of the clock an event\'s ts may be (ms); later events are rejected, naming ts',
        }),
        earliestTs: Type.Integer({
          default: 946_684_800_000,
          minimum: 0,
          maximum: 8_640_000_000_000_000,
          description: 'the earliest ts accepted (ms since the epoch; default 2000-01-01): replays of old logs are normal, older events are rejected',
        }),
        deadLetterFileBytes: Type.Integer({
          default: 67_108_864,
          minimum: 4096,
          maximum: 1_099_511_627_776,
          description: 'a file: dead-letter sink starts a new file once the current one reaches this size (bytes)',
        }),
        deadLetterFiles: Type.Integer({
          default: 8,
          minimum: 1,
          maximum: 10_000,
          description: 'dead-letter files kept, the current one included; the oldest rotated file is deleted past it',
        }),
        deadLetterRedact: Type.Union([Type.Literal('off'), Type.Literal('hash'), Type.Literal('drop')], {
          default: 'off',
          description: 'personal fields (user_id, session_id, query, review text) in dead letters: kept (off), replaced by a SHA-256 digest (hash) or removed (drop)',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    modelDir: Type.String({ default: '.data/models', minLength: 1, description: 'model registry directory' }),
    index: Type.Object(
      {
        dim: Type.Integer({ default: 64, minimum: 8, maximum: 1024 }),
        efSearch: Type.Integer({ default: 200, minimum: 10, maximum: 2000 }),
        M: Type.Integer({ default: 16, minimum: 4, maximum: 96 }),
      },
      { default: {}, additionalProperties: false },
    ),
    cache: Type.Object(
      {
        entries: Type.Integer({
          default: 20_000,
          minimum: 0,
          maximum: 10_000_000,
          description: 'computed lists kept per tenant for repeated requests (embedded bus); 0 = every request computes',
        }),
        maxAgeMs: Type.Integer({
          default: 5_000,
          minimum: 0,
          maximum: 3_600_000,
          description: 'how long a kept list is served at most: the lag of other shoppers\' events (a shopper\'s own events, catalog changes of its items and a model swap apply at once)',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    snapshot: Type.Object(
      {
        intervalMs: Type.Integer({
          default: 60_000,
          minimum: 0,
          maximum: 86_400_000,
          description: 'memory feature store (memory:<dir>): how often each tenant\'s snapshot is written when its state changed; a crash loses at most this much; 0 = only at a stop',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    sequenceThread: Type.Boolean({
      default: true,
      description: 'keep each tenant\'s sequence model on a thread of its own, so scoring runs beside the serving thread (pays off with two or more cores); false = in the serving thread',
    }),
    auth: Type.Object(
      {
        mode: Type.Union([Type.Literal('keys'), Type.Literal('off')], {
          default: 'keys',
          description: 'keys: every API route needs an API key with its scope; off: no key needed, allowed only when host is a loopback address (npm start uses it)',
        }),
        cacheMs: Type.Integer({
          default: 500,
          minimum: 0,
          maximum: 1_000,
          description: 'how long a replica trusts a key it read from Redis: a revoked key is refused everywhere within this time',
        }),
        opsPort: Type.Integer({
          default: 0,
          minimum: 0,
          maximum: 65535,
          description: 'a second port on the same host serving /metrics, /healthz, /readyz and /docs/json without a key; 0 = none (/metrics and /docs need the admin scope on the API port)',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    demo: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'seed a simulated storefront at start (embedded mode)' }),
        seed: Type.Integer({ default: 42 }),
        items: Type.Integer({ default: 2000, minimum: 0, maximum: 1_000_000 }),
        users: Type.Integer({ default: 300, minimum: 1, maximum: 1_000_000 }),
        events: Type.Integer({ default: 20_000, minimum: 0, maximum: 10_000_000 }),
        rate: Type.Number({ default: 20, minimum: 0, maximum: 100_000, description: 'live simulated events/s after seeding; 0 = none' }),
      },
      { default: {}, additionalProperties: false },
    ),
    // Limits of the HTTP server: timeouts, browser origins and request rates.
    http: Type.Object(
      {
        requestTimeoutMs: Type.Integer({
          default: 30_000, minimum: 1, maximum: 3_600_000,
          description: 'most time to receive a whole request (headers and body); then 408 and the connection is closed',
        }),
        headersTimeoutMs: Type.Integer({
          default: 10_000, minimum: 1, maximum: 3_600_000,
          description: 'most time to receive the request headers; at most requestTimeoutMs',
        }),
        connectionTimeoutMs: Type.Integer({
          default: 120_000, minimum: 1, maximum: 3_600_000,
          description: 'a socket silent this long (no byte either way) is closed',
        }),
        keepAliveTimeoutMs: Type.Integer({
          default: 72_000, minimum: 1, maximum: 3_600_000,
          description: 'an idle keep-alive connection is closed after this long (above a load balancer\'s idle timeout, often 60 s)',
        }),
        cors: Type.Object(
          {
            origins: Type.Array(Type.String({ pattern: '^https?://[^/\\s*]+$', description: 'an exact origin, e.g. https://shop.example' }), {
              default: [], maxItems: 1000, uniqueItems: true,
              description: 'browser origins allowed to call the API (CORS); empty = CORS off. Exact origins only, no wildcard',
            }),
            credentials: Type.Boolean({ default: false, description: 'let those browsers send cookies and HTTP auth (Access-Control-Allow-Credentials)' }),
            maxAgeSeconds: Type.Integer({ default: 600, minimum: 0, maximum: 86_400, description: 'how long a browser keeps a preflight answer' }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    rateLimit: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: 'token buckets per API key and per tenant; 429 rate_limited past them' }),
        perKey: Type.Object(
          {
            ratePerSecond: Type.Number({ default: 100, exclusiveMinimum: 0, maximum: 1_000_000, description: 'requests per second one API key (or, without keys, one client address) sustains' }),
            burst: Type.Integer({ default: 200, minimum: 1, maximum: 10_000_000, description: 'requests one key may make at once after being idle' }),
          },
          { default: {}, additionalProperties: false },
        ),
        perTenant: Type.Object(
          {
            ratePerSecond: Type.Number({ default: 1_000, exclusiveMinimum: 0, maximum: 1_000_000, description: 'requests per second all keys of one tenant sustain together' }),
            burst: Type.Integer({ default: 2_000, minimum: 1, maximum: 10_000_000 }),
          },
          { default: {}, additionalProperties: false },
        ),
        redisTimeoutMs: Type.Integer({
          default: 250, minimum: 1, maximum: 10_000,
          description: 'with a Redis feature store the buckets are shared in Redis; a take without an answer this long lets the request through',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

/** Environment variables and the config keys they set. */
export const ENV_KEYS: Record<string, { path: string[]; kind: 'string' | 'integer' | 'number' | 'boolean' }> = {
  MERIDIAN_HOST: { path: ['host'], kind: 'string' },
  MERIDIAN_PORT: { path: ['port'], kind: 'integer' },
  MERIDIAN_WORKER_PORT: { path: ['workerPort'], kind: 'integer' },
  MERIDIAN_LOG_LEVEL: { path: ['logLevel'], kind: 'string' },
  MERIDIAN_BUS: { path: ['bus'], kind: 'string' },
  MERIDIAN_FEATURE_STORE: { path: ['featureStore'], kind: 'string' },
  MERIDIAN_EVENT_STORE: { path: ['eventStore'], kind: 'string' },
  MERIDIAN_DEAD_LETTERS: { path: ['deadLetters'], kind: 'string' },
  MERIDIAN_INGEST_MAX_AHEAD_MS: { path: ['ingest', 'maxAheadMs'], kind: 'integer' },
  MERIDIAN_INGEST_EARLIEST_TS: { path: ['ingest', 'earliestTs'], kind: 'integer' },
  MERIDIAN_DEAD_LETTER_FILE_BYTES: { path: ['ingest', 'deadLetterFileBytes'], kind: 'integer' },
  MERIDIAN_DEAD_LETTER_FILES: { path: ['ingest', 'deadLetterFiles'], kind: 'integer' },
  MERIDIAN_DEAD_LETTER_REDACT: { path: ['ingest', 'deadLetterRedact'], kind: 'string' },
  MERIDIAN_MODEL_DIR: { path: ['modelDir'], kind: 'string' },
  MERIDIAN_INDEX_DIM: { path: ['index', 'dim'], kind: 'integer' },
  MERIDIAN_INDEX_EF_SEARCH: { path: ['index', 'efSearch'], kind: 'integer' },
  MERIDIAN_INDEX_M: { path: ['index', 'M'], kind: 'integer' },
  MERIDIAN_CACHE_ENTRIES: { path: ['cache', 'entries'], kind: 'integer' },
  MERIDIAN_CACHE_MAX_AGE_MS: { path: ['cache', 'maxAgeMs'], kind: 'integer' },
  MERIDIAN_SNAPSHOT_INTERVAL_MS: { path: ['snapshot', 'intervalMs'], kind: 'integer' },
  MERIDIAN_SEQUENCE_THREAD: { path: ['sequenceThread'], kind: 'boolean' },
  MERIDIAN_AUTH: { path: ['auth', 'mode'], kind: 'string' },
  MERIDIAN_AUTH_CACHE_MS: { path: ['auth', 'cacheMs'], kind: 'integer' },
  MERIDIAN_OPS_PORT: { path: ['auth', 'opsPort'], kind: 'integer' },
  MERIDIAN_DEMO: { path: ['demo', 'enabled'], kind: 'boolean' },
  MERIDIAN_DEMO_SEED: { path: ['demo', 'seed'], kind: 'integer' },
  MERIDIAN_DEMO_ITEMS: { path: ['demo', 'items'], kind: 'integer' },
  MERIDIAN_DEMO_USERS: { path: ['demo', 'users'], kind: 'integer' },
  MERIDIAN_DEMO_EVENTS: { path: ['demo', 'events'], kind: 'integer' },
  MERIDIAN_DEMO_RATE: { path: ['demo', 'rate'], kind: 'number' },
  MERIDIAN_HTTP_REQUEST_TIMEOUT_MS: { path: ['http', 'requestTimeoutMs'], kind: 'integer' },
  MERIDIAN_HTTP_HEADERS_TIMEOUT_MS: { path: ['http', 'headersTimeoutMs'], kind: 'integer' },
  MERIDIAN_HTTP_CONNECTION_TIMEOUT_MS: { path: ['http', 'connectionTimeoutMs'], kind: 'integer' },
  MERIDIAN_HTTP_KEEP_ALIVE_TIMEOUT_MS: { path: ['http', 'keepAliveTimeoutMs'], kind: 'integer' },
  MERIDIAN_RATE_LIMIT: { path: ['rateLimit', 'enabled'], kind: 'boolean' },
  MERIDIAN_RATE_LIMIT_KEY_RATE: { path: ['rateLimit', 'perKey', 'ratePerSecond'], kind: 'number' },
  MERIDIAN_RATE_LIMIT_KEY_BURST: { path: ['rateLimit', 'perKey', 'burst'], kind: 'integer' },
  MERIDIAN_RATE_LIMIT_TENANT_RATE: { path: ['rateLimit', 'perTenant', 'ratePerSecond'], kind: 'number' },
  MERIDIAN_RATE_LIMIT_TENANT_BURST: { path: ['rateLimit', 'perTenant', 'burst'], kind: 'integer' },
};
