import { describe, expect, it } from 'vitest';
import { defineFlags, duration, FlagError, instant, integer, list, number, oneOf, parseFlags, wantsHelp, type FlagOwner } from '../../src/cli/flags.ts';

const OWNER: FlagOwner = { name: 'demo', code: 'cli_flag_invalid' };
const FLAGS = defineFlags({
  seed: { type: 'string', arg: 'N', parse: integer(0), default: '1', help: 'seed' },
  epochs: { type: 'string', arg: 'N', parse: integer(1), help: 'epochs' },
  log: { type: 'string', arg: 'FILE', multiple: true, help: 'a log' },
  data: { type: 'string', arg: 'PATH', required: true, help: 'data' },
  json: { type: 'boolean', help: 'json' },
  'no-eval': { type: 'boolean', help: 'no eval' },
});

const parse = (argv: string[], owner: FlagOwner = OWNER) => parseFlags(owner, FLAGS, argv);

describe('parseFlags', () => {
  it('gives defaults, typed values, repeated values and booleans', () => {
    expect(parse(['--data', 'x']).values).toEqual({ seed: 1, epochs: undefined, log: [], data: 'x', json: false, 'no-eval': false });
    expect(parse(['--data=x', '--seed', '7', '--epochs', '3', '--log', 'a', '--log', 'b', '--json', '--no-eval']).values).toEqual({
      seed: 7, epochs: 3, log: ['a', 'b'], data: 'x', json: true, 'no-eval': true,
    });
  });

  it('names the flag of every mistake, with the code of its owner', () => {
    const error = (argv: string[], owner?: FlagOwner): FlagError => {
      try {
        parse(argv, owner);
      } catch (e) {
        return e as FlagError;
      }
      throw new Error('no error');
    };
    expect(error(['--data', 'x', '--foo'])).toMatchObject({ code: 'cli_flag_invalid', field: 'foo', message: 'meridian demo: --foo: unknown flag (see meridian demo --help for usage)' });
    expect(error(['--data', 'x', '--seed']).message).toMatch(/--seed: expected a value/);
    expect(error(['--data', 'x', '--seed', '--json']).message).toMatch(/--seed: expected a value/);
    expect(error(['--data', 'x', '--json=yes']).message).toMatch(/--json: takes no value/);
    expect(error(['--data', 'x', '--epochs', '0']).message).toMatch(/--epochs: expected an integer >= 1, got "0"/);
    expect(error(['--data', 'x', 'stray']).message).toMatch(/stray: unexpected argument/);
    expect(error([]).message).toMatch(/--data: required/);
    expect(error(['--data', 'x', '-x'])).toBeInstanceOf(FlagError);
  });

  it('takes a value that starts with one dash, and positionals where the owner allows them', () => {
    const signed = defineFlags({ seed: { type: 'string', parse: integer(), help: 'seed' } });
    expect(parseFlags(OWNER, signed, ['--seed', '-5']).values.seed).toBe(-5);
    expect(parseFlags({ ...OWNER, positionals: true }, signed, ['a.ndjson', '--seed', '2', 'b.csv']).positionals).toEqual(['a.ndjson', 'b.csv']);
  });
});

describe('value checks', () => {
  it('parse what they accept and describe what they expect', () => {
    expect(integer(1, 10)('10')).toBe(10);
    expect(() => integer(1, 10)('11')).toThrow('an integer in [1, 10]');
    expect(() => integer()('1.5')).toThrow('an integer');
    expect(number('a factor >= 0', (n) => n >= 0)('0.5')).toBe(0.5);
    expect(oneOf('tfjs', 'fixed')('fixed')).toBe('fixed');
    expect(() => oneOf('a', 'b', 'c')('d')).toThrow('a, b or c');
    expect(duration('90s')).toBe(90_000);
    expect(duration('6h')).toBe(6 * 3_600_000);
    expect(() => duration('500ms')).toThrow(/at least 1s/);
    expect(instant('2026-01-01')).toBe(Date.UTC(2026, 0, 1));
    expect(instant('1700000000000')).toBe(1_700_000_000_000);
    expect(() => instant('soon')).toThrow(/ISO/);
    expect(list(integer())('1,2,3')).toEqual([1, 2, 3]);
  });

  it('find a help flag before any --', () => {
    expect(wantsHelp(['--seed', '1', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--', '--help'])).toBe(false);
    expect(wantsHelp(['--seed', '1'])).toBe(false);
  });
});
