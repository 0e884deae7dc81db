import { MARKETS, simulate, type SimulateDeps, type SimulateFlags } from '../simulate/index.ts';
import { printer, type Command } from './command.ts';
import { defineFlags, fail, instant, integer, number, oneOf, parseFlags, type FlagOwner } from './flags.ts';

const OWNER: FlagOwner = { name: 'simulate', code: 'cli_flag_invalid' };

const markets = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');

export const SIMULATE_FLAGS = defineFlags({
  seed: { type: 'string', arg: 'N', parse: integer(-2147483648), default: '1', help: 'seed of the catalog, the shoppers and their traffic' },
  items: { type: 'string', arg: 'N', parse: integer(1), default: '2000', help: 'items in the catalog' },
  users: { type: 'string', arg: 'N', parse: integer(1), default: '500', help: 'shoppers' },
  events: { type: 'string', arg: 'N', parse: integer(0), default: '100000', help: 'shopper events; 0: until interrupted (with --url or --bus)' },
  out: { type: 'string', arg: 'FILE', help: 'write NDJSON to FILE (gzip when it ends in .gz)' },
  url: { type: 'string', arg: 'URL', help: "post live to the API at URL (its /v1/events)" },
  bus: { type: 'string', arg: 'URL', help: 'publish straight to an event bus (kafka://HOST:PORT), as a storefront backend would' },
  rate: { type: 'string', arg: 'N', parse: number('events/s >= 0', (n) => n >= 0), default: '0', help: 'events per second; 0: as fast as they are taken' },
  batch: { type: 'string', arg: 'N', parse: integer(1), default: '100', help: 'events per post or publish' },
  tenant: { type: 'string', arg: 'T', default: 'default', help: 'tenant of every event' },
  start: { type: 'string', arg: 'ISO', parse: instant, default: '2026-01-01T00:00:00.000Z', help: 'simulated time of the first event (ISO date or ms since epoch)' },
  markets: { type: 'string', arg: 'US,DE…', parse: markets, default: MARKETS.map((m) => m.market).join(','), help: 'the markets of the storefront' },
  clock: { type: 'string', arg: 'sim|wall', parse: oneOf('sim', 'wall'), help: 'event time from the simulated clock, or the time of sending', absent: 'sim with --out, wall otherwise' },
  'no-catalog': { type: 'boolean', help: 'send no item upserts before the traffic' },
});

/** Parses `meridian simulate` flags; unknown flags, bad values and a missing sink fail naming the flag. */
export function parseSimulateFlags(argv: readonly string[]): SimulateFlags {
  const { values: v } = parseFlags(OWNER, SIMULATE_FLAGS, argv);
  const { seed, items, users, events, out, url, bus, rate, batch, tenant, start } = v;
  if ([out, url, bus].filter((x) => x !== undefined).length !== 1) fail(OWNER, '--out', 'give exactly one of --out FILE, --url URL or --bus URL');
  if (out !== undefined && events === 0) fail(OWNER, '--events', 'an unbounded run needs --url or --bus');
  const clock = v.clock ?? (out === undefined ? 'wall' : 'sim');
  return { seed, items, users, events, out, url, bus, rate, batch, tenant, start, markets: v.markets, clock, catalog: !v['no-catalog'] };
}

/** `meridian simulate` from its command line: the flags, then the simulator. */
export async function runSimulate(argv: readonly string[], deps: SimulateDeps): Promise<number> {
  return simulate(parseSimulateFlags(argv), deps);
}

export const simulateCommand: Command = {
  ...OWNER,
  summary: 'a synthetic cross-border storefront: NDJSON out, or live to the API or the bus',
  usage: '(--out FILE[.gz] | --url URL | --bus kafka://HOST:PORT) [flags]',
  about:
    'A seeded storefront: nine markets, titles in six languages, shoppers with latent tastes following a view, click, ' +
    'cart, purchase funnel, searches in their own language, reviews. The catalog (item upserts) goes first, then the traffic; ' +
    'a one-line summary goes to stdout. Exits 1 when the API rejected events. With --url, the API key in MERIDIAN_API_KEY ' +
    '(events and catalog scopes) is sent as a bearer token.',
  flags: SIMULATE_FLAGS,
  examples: ['meridian simulate --seed 7 --events 200000 --out events.ndjson.gz', 'meridian simulate --url http://127.0.0.1:8080 --rate 200 --events 0'],
  run: (argv, io) => runSimulate(argv, { logger: io.logger, out: printer(io), apiKey: io.env.MERIDIAN_API_KEY || undefined }),
};
