import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { badRequest } from '../../core/index.ts';

/**
 * Streaming readers for the two offline formats. Lines are parsed one at a time; nothing is copied.
 * A malformed line fails fast with its file and line number.
 */
export interface UserSequence {
  user: string;
  /** Item ids in time order (ids from 1). */
  items: Int32Array;
}

export interface SessionCase {
  prefix: Int32Array;
  target: number;
}

async function* lines(path: string): AsyncGenerator<[string, number]> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of rl) {
      n++;
      if (line.trim() !== '') yield [line, n];
    }
  } finally {
    rl.close();
  }
}

function itemId(v: unknown, where: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw badRequest('evaluate_data_invalid', `${where}: item ids must be positive integers, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** `user item1 item2 …` per line (whitespace separated). */
export async function* readLineSequences(path: string): AsyncGenerator<UserSequence> {
  for await (const [line, n] of lines(path)) {
    const parts = line.trim().split(/\s+/);
    const user = parts[0] as string;
    const items = new Int32Array(parts.length - 1);
    for (let i = 1; i < parts.length; i++) items[i - 1] = itemId(parts[i], `${path}:${n}`);
    yield { user, items };
  }
}

function parseJson(line: string, where: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (e) {
    throw badRequest('evaluate_data_invalid', `${where}: invalid JSON (${(e as Error).message})`);
  }
}

/** One JSON array of item ids per line. */
export async function* readSessions(path: string): AsyncGenerator<Int32Array> {
  for await (const [line, n] of lines(path)) {
    const where = `${path}:${n}`;
    const v = parseJson(line, where);
    if (!Array.isArray(v)) throw badRequest('evaluate_data_invalid', `${where}: expected a JSON array of item ids`);
    yield Int32Array.from(v, (x) => itemId(x, where));
  }
}

/** `{"prefix": [...], "target": id}` per line. */
export async function* readSessionTests(path: string): AsyncGenerator<SessionCase> {
  for await (const [line, n] of lines(path)) {
    const where = `${path}:${n}`;
    const v = parseJson(line, where) as { prefix?: unknown; target?: unknown } | null;
    if (v === null || typeof v !== 'object' || !Array.isArray(v.prefix)) {
      throw badRequest('evaluate_data_invalid', `${where}: expected {"prefix": [...], "target": id}`);
    }
    yield { prefix: Int32Array.from(v.prefix as unknown[], (x) => itemId(x, where)), target: itemId(v.target, where) };
  }
}
