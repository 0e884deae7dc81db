import { LIMITS } from '../ingest/index.ts';
import { formatReplaySummary, replay, type ReplayDeps, type ReplayFlags } from '../main/index.ts';
import { printer, type Command } from './command.ts';
import { defineFlags, fail, instant, integer, number, parseFlags, type FlagOwner } from './flags.ts';

const OWNER: FlagOwner = { name: 'replay', code: 'cli_flag_invalid', positionals: true };

export const REPLAY_FLAGS = defineFlags({
  'from-store': { type: 'boolean', help: 'replay a range of the configured event store instead of log files' },
  from: { type: 'string', arg: 'ISO', parse: instant, help: 'start of the range (ISO date or ms since epoch), with --from-store', absent: 'the first event' },
  to: { type: 'string', arg: 'ISO', parse: instant, help: 'end of the range (exclusive), with --from-store', absent: 'the last event' },
  tenant: { type: 'string', arg: 'T', help: "one tenant's events of the range, with --from-store", absent: 'every tenant' },
  speed: { type: 'string', arg: 'N', parse: number('a factor >= 0', (n) => Number.isFinite(n) && n >= 0), default: '0', help: 'N times event time; 0: as fast as the pipeline takes them' },
  batch: { type: 'string', arg: 'N', parse: integer(1, LIMITS.batchEvents), default: '1000', help: 'events per batch into the pipeline' },
  rejected: { type: 'string', arg: 'FILE', default: 'rejected.ndjson', help: 'where rejected records go (NDJSON: file, line, reason, errors, raw)' },
  config: { type: 'string', arg: 'FILE', help: 'JSON configuration file', absent: 'MERIDIAN_CONFIG' },
});

/** Parses `meridian replay` flags; unknown flags, bad values and a missing source fail naming the flag. */
export function parseReplayFlags(argv: readonly string[]): ReplayFlags {
  const { values: v, positionals: files } = parseFlags(OWNER, REPLAY_FLAGS, argv);
  const f: ReplayFlags = { files, fromStore: v['from-store'], range: {}, speed: v.speed, batch: v.batch, rejected: v.rejected, config: v.config };
  if (v.from !== undefined) f.range.from = v.from;
  if (v.to !== undefined) f.range.to = v.to;
  if (v.tenant !== undefined) f.range.tenant = v.tenant;
  if (f.fromStore === (f.files.length > 0)) fail(OWNER, '--from-store', 'give log files or --from-store, not both and not neither');
  const rangeFlags = f.range.from !== undefined || f.range.to !== undefined || f.range.tenant !== undefined;
  if (!f.fromStore && rangeFlags) fail(OWNER, '--from', '--from, --to and --tenant select a range of the event store: use them with --from-store');
  if (f.range.from !== undefined && f.range.to !== undefined && f.range.from >= f.range.to) fail(OWNER, '--to', 'must be after --from');
  return f;
}

/** `meridian replay` from its command line: replays, prints the summary; 130 when a signal stopped it. */
export async function runReplay(argv: readonly string[], deps: ReplayDeps): Promise<number> {
  const flags = parseReplayFlags(argv);
  const summary = await replay(flags, deps);
  (deps.out ?? ((line: string) => process.stdout.write(line + '\n')))(formatReplaySummary(summary, flags.rejected));
  return summary.interrupted ? 130 : 0;
}

export const replayCommand: Command = {
  ...OWNER,
  summary: 'event logs (NDJSON, CSV, gzip) or an event-store range back through the pipeline',
  usage: 'FILE… | --from-store [--from ISO] [--to ISO] [--tenant T] [flags]',
  about:
    'Sends the events through the same pipeline as live traffic, at full speed or paced by event time, with a progress bar ' +
    'on stderr and a summary on stdout (read, accepted, duplicates, rejected by reason). Event ids make it idempotent: ' +
    'replaying a log twice leaves the state of replaying it once. Exits 130 when SIGINT or SIGTERM stopped it.',
  flags: REPLAY_FLAGS,
  examples: ['meridian replay events.ndjson.gz --speed 60', 'meridian replay --from-store --from 2026-01-01 --to 2026-02-01 --tenant default'],
  run: (argv, io) => runReplay(argv, { logger: io.logger, env: io.env, out: printer(io) }),
};
