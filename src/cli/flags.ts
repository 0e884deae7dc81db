import { parseArgs } from 'node:util';
import { MeridianError, type ErrorCode } from '../core/index.ts';

/**
 * One flag of a subcommand, as data. The same declaration parses the command line, checks the value,
 * and writes the flag's line in `--help` and in docs/cli.md.
 */
export interface Flag {
  readonly type: 'string' | 'boolean';
  /** One line for `--help` and docs/cli.md. */
  readonly help: string;
  /** The value's placeholder in the help: N, FILE, ISO… */
  readonly arg?: string;
  /** Text parsed as if it were given when the flag is absent. */
  readonly default?: string;
  /** What an absent flag means where that is not one value given to `parse` (`once`, `the config's`). */
  readonly absent?: string;
  /** Repeatable: every value is kept, in order. */
  readonly multiple?: boolean;
  /** The command line must give it. */
  readonly required?: boolean;
  /** Turns the text into the value; throws `expected(…)`, or any error, on a malformed one. */
  readonly parse?: (text: string) => unknown;
}

export type Flags = Readonly<Record<string, Flag>>;

type Parsed<F extends Flag> = F extends { parse: (text: string) => infer T } ? T : string;

/** The type a flag parses to: booleans are false when absent, other flags undefined unless required or defaulted. */
export type FlagValue<F extends Flag> = F extends { type: 'boolean' }
  ? boolean
  : F extends { multiple: true }
    ? Parsed<F>[]
    : F extends { default: string } | { required: true }
      ? Parsed<F>
      : Parsed<F> | undefined;

export type FlagValues<S extends Flags> = { -readonly [K in keyof S]: FlagValue<S[K]> };

/** Declares a subcommand's flags, keeping the literal types the values are inferred from. */
export const defineFlags = <const S extends Flags>(flags: S): S => flags;

/** Whose flags these are, for the errors: the subcommand's name and its catalogued error code. */
export interface FlagOwner {
  readonly name: string;
  readonly code: ErrorCode;
  /** Whether arguments that are not flags (files, an action) are allowed. */
  readonly positionals?: boolean;
}

/** A command line the subcommand cannot use; the CLI prints the message and exits 2. */
export class FlagError extends MeridianError {
  constructor(owner: FlagOwner, flag: string, problem: string) {
    super(owner.code, `meridian ${owner.name}: ${flag}: ${problem} (see meridian ${owner.name} --help for usage)`, {
      statusCode: 400,
      field: flag.replace(/^--?/, ''),
    });
    this.name = 'FlagError';
  }
}

/** Fails the command line on `flag` (a cross-flag rule, a missing flag). */
export function fail(owner: FlagOwner, flag: string, problem: string): never {
  throw new FlagError(owner, flag, problem);
}

class Expected extends Error {}

/** What a value check throws: `--flag: expected <what>, got "<text>"`. */
export function expected(what: string): never {
  throw new Expected(what);
}

/** Applies a value check on behalf of `flag`, naming the flag and the value in the error. */
export function parseValue<T>(owner: FlagOwner, flag: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof Expected) return fail(owner, flag, `expected ${e.message}, got "${text}"`);
    return fail(owner, flag, (e as Error).message);
  }
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

function checkOption(owner: FlagOwner, flags: Flags, t: Extract<Token, { kind: 'option' }>): void {
  const f = Object.hasOwn(flags, t.name) ? flags[t.name] : undefined;
  if (f === undefined) return fail(owner, t.rawName, 'unknown flag');
  if (f.type === 'boolean' && t.value !== undefined) fail(owner, t.rawName, 'takes no value');
  // A flag right after a flag that needs a value is a missing value, not the value: `--seed --json`.
  if (f.type === 'string' && (t.value === undefined || (!t.inlineValue && t.value.startsWith('--')))) fail(owner, t.rawName, 'expected a value');
}

function valueOf(owner: FlagOwner, name: string, f: Flag, raw: unknown): unknown {
  const parse = f.parse ?? ((text: string) => text);
  if (f.type === 'boolean') return raw === true;
  if (f.multiple === true) return ((raw ?? []) as string[]).map((text) => parseValue(owner, `--${name}`, text, parse));
  const text = (raw as string | undefined) ?? f.default;
  if (text === undefined && f.required === true) fail(owner, `--${name}`, 'required');
  return text === undefined ? undefined : parseValue(owner, `--${name}`, text, parse);
}

/**
 * Parses `argv` by the declared flags (with node:util parseArgs): unknown flags, missing values and
 * malformed values fail with a FlagError naming the flag; absent flags take their defaults.
 */
export function parseFlags<S extends Flags>(owner: FlagOwner, flags: S, argv: readonly string[]): { values: FlagValues<S>; positionals: string[] } {
  const options = Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, { type: f.type, multiple: f.multiple === true }]));
  const { tokens, values: raw } = parseArgs({ args: [...argv], options, strict: false, tokens: true, allowPositionals: true });
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'option') checkOption(owner, flags, t);
    else if (t.kind === 'positional') {
      if (owner.positionals !== true) fail(owner, t.value, 'unexpected argument');
      positionals.push(t.value);
    }
  }
  const values: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(flags)) values[name] = valueOf(owner, name, f, raw[name]);
  return { values: values as FlagValues<S>, positionals };
}

/** Whether the command line asks for help (`--help` or `-h` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

// Value checks shared by the subcommands.

/** A number `ok` accepts, described as `what` in the error. */
export const number =
  (what: string, ok: (n: number) => boolean) =>
  (text: string): number => {
    const n = Number(text);
    return ok(n) ? n : expected(what);
  };

/** An integer in [min, max]. */
export function integer(min = -Infinity, max = Infinity): (text: string) => number {
  const what = max < Infinity ? `an integer in [${min}, ${max}]` : min > -Infinity ? `an integer >= ${min}` : 'an integer';
  return number(what, (n) => Number.isInteger(n) && n >= min && n <= max);
}

/** One of a few words. */
export function oneOf<const W extends string>(...words: W[]): (text: string) => W {
  const what = words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)}` : String(words[0]);
  return (text) => ((words as string[]).includes(text) ? (text as W) : expected(what));
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `6h`, `1d` in ms, at least 1s. */
export function duration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  const ms = m === null ? NaN : Number(m[1]) * (UNITS[m[2] as string] as number);
  return ms >= 1000 ? ms : expected('a duration of at least 1s like 30m, 6h or 1d');
}

/** An ISO date or ms since the epoch, in ms. */
export function instant(text: string): number {
  const t = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isSafeInteger(t) ? t : expected('an ISO date or ms since epoch');
}

/** A comma-separated list, each item through `item`. */
export const list =
  <T>(item: (text: string) => T) =>
  (text: string): T[] =>
    text.split(',').map(item);
