import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadLines, loadSessions, readLineSequences, readSessions, readSessionTests } from '../../src/batch/index.ts';
import { tempDir } from '../support/helpers.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('meridian-batch-')));
afterEach(async () => cleanup());

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('readers', () => {
  it('reads user lines in time order and skips blank lines', async () => {
    const p = join(dir, 'beauty.txt');
    await writeFile(p, '1 1 2 3\n\n2 4  2\r\n');
    const users = await collect(readLineSequences(p));
    expect(users.map((u) => [u.user, [...u.items]])).toEqual([
      ['1', [1, 2, 3]],
      ['2', [4, 2]],
    ]);
    expect((await loadLines(p)).numItems).toBe(4);
  });

  it('reads training sessions and test prefixes', async () => {
    await writeFile(join(dir, 'train_sessions.jsonl'), '[1, 2]\n[3, 4, 5]\n');
    await writeFile(join(dir, 'test.jsonl'), '{"prefix": [2, 6], "target": 7}\n');
    expect((await collect(readSessions(join(dir, 'train_sessions.jsonl')))).map((s) => [...s])).toEqual([[1, 2], [3, 4, 5]]);
    const tests = await collect(readSessionTests(join(dir, 'test.jsonl')));
    expect(tests.map((t) => [[...t.prefix], t.target])).toEqual([[[2, 6], 7]]);
    const data = await loadSessions(join(dir, 'train_sessions.jsonl'), join(dir, 'test.jsonl'));
    expect(data.numItems).toBe(7);
    expect(data.sequences).toHaveLength(2);
  });

  it('fails fast on malformed lines with the line number', async () => {
    const p = join(dir, 'bad.txt');
    await writeFile(p, '1 1 2\n2 3 x\n');
    await expect(collect(readLineSequences(p))).rejects.toMatchObject({ code: 'evaluate_data_invalid', message: expect.stringContaining('bad.txt:2') });
    const q = join(dir, 'bad.jsonl');
    await writeFile(q, '[1, 2]\n{"prefix": 1}\n');
    await expect(collect(readSessions(q))).rejects.toMatchObject({ code: 'evaluate_data_invalid' });
    await expect(collect(readSessionTests(q))).rejects.toMatchObject({ code: 'evaluate_data_invalid' });
  });
});
