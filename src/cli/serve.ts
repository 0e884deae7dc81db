import { loadConfig } from '../config/index.ts';
import { createLogger } from '../core/index.ts';
import { serveUntilSignal, workerUntilSignal } from '../main/index.ts';
import type { Command } from './command.ts';
import { defineFlags, integer, oneOf, parseFlags, type FlagOwner } from './flags.ts';

// serve and worker flags override configuration keys; a bad one is a configuration mistake.
const SERVE: FlagOwner = { name: 'serve', code: 'config_invalid' };
const WORKER: FlagOwner = { name: 'worker', code: 'config_invalid' };

const CONFIG_FLAG = { type: 'string', arg: 'FILE', help: 'JSON configuration file', absent: 'MERIDIAN_CONFIG' } as const;
const PORT = integer(0, 65535);

export const SERVE_FLAGS = defineFlags({
  config: CONFIG_FLAG,
  host: { type: 'string', arg: 'H', help: 'address the API listens on (the host key)', absent: "the config's, 127.0.0.1" },
  port: { type: 'string', arg: 'N', parse: PORT, help: 'port the API listens on (the port key)', absent: "the config's, 8080" },
  'no-demo': { type: 'boolean', help: 'do not seed the embedded engine with a simulated storefront' },
  auth: {
    type: 'string',
    arg: 'MODE',
    parse: oneOf('keys', 'off'),
    help: 'keys: API routes need a key; off: none needed, loopback host only (the auth.mode key; npm start gives off)',
    absent: "the config's, keys",
  },
});

export const WORKER_FLAGS = defineFlags({
  config: CONFIG_FLAG,
  port: { type: 'string', arg: 'N', parse: PORT, help: 'port of its /metrics and /healthz (the workerPort key)', absent: "the config's, 9464" },
});

export const serveCommand: Command = {
  ...SERVE,
  summary: 'the API; with embedded defaults, the whole engine in one process',
  usage: '[--config FILE] [--host H] [--port N] [--no-demo] [--auth keys|off]',
  about:
    'Serves recommendations, search, events, health, OpenAPI docs and metrics. On the embedded adapters it is the whole ' +
    'engine in one process, seeded with a simulated storefront. SIGINT or SIGTERM drains requests, flushes batches and ' +
    'writes snapshots; a second signal exits at once.',
  flags: SERVE_FLAGS,
  examples: ['meridian serve --port 8080 --no-demo', 'meridian serve --auth off'],
  async run(argv, io) {
    const { values: v } = parseFlags(SERVE, SERVE_FLAGS, argv);
    const overrides: Record<string, unknown> = {};
    if (v.port !== undefined) overrides.port = v.port;
    if (v.host !== undefined) overrides.host = v.host;
    if (v['no-demo']) overrides.demo = { enabled: false };
    if (v.auth !== undefined) overrides.auth = { mode: v.auth };
    const config = loadConfig({ env: io.env, file: v.config, overrides });
    await serveUntilSignal(config, createLogger({ level: config.logLevel }));
    return 0;
  },
};

export const workerCommand: Command = {
  ...WORKER,
  summary: 'consumes the Kafka events topic and applies every event to the shared stores',
  usage: '[--config FILE] [--port N]',
  about:
    'Joins the consumer group meridian-worker and applies every event to the feature store and the event store. ' +
    'SIGTERM finishes the batch, commits and leaves the group.',
  flags: WORKER_FLAGS,
  examples: ['meridian worker --config prod.json --port 9464'],
  async run(argv, io) {
    const { values: v } = parseFlags(WORKER, WORKER_FLAGS, argv);
    const config = loadConfig({ env: io.env, file: v.config, overrides: v.port === undefined ? {} : { workerPort: v.port } });
    await workerUntilSignal(config, createLogger({ level: config.logLevel }), { port: config.workerPort });
    return 0;
  },
};
