import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClickHouseLogLevel, createClient, type ClickHouseSettings } from '@clickhouse/client';
import { MeridianError, unavailable, type Instrumentation, type Logger } from '../../core/index.ts';

/** What a request does, as the bounded `op` label of `service.call`. */
export type ClickHouseOp = 'query' | 'command' | 'insert';

export interface RunOptions {
  /** Data of an INSERT, in the format the statement names. */
  body?: string;
  /** Settings sent with this statement (HTTP parameters), only ones the server knows. */
  settings?: Readonly<Record<string, string | number>>;
}

/**
 * How the ClickHouse event store reaches a server: one SQL statement in, its output text out.
 * Production speaks HTTP through @clickhouse/client; anything that runs the same SQL will do.
 */
export interface ClickHouseTransport {
  run(op: ClickHouseOp, sql: string, opts?: RunOptions): Promise<string>;
  /** Never throws: false when the server does not answer. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** What went wrong with one request, as far as the client can tell. */
export interface ClickHouseFailure {
  /** HTTP status, when the server (or a proxy) answered. */
  status?: number;
  /** ClickHouse exception code, from the X-ClickHouse-Exception-Code header or the body. */
  code?: number;
  /** Node's error code of a network failure (ECONNREFUSED...). */
  network?: string;
  message: string;
}

/** ClickHouse exception codes worth another try: overload, timeouts, the network, shutdown. */
const RETRIABLE_CODES: ReadonlySet<number> = new Set([
  3, // UNEXPECTED_END_OF_FILE
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  999, // KEEPER_EXCEPTION
]);

const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
]);

/**
 * Whether a failure may pass if the same request is sent again: network errors and timeouts,
 * ClickHouse's transient exceptions, and 5xx/429 answers that carry no exception code (proxies,
 * overload). A server-side exception with a code names its cause: only transient codes retry,
 * whatever the status (18.x answers 500 for nearly every exception).
 */
export function isRetriableFailure(f: ClickHouseFailure): boolean {
  if (f.network !== undefined) return true;
  if (f.code !== undefined) return RETRIABLE_CODES.has(f.code);
  if (f.status === undefined) return false;
  return f.status >= 500 || f.status === 429 || f.status === 408;
}

/** The exception code at the start of a ClickHouse error body ("Code: 62, e.displayText()..." or "Code: 62. DB::..."). */
export function exceptionCode(body: string): number | undefined {
  const m = /^\s*Code: (\d+)/.exec(body);
  return m === null ? undefined : Number(m[1]);
}

class RequestFailed extends Error {
  readonly failure: ClickHouseFailure;
  constructor(failure: ClickHouseFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

/** The ClickHouse exception code of a failed `run` (or of its cause), when the server sent one. */
export function exceptionCodeOf(e: unknown): number | undefined {
  for (let c = e, hops = 0; c instanceof Error && hops < 4; c = c.cause, hops++) {
    if (c instanceof RequestFailed) return c.failure.code;
  }
  return undefined;
}

function failureOf(e: unknown): ClickHouseFailure {
  if (e instanceof RequestFailed) return e.failure;
  const err = e as { code?: unknown; message?: unknown };
  const message = typeof err.message === 'string' ? err.message : String(e);
  if (typeof err.code === 'string' && NETWORK_CODES.has(err.code)) return { network: err.code, message };
  // The client's own request timeout and sockets closed mid-response.
  if (/timeout|socket hang up/i.test(message)) return { network: 'ETIMEDOUT', message };
  return { message };
}

async function textOf(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(parts).toString('utf8');
}

export interface HttpTransportOptions {
  /** http(s)://host:port of the ClickHouse HTTP interface. */
  url: string;
  username?: string;
  password?: string;
  logger: Logger;
  instrumentation: Instrumentation;
  /** Attempts after a retriable failure, each after twice the previous wait. */
  retries?: number;
  retryBaseMs?: number;
  requestTimeoutMs?: number;
  pingTimeoutMs?: number;
}

/**
 * ClickHouse over HTTP with @clickhouse/client. Statements go through `exec` with error answers
 * read here, so the HTTP status and exception code decide whether a request is retried. Values
 * are inlined into SQL by the caller: query parameters need a newer server than 18.x. Every
 * attempt is reported as `service.call` { service: 'clickhouse' }.
 */
export function createHttpTransport({
  url,
  username = 'default',
  password = '',
  logger,
  instrumentation,
  retries = 3,
  retryBaseMs = 200,
  requestTimeoutMs = 30_000,
  pingTimeoutMs = 2_000,
}: HttpTransportOptions): ClickHouseTransport {
  for (const [name, v, min] of [['retries', retries, 0], ['retryBaseMs', retryBaseMs, 1], ['requestTimeoutMs', requestTimeoutMs, 1], ['pingTimeoutMs', pingTimeoutMs, 1]] as const) {
    if (!Number.isSafeInteger(v) || v < min) throw new MeridianError('config_invalid', `clickhouse: ${name} must be an integer >= ${min}, got ${v}`);
  }
  const client = createClient({
    url,
    username,
    password,
    request_timeout: requestTimeoutMs,
    application: 'meridian',
    log: { level: ClickHouseLogLevel.OFF }, // failures are logged here, once, with their outcome
  });
  let closed = false;

  async function once(op: ClickHouseOp, sql: string, opts: RunOptions): Promise<string> {
    const started = performance.now();
    let ok = false;
    try {
      const settings = opts.settings as ClickHouseSettings | undefined;
      const common = { query: sql, ignore_error_response: true, ...(settings === undefined ? {} : { clickhouse_settings: settings }) };
      const res = await client.exec(opts.body === undefined ? common : { ...common, values: Readable.from([opts.body]) });
      const text = await textOf(res.stream as AsyncIterable<Buffer>);
      const status = res.http_status_code ?? 200;
      const header = res.response_headers['x-clickhouse-exception-code'];
      if (status >= 300 || header !== undefined) {
        const code = header === undefined ? exceptionCode(text) : Number(header);
        throw new RequestFailed({ status, ...(code === undefined ? {} : { code }), message: text.trim().slice(0, 500) || `HTTP ${status}` });
      }
      ok = true;
      return text;
    } finally {
      instrumentation.emit('service.call', { service: 'clickhouse', op, ms: performance.now() - started, ok });
    }
  }

  async function run(op: ClickHouseOp, sql: string, opts: RunOptions = {}): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await once(op, sql, opts);
      } catch (e) {
        const f = failureOf(e);
        const retriable = isRetriableFailure(f);
        if (!retriable || attempt >= retries || closed) {
          const what = `clickhouse ${op} failed${f.status === undefined ? '' : ` (HTTP ${f.status})`} after ${attempt + 1} attempt(s): ${f.message}`;
          throw retriable ? unavailable('clickhouse_unavailable', what, e) : new MeridianError('clickhouse_failed', what, { statusCode: 500, cause: e });
        }
        const waitMs = Math.round(retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2)); // jittered, so writers do not retry in step
        logger.warn('clickhouse request failed; retrying', { op, attempt: attempt + 1, waitMs, status: f.status, code: f.code ?? f.network, err: f.message });
        await sleep(waitMs);
      }
    }
  }

  return {
    run,
    async ping() {
      if (closed) return false;
      try {
        return (await client.ping({ select: false, abort_signal: AbortSignal.timeout(pingTimeoutMs) })).success;
      } catch {
        return false;
      }
    },
    async close() {
      closed = true;
      await client.close();
    },
  };
}
