import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileDeadLetterSink, createMemoryDeadLetterSink, digestOf, openDeadLetterSink, redactLetter, type DeadLetter } from '../../src/dead-letters/index.ts';
import { tempDir } from '../support/helpers.ts';

const letter = (i: number, raw = JSON.stringify({ id: `e${i}`, pad: 'x'.repeat(80) })): DeadLetter => ({
  source: 'http', reason: 'invalid_field', errors: [{ field: 'market', rule: 'pattern', message: 'market: Expected string to match' }], raw, position: i, at: 1_700_000_000_000 + i,
});

const lines = async (path: string): Promise<number[]> =>
  (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as DeadLetter).position as number);

describe('file dead-letter sink rotation', () => {
  it('starts a new file past maxBytes and keeps `keep` files, the oldest deleted', async () => {
    const { dir, cleanup } = await tempDir('meridian-dl-rot-');
    try {
      const path = join(dir, 'dl.ndjson');
      const one = Buffer.byteLength(JSON.stringify(letter(0)) + '\n');
      const sink = createFileDeadLetterSink({ path, rotation: { maxBytes: 3 * one, keep: 3 } });
      for (let i = 0; i < 10; i++) await sink.write([letter(i)]);
      await sink.close();
      expect((await readdir(dir)).sort()).toEqual(['dl.ndjson', 'dl.ndjson.1', 'dl.ndjson.2']);
      expect(await lines(path)).toEqual([9]);
      expect(await lines(`${path}.1`)).toEqual([6, 7, 8]);
      expect(await lines(`${path}.2`)).toEqual([3, 4, 5]);
      expect(sink.count()).toBe(10);
    } finally {
      await cleanup();
    }
  });

  it('counts a file left by an earlier process, and a write bigger than maxBytes still lands whole', async () => {
    const { dir, cleanup } = await tempDir('meridian-dl-rot-');
    try {
      const path = join(dir, 'dl.ndjson');
      await writeFile(path, 'x'.repeat(900) + '\n');
      const sink = createFileDeadLetterSink({ path, rotation: { maxBytes: 1000, keep: 2 } });
      await sink.write(Array.from({ length: 20 }, (_, i) => letter(i)));
      await sink.close();
      expect(await lines(path)).toHaveLength(20);
      expect((await readFile(`${path}.1`, 'utf8')).startsWith('xxx')).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('keep: 1 keeps only the current file', async () => {
    const { dir, cleanup } = await tempDir('meridian-dl-rot-');
    try {
      const path = join(dir, 'dl.ndjson');
      const sink = createFileDeadLetterSink({ path, rotation: { maxBytes: 300, keep: 1 } });
      for (let i = 0; i < 6; i++) await sink.write([letter(i)]);
      await sink.close();
      expect(await readdir(dir)).toEqual(['dl.ndjson']);
      expect((await lines(path)).at(-1)).toBe(5);
    } finally {
      await cleanup();
    }
  });

  it('refuses bad rotation options', () => {
    expect(() => createFileDeadLetterSink({ path: '/tmp/x', rotation: { maxBytes: 0 } })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => createFileDeadLetterSink({ path: '/tmp/x', rotation: { keep: 0 } })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });
});

describe('dead-letter redaction', () => {
  const review = { id: 'r1', type: 'review', user_id: 'alice@example.com', session_id: 's-77', text: 'my address is 1 Main St', rating: 9, item_id: 'sku-1' };
  const bad: DeadLetter = {
    ...letter(1, JSON.stringify(review)),
    errors: [{ field: 'event', rule: 'store', message: 'refused: parsed text "alice@example.com" in shopper' }],
  };

  it('hash: personal fields become digests (the same value, the same digest), the rest stays', () => {
    const out = redactLetter(bad, 'hash');
    const raw = JSON.parse(out.raw) as Record<string, unknown>;
    expect(raw).toEqual({ ...review, user_id: digestOf('alice@example.com'), session_id: digestOf('s-77'), text: digestOf('my address is 1 Main St') });
    expect(out.raw).not.toContain('alice');
    expect(out.errors[0]?.message).toBe(`refused: parsed text "${digestOf('alice@example.com')}" in shopper`);
    expect(digestOf('alice@example.com')).toMatch(/^sha256:[0-9a-f]{32}$/);
  });

  it('drop: personal fields are removed, also from the messages', () => {
    const out = redactLetter(bad, 'drop');
    expect(JSON.parse(out.raw)).toEqual({ id: 'r1', type: 'review', rating: 9, item_id: 'sku-1' });
    expect(out.errors[0]?.message).toBe('refused: parsed text "<user_id>" in shopper');
  });

  it('raw that is not a JSON object (cut short, CSV) is dropped whole or digested whole', () => {
    const cut = letter(2, '{"id":"e2","user_id":"bob"'); // a line cut short
    expect(redactLetter(cut, 'drop').raw).toBe('');
    expect(redactLetter(cut, 'hash').raw).toBe(digestOf(cut.raw));
    expect(redactLetter(letter(3, 'e3,view,bob'), 'drop').raw).toBe('');
  });

  it('openDeadLetterSink applies it before writing, on the file as on memory', async () => {
    const { dir, cleanup } = await tempDir('meridian-dl-red-');
    try {
      const path = join(dir, 'dl.ndjson');
      const sink = await openDeadLetterSink(`file:${path}`, {}, { redact: 'drop' });
      await sink.write([bad]);
      await sink.close();
      const text = await readFile(path, 'utf8');
      expect(text).not.toMatch(/alice|Main St|s-77/);
      expect(sink.recent(1)[0]?.raw).not.toContain('alice');
      const mem = await openDeadLetterSink('memory:', {}, { redact: 'hash' });
      await mem.write([bad]);
      expect(mem.recent(1)[0]?.raw).toContain(digestOf('s-77'));
      const plain = await openDeadLetterSink('memory:');
      await plain.write([bad]);
      expect(plain.recent(1)[0]?.raw).toContain('alice');
      expect(createMemoryDeadLetterSink().count()).toBe(0);
    } finally {
      await cleanup();
    }
  });
});
