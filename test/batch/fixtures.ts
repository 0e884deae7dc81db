import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng } from '../../src/core/index.ts';

/**
 * Structured synthetic sequences: each user walks a chain i → i+1 (mod n) with probability `follow`,
 * otherwise jumps to a random item; popularity alone cannot see the chain, transitions can.
 */
export function chainSequences({ users = 300, items = 80, minLen = 5, maxLen = 12, follow = 0.85, seed = 7 } = {}): number[][] {
  const rng = createRng(seed);
  const out: number[][] = [];
  for (let u = 0; u < users; u++) {
    const len = minLen + rng.int(maxLen - minLen + 1);
    let cur = 1 + rng.int(items);
    const seq: number[] = [];
    const seen = new Set<number>();
    while (seq.length < len) {
      if (!seen.has(cur)) {
        seq.push(cur);
        seen.add(cur);
      }
      cur = rng.next() < follow ? (cur % items) + 1 : 1 + rng.int(items);
    }
    out.push(seq);
  }
  return out;
}

export async function writeLinesFile(dir: string, name: string, seqs: readonly number[][]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, seqs.map((s, u) => `${u + 1} ${s.join(' ')}`).join('\n') + '\n');
  return path;
}

/** A sessions folder: the first 80% of sessions train, prefixes of the rest test. */
export async function writeSessionsDir(dir: string, seqs: readonly number[][]): Promise<string> {
  const cut = Math.floor(seqs.length * 0.8);
  const train = seqs.slice(0, cut).map((s) => JSON.stringify(s));
  const test: string[] = [];
  for (const s of seqs.slice(cut)) {
    for (let k = s.length - 1; k >= 1; k--) test.push(JSON.stringify({ prefix: s.slice(0, k), target: s[k] }));
  }
  await writeFile(join(dir, 'train_sessions.jsonl'), train.join('\n') + '\n');
  await writeFile(join(dir, 'test.jsonl'), test.join('\n') + '\n');
  return dir;
}
