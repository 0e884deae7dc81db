import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createInstrumentation } from '../../src/core/index.ts';
import { DEAD_LETTER_RAW_BYTES, createFileDeadLetterSink, createMemoryDeadLetterSink, openDeadLetterSink, type DeadLetter } from '../../src/dead-letters/index.ts';
import { tempDir } from '../support/helpers.ts';

const letter = (i: number, raw = `{"id":"e${i}"}`): DeadLetter => ({
  source: 'http',
  reason: 'invalid_field',
  errors: [{ field: 'market', rule: 'pattern', message: 'market: Expected string to match' }],
  raw,
  position: i,
  at: 1_700_000_000_000 + i,
});

describe('memory dead-letter sink', () => {
  it('keeps the newest letters in a ring and counts every letter written', async () => {
    const sink = createMemoryDeadLetterSink({ capacity: 3 });
    await sink.write([letter(1), letter(2)]);
    await sink.write([letter(3), letter(4), letter(5)]);
    expect(sink.count()).toBe(5);
    expect(sink.recent(10).map((l) => l.position)).toEqual([3, 4, 5]);
    expect(sink.recent(2).map((l) => l.position)).toEqual([4, 5]);
    expect(sink.recent(0)).toEqual([]);
  });

  it('cuts raw input to 4 KiB of UTF-8 without splitting a character', async () => {
    const sink = createMemoryDeadLetterSink();
    await sink.write([letter(1, 'é'.repeat(5000)), letter(2, 'short')]);
    const [long, short] = sink.recent(2);
    expect(Buffer.byteLength(long?.raw ?? '')).toBe(DEAD_LETTER_RAW_BYTES);
    expect(long?.raw).toBe('é'.repeat(DEAD_LETTER_RAW_BYTES / 2));
    expect(short?.raw).toBe('short');
  });

  it('reports each letter to instrumentation', async () => {
    const instrumentation = createInstrumentation();
    const seen: string[] = [];
    instrumentation.on('deadletter.written', (p) => seen.push(`${p.source}:${p.reason}`));
    await createMemoryDeadLetterSink({ instrumentation }).write([letter(1), letter(2)]);
    expect(seen).toEqual(['http:invalid_field', 'http:invalid_field']);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => createMemoryDeadLetterSink({ capacity: 0 })).toThrow(/capacity/);
  });
});

describe('file dead-letter sink', () => {
  it('appends one JSON line per letter, creating the directory, and keeps recent ones', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const path = join(dir, 'nested', 'dead.ndjson');
      const sink = await openDeadLetterSink(`file:${path}`);
      await Promise.all([sink.write([letter(1), letter(2)]), sink.write([letter(3, 'x'.repeat(10_000))])]);
      await sink.close();
      const lines = (await readFile(path, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as DeadLetter);
      expect(lines.map((l) => l.position)).toEqual([1, 2, 3]);
      expect(lines[0]).toEqual(letter(1));
      expect(lines[2]?.raw).toHaveLength(DEAD_LETTER_RAW_BYTES);
      expect(sink.count()).toBe(3);
      expect(sink.recent(1).map((l) => l.position)).toEqual([3]);
      await expect(sink.write([letter(4)])).rejects.toMatchObject({ code: 'dead_letters_closed' });
    } finally {
      await cleanup();
    }
  });

  it('rejects a write it could not make, retriably', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const sink = createFileDeadLetterSink({ path: dir }); // a directory: appending fails
      await expect(sink.write([letter(1)])).rejects.toMatchObject({ code: 'dead_letters_write_failed', retriable: true });
      expect(sink.count()).toBe(0);
    } finally {
      await cleanup();
    }
  });
});

describe('openDeadLetterSink', () => {
  it('opens memory: and refuses unknown URLs, naming them', async () => {
    const sink = await openDeadLetterSink('memory:');
    await sink.write([letter(1)]);
    expect(sink.recent(5)).toHaveLength(1);
    await expect(openDeadLetterSink('s3://bucket/x')).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('s3://bucket/x') });
    await expect(openDeadLetterSink('file:')).rejects.toMatchObject({ code: 'config_invalid' });
  });
});
