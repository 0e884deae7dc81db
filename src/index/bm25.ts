import { tokenize } from '../core/index.ts';
import type { Instrumentation, Scored } from '../core/index.ts';
import { checkInt, checkRange } from './checks.ts';
import { createTopK } from './topk.ts';
import type { LexicalDoc, LexicalIndex } from './types.ts';

export interface Bm25IndexOptions {
  /** Term-frequency saturation. */
  k1?: number;
  /** Length normalization, 0 (none) to 1 (full). */
  b?: number;
  /** Query tokens beyond this are ignored, which bounds the cost of a pasted paragraph. */
  maxQueryTokens?: number;
  instrumentation?: Instrumentation;
}

/** The docs containing one token with the token's frequency in each; unordered, swap-removed. */
interface Posting {
  docs: Int32Array;
  tfs: Int32Array;
  n: number;
}

/**
 * BM25 over every locale's text of an item, tokenized by the shared Unicode tokenizer (so "grösse"
 * finds "Größe" and "シューズ" finds "軽量ランニングシューズ"). Documents are dense slots, reused
 * after removal; per-market membership is a byte per slot, checked while walking the postings, so a
 * market restriction costs one array read per posting.
 */
export function createBm25Index({ k1 = 1.2, b = 0.75, maxQueryTokens = 32, instrumentation }: Bm25IndexOptions = {}): LexicalIndex {
  checkRange('k1', k1, 0, 100, true);
  checkRange('b', b, 0, 1);
  checkInt('maxQueryTokens', maxQueryTokens, 1);

  const postings = new Map<string, Posting>();
  const slotOf = new Map<string, number>();
  const idOf: (string | undefined)[] = [];
  /** The distinct tokens of each slot, to find its postings on removal. */
  const tokensOf: (string[] | undefined)[] = [];
  const marketsOf: (string[] | undefined)[] = [];
  const free: number[] = [];
  const inMarket = new Map<string, Uint8Array>();
  let capacity = 1024;
  let docLen = new Float64Array(capacity);
  // Per-query scratch: accumulated scores and the slots they were written to (reset after use).
  let acc = new Float64Array(capacity);
  let touched = new Int32Array(capacity);
  let nextSlot = 0;
  let docs = 0;
  let totalLen = 0;
  const top = createTopK();
  const slotId = (slot: number): string => idOf[slot] as string;

  const grow = (): void => {
    capacity *= 2;
    const len = new Float64Array(capacity); len.set(docLen); docLen = len;
    acc = new Float64Array(capacity);
    touched = new Int32Array(capacity);
    for (const [m, flags] of inMarket) {
      const f = new Uint8Array(capacity); f.set(flags); inMarket.set(m, f);
    }
  };

  const flagsOf = (market: string): Uint8Array => {
    let f = inMarket.get(market);
    if (f === undefined) {
      f = new Uint8Array(capacity);
      inMarket.set(market, f);
    }
    return f;
  };

  const addPosting = (token: string, slot: number, tf: number): void => {
    let p = postings.get(token);
    if (p === undefined) {
      p = { docs: new Int32Array(4), tfs: new Int32Array(4), n: 0 };
      postings.set(token, p);
    } else if (p.n === p.docs.length) {
      const d = new Int32Array(p.n * 2); d.set(p.docs); p.docs = d;
      const t = new Int32Array(p.n * 2); t.set(p.tfs); p.tfs = t;
    }
    p.docs[p.n] = slot;
    p.tfs[p.n] = tf;
    p.n++;
  };

  const dropPosting = (token: string, slot: number): void => {
    const p = postings.get(token);
    if (p === undefined) return;
    const at = p.docs.subarray(0, p.n).indexOf(slot);
    if (at < 0) return;
    p.n--;
    p.docs[at] = p.docs[p.n] as number;
    p.tfs[at] = p.tfs[p.n] as number;
    if (p.n === 0) postings.delete(token);
  };

  const remove = (id: string): void => {
    const slot = slotOf.get(id);
    if (slot === undefined) return;
    for (const t of tokensOf[slot] ?? []) dropPosting(t, slot);
    for (const m of marketsOf[slot] ?? []) flagsOf(m)[slot] = 0;
    totalLen -= docLen[slot] as number;
    docLen[slot] = 0;
    tokensOf[slot] = undefined;
    marketsOf[slot] = undefined;
    idOf[slot] = undefined;
    slotOf.delete(id);
    free.push(slot);
    docs--;
  };

  const upsert = (doc: LexicalDoc): void => {
    remove(doc.id);
    const tf = new Map<string, number>();
    let len = 0;
    for (const text of doc.texts) {
      for (const t of tokenize(text)) {
        tf.set(t, (tf.get(t) ?? 0) + 1);
        len++;
      }
    }
    let slot = free.pop();
    if (slot === undefined) {
      if (nextSlot === capacity) grow();
      slot = nextSlot++;
    }
    for (const [t, n] of tf) addPosting(t, slot, n);
    const markets = [...new Set(doc.markets)];
    for (const m of markets) flagsOf(m)[slot] = 1;
    tokensOf[slot] = [...tf.keys()];
    marketsOf[slot] = markets;
    idOf[slot] = doc.id;
    slotOf.set(doc.id, slot);
    docLen[slot] = len;
    totalLen += len;
    docs++;
    instrumentation?.emit('index.upsert', { kind: 'lexical' });
  };

  /** Distinct query tokens, in order, at most `maxQueryTokens`. */
  const queryTokens = (query: string): string[] => {
    const all = tokenize(query);
    const out: string[] = [];
    for (const t of all) {
      if (out.length === maxQueryTokens) break;
      if (!out.includes(t)) out.push(t);
    }
    return out;
  };

  const search = (market: string, query: string, k: number): Scored[] => {
    const flags = inMarket.get(market);
    if (flags === undefined || docs === 0 || !(k >= 1)) return [];
    const avgLen = totalLen / docs || 1;
    let nTouched = 0;
    for (const t of queryTokens(query)) {
      const p = postings.get(t);
      if (p === undefined) continue;
      // Lucene's idf: never negative, so a very common token still counts a little.
      const idf = Math.log(1 + (docs - p.n + 0.5) / (p.n + 0.5));
      const { docs: ds, tfs } = p;
      for (let i = 0; i < p.n; i++) {
        const slot = ds[i] as number;
        if (flags[slot] === 0) continue;
        const f = tfs[i] as number;
        const norm = k1 * (1 - b + (b * (docLen[slot] as number)) / avgLen);
        const s = (idf * f * (k1 + 1)) / (f + norm);
        if (acc[slot] === 0) touched[nTouched++] = slot;
        acc[slot] = (acc[slot] as number) + s;
      }
    }
    top.reset(Math.floor(k));
    for (let i = 0; i < nTouched; i++) {
      const slot = touched[i] as number;
      top.push(acc[slot] as number, slot);
      acc[slot] = 0;
    }
    return top.drain(slotId);
  };

  return {
    upsert,
    remove,
    search(market, query, k) {
      if (instrumentation === undefined) return search(market, query, k);
      const t0 = performance.now();
      const out = search(market, query, k);
      instrumentation.emit('index.search', { kind: 'lexical', ms: performance.now() - t0 });
      return out;
    },
    size: () => docs,
  };
}
