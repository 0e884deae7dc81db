import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createInstrumentation, silentLogger } from '../../src/core/index.ts';
import { buildServer, type CorsOptions, type HttpTimeouts } from '../../src/serve/index.ts';
import { fakeEngine } from '../support/build.ts';

async function serve(opts: { timeouts?: HttpTimeouts; cors?: CorsOptions }) {
  const app = await buildServer(
    { engine: fakeEngine(), registry: new Registry(), instrumentation: createInstrumentation(), logger: silentLogger, auth: { mode: 'off' }, ...(opts.cors ? { cors: opts.cors } : {}) },
    opts.timeouts ? { timeouts: opts.timeouts } : {},
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

/** Opens a raw socket, writes `data` and resolves with what came back once the server closes it. */
function stall(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(data));
    let got = '';
    socket.on('data', (b) => (got += b.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
  });
}

const SHORT: HttpTimeouts = { requestTimeoutMs: 400, headersTimeoutMs: 200, connectionTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000 };

describe('HTTP timeouts', () => {
  it('a client that sends half the headers and stalls is answered 408 and disconnected', async () => {
    const app = await serve({ timeouts: SHORT });
    try {
      const got = await stall((app.server.address() as AddressInfo).port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      expect(got).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await app.close();
    }
  });

  it('a client that sends the headers but stalls in the body is answered 408 and disconnected', async () => {
    const app = await serve({ timeouts: { ...SHORT, headersTimeoutMs: 400, requestTimeoutMs: 400 } });
    try {
      const head = 'POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{"id":';
      const got = await stall((app.server.address() as AddressInfo).port, head);
      expect(got).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await app.close();
    }
  });

  it('a silent connection is closed after connectionTimeoutMs', async () => {
    const app = await serve({ timeouts: { requestTimeoutMs: 60_000, headersTimeoutMs: 60_000, connectionTimeoutMs: 200, keepAliveTimeoutMs: 60_000 } });
    try {
      const got = await stall((app.server.address() as AddressInfo).port, 'GET /heal');
      expect(got).toBe('');
    } finally {
      await app.close();
    }
  });

  it('the defaults set every deadline', async () => {
    const app = await serve({});
    try {
      expect(app.server.requestTimeout).toBe(30_000);
      expect(app.server.headersTimeout).toBe(10_000);
      expect(app.server.timeout).toBe(120_000);
      expect(app.server.keepAliveTimeout).toBe(72_000);
    } finally {
      await app.close();
    }
  });

  it('refuses a headers deadline longer than the request deadline', async () => {
    await expect(serve({ timeouts: { ...SHORT, headersTimeoutMs: 1_000 } })).rejects.toMatchObject({ code: 'option_invalid' });
  });
});

describe('CORS', () => {
  const origin = 'https://shop.example';
  const preflight = (o: string, headers = 'authorization,x-api-key') => ({
    method: 'OPTIONS' as const,
    url: '/v1/recommendations?market=US',
    headers: { origin: o, 'access-control-request-method': 'GET', 'access-control-request-headers': headers },
  });

  it('is off by default: no CORS headers', async () => {
    const app = await serve({});
    try {
      const res = await app.inject({ url: '/v1/trending?market=US', headers: { origin } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect((await app.inject(preflight(origin))).headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('answers a preflight of a configured origin, allowing the key headers', async () => {
    const app = await serve({ cors: { origins: [origin, 'http://localhost:3000'] } });
    try {
      const res = await app.inject(preflight(origin));
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
      expect(allowed).toEqual(expect.arrayContaining(['authorization', 'x-api-key']));
      expect(res.headers['access-control-allow-methods']).toContain('GET');
      expect(res.headers['access-control-max-age']).toBe('600');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      const get = await app.inject({ url: '/v1/trending?market=US', headers: { origin } });
      expect(get.headers['access-control-allow-origin']).toBe(origin);
      expect(String(get.headers['access-control-expose-headers'])).toContain('Retry-After');
      expect(get.headers.vary).toContain('Origin');
    } finally {
      await app.close();
    }
  });

  it('gives another origin no allowance', async () => {
    const app = await serve({ cors: { origins: [origin], credentials: true } });
    try {
      expect((await app.inject(preflight('https://evil.example'))).headers['access-control-allow-origin']).toBeUndefined();
      const ok = await app.inject(preflight(origin));
      expect(ok.headers['access-control-allow-credentials']).toBe('true');
      expect(ok.headers['access-control-allow-origin']).toBe(origin);
    } finally {
      await app.close();
    }
  });

  it('refuses a wildcard or a URL with a path as an origin', async () => {
    await expect(serve({ cors: { origins: ['*'] } })).rejects.toMatchObject({ code: 'option_invalid' });
    await expect(serve({ cors: { origins: ['https://shop.example/app'] } })).rejects.toMatchObject({ code: 'option_invalid' });
  });
});
