import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/core/index.ts';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-atomic-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('replaces the file with the new content and leaves no temporary file', async () => {
    const path = join(dir, 'sub', 'state.json');
    await writeFileAtomic(path, 'old');
    const bytes = await writeFileAtomic(path, ['ab', Buffer.from('cé')]);
    expect(await readFile(path, 'utf8')).toBe('abcé');
    expect(bytes).toBe(5);
    expect(await readdir(join(dir, 'sub'))).toEqual(['state.json']);
  });

  it('keeps the old content and removes the temporary file when writing fails', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, 'old');
    function* failing(): Generator<string> {
      yield 'partial';
      throw new Error('serializer failed');
    }
    await expect(writeFileAtomic(path, failing())).rejects.toThrow('serializer failed');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['state.json']);
  });
});
