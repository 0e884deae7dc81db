import { grow, tokenize } from '../core/index.ts';
import type { Instrumentation, Scored } from '../core/index.ts';
import { addPosting, dropPosting, type Postings } from './bm25-postings.ts';
import { checkInt, checkRange } from './checks.ts';
import { createTopK, type TopK } from './topk.ts';
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

/**
 * Everything one BM25 index holds. Documents are dense slots: the arrays by slot grow together
 * (`capacity`), and a removed document's slot goes on `free` for the next upsert.
 */
interface Bm25State {
  readonly k1: number;
  readonly b: number;
  readonly maxQueryTokens: number;
  readonly postings: Postings;
  readonly slotOf: Map<string, number>;
  readonly idOf: (string | undefined)[];
  /** The distinct tokens of each slot, to find its postings on removal. */
  readonly tokensOf: (string[] | undefined)[];
  readonly marketsOf: (string[] | undefined)[];
  readonly free: number[];
  /** Per market, a byte per slot: 1 where the document may be returned in that market. */
  readonly inMarket: Map<string, Uint8Array<ArrayBuffer>>;
  capacity: number;
  docLen: Float64Array<ArrayBuffer>;
  /** Per-query scratch: accumulated scores and the slots they were written to (reset after use). */
  acc: Float64Array<ArrayBuffer>;
  touched: Int32Array<ArrayBuffer>;
  nextSlot: number;
  docs: number;
  totalLen: number;
  readonly top: TopK;
  /** The id of a live slot, for `top.drain` (made once, not per query). */
  readonly slotId: (slot: number) => string;
}

function createState(k1: number, b: number, maxQueryTokens: number, capacity = 1024): Bm25State {
  const idOf: (string | undefined)[] = [];
  return {
    k1, b, maxQueryTokens,
    postings: new Map(),
    slotOf: new Map(),
    idOf,
    tokensOf: [],
    marketsOf: [],
    free: [],
    inMarket: new Map(),
    capacity,
    docLen: new Float64Array(capacity),
    acc: new Float64Array(capacity),
    touched: new Int32Array(capacity),
    nextSlot: 0,
    docs: 0,
    totalLen: 0,
    top: createTopK(),
    slotId: (slot) => idOf[slot] as string,
  };
}

/** Doubles every array by slot (the per-query scratch holds nothing between queries: acc is all zeros). */
function growSlots(s: Bm25State): void {
  s.capacity *= 2;
  s.docLen = grow(s.docLen, s.capacity);
  s.acc = grow(s.acc, s.capacity);
  s.touched = grow(s.touched, s.capacity);
  for (const [m, flags] of s.inMarket) s.inMarket.set(m, grow(flags, s.capacity));
}

function flagsOf(s: Bm25State, market: string): Uint8Array {
  let f = s.inMarket.get(market);
  if (f === undefined) {
    f = new Uint8Array(s.capacity);
    s.inMarket.set(market, f);
  }
  return f;
}

function removeDoc(s: Bm25State, id: string): void {
  const slot = s.slotOf.get(id);
  if (slot === undefined) return;
  for (const t of s.tokensOf[slot] ?? []) dropPosting(s.postings, t, slot);
  for (const m of s.marketsOf[slot] ?? []) flagsOf(s, m)[slot] = 0;
  s.totalLen -= s.docLen[slot] as number;
  s.docLen[slot] = 0;
  s.tokensOf[slot] = undefined;
  s.marketsOf[slot] = undefined;
  s.idOf[slot] = undefined;
  s.slotOf.delete(id);
  s.free.push(slot);
  s.docs--;
}

/** Each token's count over all of `texts`, and their total. */
function termFrequencies(texts: readonly string[]): { tf: Map<string, number>; len: number } {
  const tf = new Map<string, number>();
  let len = 0;
  for (const text of texts) {
    for (const t of tokenize(text)) {
      tf.set(t, (tf.get(t) ?? 0) + 1);
      len++;
    }
  }
  return { tf, len };
}

function upsertDoc(s: Bm25State, doc: LexicalDoc): void {
  removeDoc(s, doc.id);
  const { tf, len } = termFrequencies(doc.texts);
  let slot = s.free.pop();
  if (slot === undefined) {
    if (s.nextSlot === s.capacity) growSlots(s);
    slot = s.nextSlot++;
  }
  for (const [t, n] of tf) addPosting(s.postings, t, slot, n);
  const markets = [...new Set(doc.markets)];
  for (const m of markets) flagsOf(s, m)[slot] = 1;
  s.tokensOf[slot] = [...tf.keys()];
  s.marketsOf[slot] = markets;
  s.idOf[slot] = doc.id;
  s.slotOf.set(doc.id, slot);
  s.docLen[slot] = len;
  s.totalLen += len;
  s.docs++;
}

/** Distinct query tokens, in order, at most `max`. */
function queryTokens(query: string, max: number): string[] {
  const all = tokenize(query);
  const out: string[] = [];
  for (const t of all) {
    if (out.length === max) break;
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/**
 * Adds each query token's BM25 term to `acc` for the docs of the market that hold it, listing each
 * slot written in `touched` once; returns how many.
 */
function accumulate(s: Bm25State, flags: Uint8Array, query: string): number {
  const { k1, b, docLen, acc, touched } = s;
  const avgLen = s.totalLen / s.docs || 1;
  let nTouched = 0;
  for (const t of queryTokens(query, s.maxQueryTokens)) {
    const p = s.postings.get(t);
    if (p === undefined) continue;
    // Lucene's idf: never negative, so a very common token still counts a little.
    const idf = Math.log(1 + (s.docs - p.n + 0.5) / (p.n + 0.5));
    const { docs: ds, tfs } = p;
    for (let i = 0; i < p.n; i++) {
      const slot = ds[i] as number;
      if (flags[slot] === 0) continue;
      const f = tfs[i] as number;
      const norm = k1 * (1 - b + (b * (docLen[slot] as number)) / avgLen);
      const score = (idf * f * (k1 + 1)) / (f + norm);
      if (acc[slot] === 0) touched[nTouched++] = slot;
      acc[slot] = (acc[slot] as number) + score;
    }
  }
  return nTouched;
}

function searchDocs(s: Bm25State, market: string, query: string, k: number): Scored[] {
  const flags = s.inMarket.get(market);
  if (flags === undefined || s.docs === 0 || !(k >= 1)) return [];
  const nTouched = accumulate(s, flags, query);
  const { acc, touched, top } = s;
  top.reset(Math.floor(k));
  for (let i = 0; i < nTouched; i++) {
    const slot = touched[i] as number;
    top.push(acc[slot] as number, slot);
    acc[slot] = 0;
  }
  return top.drain(s.slotId);
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
  const s = createState(k1, b, maxQueryTokens);

  return {
    upsert(doc) {
      upsertDoc(s, doc);
      instrumentation?.emit('index.upsert', { kind: 'lexical' });
    },
    remove: (id) => removeDoc(s, id),
    search(market, query, k) {
      if (instrumentation === undefined) return searchDocs(s, market, query, k);
      const t0 = performance.now();
      const out = searchDocs(s, market, query, k);
      instrumentation.emit('index.search', { kind: 'lexical', ms: performance.now() - t0 });
      return out;
    },
    size: () => s.docs,
  };
}
