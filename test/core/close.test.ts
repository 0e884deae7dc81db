import { describe, expect, it } from 'vitest';
import { closeAll, createLogger } from '../../src/core/index.ts';

describe('closeAll', () => {
  it('runs every step in order though some fail, logs each failure by step, and rethrows the first', async () => {
    const ran: string[] = [];
    const lines: string[] = [];
    const logger = createLogger({ level: 'error', write: (l) => lines.push(l) });
    const run = closeAll(
      [
        ['a', () => ran.push('a')],
        ['b', async () => {
          ran.push('b');
          throw new Error('b broke');
        }],
        ['c', () => {
          ran.push('c');
          throw new Error('c broke');
        }],
        ['d', async () => {
          await new Promise((r) => setImmediate(r));
          ran.push('d');
        }],
      ],
      logger,
    );
    await expect(run).rejects.toThrow('b broke');
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    expect(lines.map((l) => JSON.parse(l) as { msg: string; step: string; err: { message: string } })).toMatchObject([
      { msg: 'close failed', step: 'b', err: { message: 'b broke' } },
      { msg: 'close failed', step: 'c', err: { message: 'c broke' } },
    ]);
  });

  it('resolves when every step succeeds', async () => {
    await expect(closeAll([['only', async () => undefined]], createLogger({ level: 'silent' }))).resolves.toBeUndefined();
  });
});
