import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '../support/helpers.ts';

/** A port nobody listens on right now (the caller binds it soon after). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Path of an executable on PATH, or a failure that says how to install it. */
export function requireBinary(name: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status !== 0 || path === '') {
    throw new Error(`${name} is not installed: run the tests with \`npm test\` (scripts/services/install.sh prometheus installs it)`);
  }
  return path;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export type QueryResult =
  | { ok: true; resultType: string; samples: PromSample[] }
  | { ok: false; error: string };

export interface PrivatePrometheus {
  url: string;
  query(expr: string): Promise<QueryResult>;
  getJson<T>(path: string): Promise<T>;
  /** The last lines Prometheus logged, for failure messages. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface ScrapeJob {
  job: string;
  /** host:port */
  target: string;
}

/**
 * Starts Debian's `prometheus` on a free loopback port with its own storage in `dir`, scraping the
 * jobs every second and evaluating `ruleFiles` every second. Another process may take the free
 * port before Prometheus binds it: then it tries another.
 */
export async function startPrometheus({ dir, jobs, ruleFiles }: { dir: string; jobs: ScrapeJob[]; ruleFiles: string[] }): Promise<PrivatePrometheus> {
  const binary = requireBinary('prometheus');
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: ruleFiles,
    scrape_configs: jobs.map((j) => ({ job_name: j.job, metrics_path: '/metrics', static_configs: [{ targets: [j.target] }] })),
  };
  // JSON is YAML: no serializer needed.
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(binary, dir, configFile, await freePort());
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test((e as Error).message)) throw e;
    }
  }
}

async function launch(binary: string, dir: string, configFile: string, port: number): Promise<PrivatePrometheus> {
  const logFile = join(dir, `prometheus-${port}.log`);
  const logStream = createWriteStream(logFile);
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(logStream);
  child.stderr?.pipe(logStream);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const log = async (): Promise<string> => (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n');

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    logStream.end();
  };

  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${await log()}`);
        return (await fetch(`${url}/-/ready`)).ok;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'prometheus ready' },
    );
  } catch (e) {
    const why = await log();
    await stop();
    throw new Error(`${(e as Error).message}\n${why}`);
  }

  return {
    url,
    log,
    stop,
    async getJson<T>(path: string): Promise<T> {
      const res = await fetch(`${url}${path}`);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async query(expr: string): Promise<QueryResult> {
      const res = await fetch(`${url}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: expr }).toString(),
      });
      const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
      if (body.status !== 'success' || body.data === undefined) return { ok: false, error: body.error ?? `HTTP ${res.status}` };
      const { resultType, result } = body.data;
      if (resultType === 'scalar') return { ok: true, resultType, samples: [{ metric: {}, value: result as [number, string] }] };
      if (resultType === 'vector') return { ok: true, resultType, samples: result as PromSample[] };
      return { ok: false, error: `unexpected result type ${resultType}` };
    },
  };
}

/** Whether a result holds a number (an empty result or NaN only, from histograms without observations, holds none). */
export const hasNumber = (r: QueryResult): boolean => r.ok && r.samples.some((s) => Number.isFinite(Number(s.value[1])));
