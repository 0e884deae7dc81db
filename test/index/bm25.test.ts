import { describe, expect, it } from 'vitest';
import { createRng, isMeridianError } from '../../src/core/index.ts';
import { createBm25Index } from '../../src/index/index.ts';
import type { LexicalDoc, LexicalIndex } from '../../src/index/index.ts';

const ids = (r: { id: string }[]): string[] => r.map((x) => x.id);

const doc = (id: string, texts: string[], markets: string[] = ['de', 'fr', 'jp', 'es', 'br']): LexicalDoc => ({
  id,
  texts,
  markets,
});

function indexOf(docs: LexicalDoc[]): LexicalIndex {
  const index = createBm25Index({});
  for (const d of docs) index.upsert(d);
  return index;
}

const FILLER =
  'a versatile everyday product made from recycled materials with a comfortable fit, reinforced ' +
  'stitching, a two year warranty, free returns within thirty days and careful packaging for travel';

describe('createBm25Index', () => {
  it('ranks a short title with the term above a long text that mentions it once', () => {
    const index = indexOf([
      doc('long', ['Everyday bag', `${FILLER}; pairs well with running shoes; ${FILLER}`]),
      doc('short', ['Running shoes']),
      doc('other', ['Leather wallet', FILLER]),
    ]);
    const res = index.search('de', 'shoes', 10);
    expect(ids(res)).toEqual(['short', 'long']);
    expect(res[0]!.score).toBeGreaterThan(res[1]!.score);
    // More query terms matched beats fewer.
    const both = index.search('de', 'leather shoes running', 10);
    expect(both[0]?.id).toBe('short');
    expect(ids(both)).toContain('other');
  });

  it('matches across case, diacritics and scripts in every language', () => {
    const index = indexOf([
      doc('de', ['Laufschuh Größe 42', 'Leichter Laufschuh für Straße und Gelände']),
      doc('fr', ['Crème hydratante', 'Soin du visage à l’aloe vera']),
      doc('ja', ['軽量ランニングシューズ', '通気性のよいメッシュ素材']),
      doc('es', ['Zapatillas de montaña', 'Suela de goma para senderismo']),
      doc('pt', ['Calçados confortáveis', 'Sapatos de couro para o dia a dia']),
    ]);
    const top = (q: string): string | undefined => index.search('de', q, 1)[0]?.id;
    expect(top('grösse')).toBe('de');
    expect(top('GROSSE')).toBe('de');
    expect(top('strasse')).toBe('de');
    expect(top('creme')).toBe('fr');
    expect(top('CRÈME')).toBe('fr');
    expect(top('シューズ')).toBe('ja');
    expect(top('ランニング')).toBe('ja');
    expect(top('montana')).toBe('es');
    expect(top('calcados')).toBe('pt');
    expect(top('confortaveis')).toBe('pt');
  });

  it('returns nothing for an empty, all-punctuation or unmatched query', () => {
    const index = indexOf([doc('a', ['Running shoes'])]);
    expect(index.search('de', '', 10)).toEqual([]);
    expect(index.search('de', '  !!! ... ¿? ', 10)).toEqual([]);
    expect(index.search('de', 'umbrella', 10)).toEqual([]);
    expect(index.search('de', 'shoes', 0)).toEqual([]);
  });

  it('counts a repeated query term once', () => {
    const index = indexOf([doc('a', ['Running shoes']), doc('b', ['Running socks'])]);
    const once = index.search('de', 'shoes', 1)[0]!.score;
    expect(index.search('de', 'shoes shoes shoes', 1)[0]!.score).toBeCloseTo(once, 12);
  });

  it('keeps only docs of the market', () => {
    const index = indexOf([doc('de1', ['Winter jacket'], ['de']), doc('fr1', ['Winter jacket'], ['fr']), doc('both', ['Winter jacket warm'], ['de', 'fr'])]);
    expect(ids(index.search('de', 'jacket', 10)).sort()).toEqual(['both', 'de1']);
    expect(ids(index.search('fr', 'jacket', 10)).sort()).toEqual(['both', 'fr1']);
    expect(index.search('us', 'jacket', 10)).toEqual([]);
  });

  it('removes a doc at once and replaces a doc on upsert of the same id', () => {
    const index = indexOf([doc('a', ['Red running shoes']), doc('b', ['Blue running shoes'])]);
    expect(index.size()).toBe(2);
    index.remove('a');
    index.remove('a');
    expect(index.size()).toBe(1);
    expect(index.search('de', 'red', 10)).toEqual([]);
    expect(ids(index.search('de', 'running', 10))).toEqual(['b']);

    index.upsert(doc('b', ['Green rain coat'], ['fr']));
    expect(index.size()).toBe(1);
    expect(index.search('fr', 'shoes', 10)).toEqual([]);
    expect(index.search('de', 'coat', 10)).toEqual([]);
    expect(ids(index.search('fr', 'coat', 10))).toEqual(['b']);
  });

  it('keeps statistics exact under upserts and removals (same scores as a fresh build)', () => {
    const rng = createRng(3);
    const words = ['shoe', 'boot', 'red', 'blue', 'wool', 'rain', 'coat', 'sock', 'trail', 'light'];
    const text = (): string => Array.from({ length: 1 + rng.int(12) }, () => rng.pick(words)).join(' ');
    const live = new Map<string, LexicalDoc>();
    const churned = createBm25Index({});
    for (let step = 0; step < 600; step++) {
      const id = `d${rng.int(80)}`;
      if (rng.next() < 0.25) {
        churned.remove(id);
        live.delete(id);
      } else {
        const d = doc(id, [text(), text()], rng.next() < 0.5 ? ['de'] : ['de', 'fr']);
        churned.upsert(d);
        live.set(id, d);
      }
    }
    const fresh = indexOf([...live.values()]);
    expect(churned.size()).toBe(fresh.size());
    for (const q of ['shoe', 'red wool', 'trail light coat', 'sock rain']) {
      for (const m of ['de', 'fr']) {
        const a = churned.search(m, q, 1000);
        const b = fresh.search(m, q, 1000);
        const scores = new Map(b.map((r) => [r.id, r.score]));
        expect(ids(a).sort()).toEqual(ids(b).sort());
        for (const r of a) expect(r.score).toBeCloseTo(scores.get(r.id)!, 9);
      }
    }
  });

  it('returns the true top k, best first, when many docs match', () => {
    const rng = createRng(5);
    const index = createBm25Index({});
    for (let i = 0; i < 500; i++) {
      const n = 1 + rng.int(20);
      index.upsert(doc(`d${i}`, [Array.from({ length: n }, () => (rng.next() < 0.3 ? 'shoe' : 'sock')).join(' ')]));
    }
    const all = index.search('de', 'shoe', 1000);
    const top = index.search('de', 'shoe', 7);
    expect(top).toHaveLength(7);
    expect(top).toEqual(all.slice(0, 7));
    for (let i = 1; i < all.length; i++) expect(all[i]!.score).toBeLessThanOrEqual(all[i - 1]!.score);
  });

  it('fails fast on bad options', () => {
    for (const opts of [{ k1: 0 }, { k1: -1 }, { b: 1.5 }, { b: -0.1 }, { maxQueryTokens: 0 }]) {
      let err: unknown;
      try {
        createBm25Index(opts);
      } catch (e) {
        err = e;
      }
      expect(isMeridianError(err) && err.code).toBe('index_option_invalid');
    }
  });
});
