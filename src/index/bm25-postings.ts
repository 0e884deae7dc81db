import { grow } from '../core/index.ts';

/** The docs containing one token with the token's frequency in each; unordered, swap-removed. */
export interface Posting {
  docs: Int32Array<ArrayBuffer>;
  tfs: Int32Array<ArrayBuffer>;
  n: number;
}

/** The postings of every token, by token. */
export type Postings = Map<string, Posting>;

/** Records that `slot` holds `token` `tf` times (the slot must not be in the token's list yet). */
export function addPosting(postings: Postings, token: string, slot: number, tf: number): void {
  let p = postings.get(token);
  if (p === undefined) {
    p = { docs: new Int32Array(4), tfs: new Int32Array(4), n: 0 };
    postings.set(token, p);
  } else if (p.n === p.docs.length) {
    p.docs = grow(p.docs, p.n + 1);
    p.tfs = grow(p.tfs, p.n + 1);
  }
  p.docs[p.n] = slot;
  p.tfs[p.n] = tf;
  p.n++;
}

/** Drops `slot` from the token's list (the last entry takes its place); an emptied list goes. */
export function dropPosting(postings: Postings, token: string, slot: number): void {
  const p = postings.get(token);
  if (p === undefined) return;
  const at = p.docs.subarray(0, p.n).indexOf(slot);
  if (at < 0) return;
  p.n--;
  p.docs[at] = p.docs[p.n] as number;
  p.tfs[at] = p.tfs[p.n] as number;
  if (p.n === 0) postings.delete(token);
}
