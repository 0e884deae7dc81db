import cors from '@fastify/cors';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { badRequest } from '../core/index.ts';

/**
 * The HTTP server's own limits: how long a client may take to send a request or stay silent, and
 * which browser origins may call the API (CORS). Node's defaults let a client that sends half a
 * request and stalls hold its socket for minutes (Fastify's requestTimeout is 0, none).
 */
export interface HttpTimeouts {
  /** Most time to receive a whole request, headers and body; then 408 and the connection closes. */
  requestTimeoutMs: number;
  /** Most time to receive the headers; at most requestTimeoutMs. */
  headersTimeoutMs: number;
  /** A socket with no byte either way for this long is closed. */
  connectionTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
}

export const HTTP_TIMEOUTS: Readonly<HttpTimeouts> = Object.freeze({
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  connectionTimeoutMs: 120_000,
  keepAliveTimeoutMs: 72_000,
});

/**
 * Fastify server options for the timeouts. Node checks the request and header deadlines on a
 * timer, every `connectionsCheckingInterval`: a quarter of the shorter deadline (at most 30 s, Node's
 * default), so a deadline is enforced within a quarter of itself.
 */
export function timeoutOptions(t: HttpTimeouts = HTTP_TIMEOUTS): Pick<FastifyServerOptions, 'requestTimeout' | 'connectionTimeout' | 'keepAliveTimeout'> & {
  http: { requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number };
} {
  for (const f of ['requestTimeoutMs', 'headersTimeoutMs', 'connectionTimeoutMs', 'keepAliveTimeoutMs'] as const) {
    if (!Number.isInteger(t[f]) || t[f] < 1) throw badRequest('option_invalid', `http.${f} must be an integer >= 1, got ${t[f]}`, `http.${f}`);
  }
  if (t.headersTimeoutMs > t.requestTimeoutMs) {
    throw badRequest('option_invalid', `http.headersTimeoutMs (${t.headersTimeoutMs}) must be <= http.requestTimeoutMs (${t.requestTimeoutMs})`, 'http.headersTimeoutMs');
  }
  return {
    requestTimeout: t.requestTimeoutMs,
    connectionTimeout: t.connectionTimeoutMs,
    keepAliveTimeout: t.keepAliveTimeoutMs,
    http: {
      requestTimeout: t.requestTimeoutMs,
      headersTimeout: t.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(t.headersTimeoutMs / 4))),
    },
  };
}

export interface CorsOptions {
  /** Exact origins (`https://shop.example`); empty: CORS off, browsers of other origins cannot read answers. */
  origins: readonly string[];
  /** Allow cookies and HTTP authentication from those origins. */
  credentials?: boolean;
  /** How long a browser keeps a preflight answer (s). */
  maxAgeSeconds?: number;
}

const ORIGIN = /^https?:\/\/[^/\s*]+$/;

/** Headers a storefront page may send: its key (either header), JSON bodies, its own request id. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'X-API-Key', 'Content-Type', 'X-Request-Id'];
/** Headers a storefront page may read: when to retry, and the request id to report. */
export const CORS_EXPOSED_HEADERS = ['Retry-After', 'X-Request-Id'];

/**
 * CORS for storefront browsers, off unless origins are given. Only exact origins are accepted (a
 * wildcard would let any page spend a key's quota, and with credentials read what it may read).
 */
export async function addCors(app: FastifyInstance, o: CorsOptions): Promise<void> {
  if (o.origins.length === 0) return;
  for (const origin of o.origins) {
    if (!ORIGIN.test(origin)) throw badRequest('option_invalid', `http.cors.origins: "${origin}" is no exact origin (scheme://host[:port], no path, no wildcard)`, 'http.cors.origins');
  }
  await app.register(cors, {
    origin: [...o.origins],
    credentials: o.credentials ?? false,
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: o.maxAgeSeconds ?? 600,
    strictPreflight: true,
  });
}
