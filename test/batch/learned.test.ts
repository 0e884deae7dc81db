import { describe, expect, it } from 'vitest';
import { augmentItems, augmentView, MASKED, parseAugment } from '../../src/models/encoders/augment.ts';
import { trainItem2Vec } from '../../src/models/encoders/item2vec.ts';
import { addLearned, createLearnedScorer, trainLearned } from '../../src/batch/train/learned.ts';
import { countTargets, finetuneNextItem } from '../../src/models/encoders/next-item.ts';
import { leaveOneOut } from '../../src/batch/evaluate/protocol.ts';
import { lineSequence, type ShopperSequence } from '../../src/models/data.ts';
import { buildModel, cacheComponents, tuneWeights, type EvalCase, type LearnedTop } from '../../src/batch/index.ts';
import { createRng, dot } from '../../src/core/index.ts';
import { chainSequences } from './fixtures.ts';

const VIEW_ONLY = { view: 1, click: 1, add_to_cart: 1, purchase: 1 };

describe('sequence augmentation', () => {
  it('parses operators with default or given rates and rejects bad ones', () => {
    expect(parseAugment('crop,mask=0.2').rates).toEqual({ crop: 0.6, mask: 0.2 });
    expect(parseAugment('reorder', 3).copies).toBe(3);
    expect(() => parseAugment('shuffle')).toThrow(/unknown augmentation/);
    expect(() => parseAugment('mask=1.5')).toThrow(/\(0, 1\]/);
    expect(() => parseAugment('')).toThrow(/at least one/);
  });

  it('crops a contiguous run, masks the asked share of steps, and reorders only inside one span', () => {
    const rng = createRng(4);
    const crop = augmentView(10, 'crop', 0.6, rng);
    expect(crop?.positions).toHaveLength(6);
    const start = crop?.start ?? -1;
    expect(Array.from(crop?.positions ?? [])).toEqual([0, 1, 2, 3, 4, 5].map((i) => start + i));
    const mask = augmentView(10, 'mask', 0.3, rng);
    expect(Array.from(mask?.positions ?? []).filter((p) => p === MASKED)).toHaveLength(3);
    expect(Array.from(mask?.positions ?? []).filter((p, i) => p !== MASKED && p !== i)).toEqual([]);
    const reorder = augmentView(20, 'reorder', 0.3, rng);
    const moved = Array.from(reorder?.positions ?? []).map((p, i) => (p === i ? -1 : i)).filter((i) => i >= 0);
    expect([...(reorder?.positions ?? [])].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    if (moved.length > 0) expect(Math.max(...moved) - Math.min(...moved)).toBeLessThan(6);
    expect(augmentView(2, 'crop', 0.5, rng)).toBeUndefined();
    expect(Array.from(augmentItems(Int32Array.of(5, 6, 7, 8), parseAugment('crop=0.5'), createRng(1)) ?? [])).toHaveLength(2);
  });
});

/** Two tastes: shoppers browse within one group of ten items. */
function clustered(seed: number, shoppers = 200, length = 8): Int32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: shoppers }, (_, s) => Int32Array.from({ length }, () => (s % 2) * 10 + rng.int(10)));
}

function groupGap(v: Float32Array, dim: number): number {
  const cos = (a: number, b: number): number => {
    const x = v.subarray(a * dim, (a + 1) * dim);
    const y = v.subarray(b * dim, (b + 1) * dim);
    return dot(x, y) / Math.sqrt(dot(x, x) * dot(y, y));
  };
  return (cos(0, 1) + cos(2, 7) + cos(11, 15)) / 3 - (cos(0, 11) + cos(2, 17) + cos(5, 15)) / 3;
}

describe('item2vec with augmentation and adversarial training', () => {
  it('still separates the two tastes, changes the result, and stays deterministic', async () => {
    const options = { dim: 16, epochs: 4, seed: 3, augment: parseAugment('crop,mask,reorder'), adversarial: 0.2 };
    const a = await trainItem2Vec(clustered(1), 20, options);
    const b = await trainItem2Vec(clustered(1), 20, options);
    const plain = await trainItem2Vec(clustered(1), 20, { dim: 16, epochs: 4, seed: 3 });
    expect(groupGap(a.vectors, 16)).toBeGreaterThan(0.3);
    expect(Array.from(a.vectors)).toEqual(Array.from(b.vectors));
    expect(Array.from(a.vectors)).not.toEqual(Array.from(plain.vectors));
    await expect(trainItem2Vec([], 1, { adversarial: -1 })).rejects.toMatchObject({ code: 'train_option_invalid' });
  });
});

/** Users walk 1 → 2 → … → 20 → 1; each item is viewed, the step after a cart is a purchase. */
function walks(users = 200, length = 8): ShopperSequence[] {
  const rng = createRng(5);
  return Array.from({ length: users }, (_, u) => {
    const start = rng.int(20);
    const s = lineSequence(String(u), Int32Array.from({ length }, (_, k) => ((start + k) % 20) + 1));
    s.types = s.types.map((_, k) => (k % 3 === 2 ? 'purchase' : 'view'));
    s.markets = s.markets.map(() => (u % 2 === 0 ? 'DE' : 'US'));
    return s;
  });
}

function nextHitRate(v: Float32Array, dim: number): number {
  const scorer = createLearnedScorer({ vectors: v, dim, halfLifeMs: 1000, weights: {} });
  let hits = 0;
  for (let i = 1; i <= 20; i++) {
    const prev = i === 1 ? 20 : i - 1;
    const top = scorer.top([prev, i], new Set([prev, i]), 1);
    if (top.ids[0] === (i % 20) + 1) hits++;
  }
  return hits / 20;
}

describe('next-item fine-tune', () => {
  const dim = 16;
  const start = (): Float32Array => {
    const rng = createRng(2);
    const v = new Float32Array(21 * dim);
    for (let i = dim; i < v.length; i++) v[i] = rng.normal() / 4;
    return v;
  };

  it('learns the walk through the user encoder and leaves its input untouched', async () => {
    const v0 = start();
    const copy = v0.slice();
    const losses: number[] = [];
    const r = await finetuneNextItem(walks(), v0, dim, { epochs: 8, halfLifeMs: 1000, weights: VIEW_ONLY, seed: 1 }, (p) => losses.push(p.loss));
    expect(nextHitRate(v0, dim)).toBeLessThan(0.3);
    // Chance is 1 in 18; one shared table for history and candidates cannot tell i+1 from i−1 by similarity alone.
    expect(nextHitRate(r.vectors, dim)).toBeGreaterThan(0.6);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);
    expect(Array.from(v0)).toEqual(Array.from(copy));
    expect(r.vectors.subarray(0, dim).every((x) => x === 0)).toBe(true);
  });

  it('counts only purchases, or one market, as targets when asked', () => {
    const seqs = walks(10, 7);
    expect(countTargets(seqs, { targets: 'all' })).toBe(60);
    expect(countTargets(seqs, { targets: 'purchases' })).toBe(20);
    expect(countTargets(seqs, { targets: 'all', market: 'DE' })).toBe(30);
  });

  it('trains adversarially and with augmentation: other vectors, the walk still learned', async () => {
    const base = { epochs: 8, halfLifeMs: 1000, weights: VIEW_ONLY, seed: 1 };
    const plain = await finetuneNextItem(walks(), start(), dim, base);
    const adv = await finetuneNextItem(walks(), start(), dim, { ...base, adversarial: 0.3 });
    const aug = await finetuneNextItem(walks(), start(), dim, { ...base, augment: parseAugment('mask=0.2,reorder=0.3') });
    expect(Array.from(adv.vectors)).not.toEqual(Array.from(plain.vectors));
    expect(Array.from(aug.vectors)).not.toEqual(Array.from(plain.vectors));
    expect(nextHitRate(adv.vectors, dim)).toBeGreaterThan(0.4);
    expect(nextHitRate(aug.vectors, dim)).toBeGreaterThan(0.4);
  });
});

describe('the learned component', () => {
  it('ranks every item by inner product with the encoded history, the excluded ones left out', () => {
    const rng = createRng(8);
    const dim = 8;
    const v = Float32Array.from({ length: 51 * dim }, () => rng.normal());
    const scorer = createLearnedScorer({ vectors: v, dim, halfLifeMs: 1000, weights: {} });
    const history = [3, 9, 4];
    const q = scorer.query(history);
    const brute = Array.from({ length: 50 }, (_, k) => k + 1)
      .filter((i) => !history.includes(i) && i !== 7)
      .sort((a, b) => dot(q, v.subarray(b * dim, (b + 1) * dim)) - dot(q, v.subarray(a * dim, (a + 1) * dim)));
    const top = scorer.top(history, new Set([...history, 7]), 10);
    expect(Array.from(top.ids)).toEqual(brute.slice(0, 10));
    expect(top.scores[0]).toBeCloseTo(dot(q, v.subarray((brute[0] as number) * dim, ((brute[0] as number) + 1) * dim)), 5);
    // The decay mix with one step per half-life: the latest item counts 1, the one before 1/2, then 1/4.
    const mix = new Float32Array(dim);
    [[4, 1], [9, 0.5], [3, 0.25]].forEach(([item, w]) => mix.forEach((_, d) => (mix[d] = (mix[d] as number) + (w as number) * (v[(item as number) * dim + d] as number))));
    const len = Math.sqrt(dot(mix, mix));
    for (let d = 0; d < dim; d++) expect(q[d]).toBeCloseTo((mix[d] as number) / len, 5);
  });

  it('turns scores into [0, 1] values above the cut', () => {
    const top: LearnedTop = { ids: Int32Array.of(5, 6, 7, 8), scores: Float32Array.of(0.9, 0.5, 0.4, 0.1) };
    const got = new Map<number, number>();
    addLearned(top, 2, 2, (i, v) => got.set(i, v));
    expect([...got.keys()]).toEqual([5, 6]);
    expect(got.get(5)).toBeCloseTo(2, 6);
    expect(got.get(6)).toBeCloseTo((2 * 0.1) / 0.5, 6);
  });

  it('is trained on the training part of the split only: test items unseen there get no learned vector', async () => {
    // Each user's last item is one no one else has: only the test cases hold it.
    const seqs = chainSequences({ users: 80, items: 30 }).map((s, u) => Int32Array.from([...s, 31 + u]));
    const split = leaveOneOut(seqs, 'test');
    const t = await trainLearned(split.train, 30 + 80, { dim: 8, epochs: 1, finetuneEpochs: 1, encoderFit: 'fixed', halfLifeMs: 1000 });
    for (const c of split.cases) expect(t.fitted.seen[c.target]).toBe(0);
    expect(t.fitted.seen[1]).toBe(1);
    expect(t.cpuSeconds).toBeGreaterThan(0);
  });

  it('gets weight 0 on validation when it does not help, and a weight when it does', () => {
    const seqs = chainSequences({ users: 200, items: 40 }).map((s) => Int32Array.from(s));
    const split = leaveOneOut(seqs, 'validation');
    const model = buildModel(split, 40, { weights: { popularity: 0.01, knn: 1, transitions: 0, neighbours: 0, repeat: 0 }, knn: { decay: 0.7 }, transitions: { orderDecay: 0, skipDecay: 0, maxGap: 1 }, neighbours: { k: 10, sample: 50, positionScale: 2, recencyScale: Infinity, neighbourScale: 2, before: 0.5, idf: 0, simPower: 1 }, repeat: { decay: 0.5 } });
    const cases: EvalCase[] = split.cases;
    const names = ['knn'] as const;
    const stats = tuneWeights(model, names, cases, 'ndcg10', () => undefined);
    const cached = cacheComponents(model, names, cases);
    const rng = createRng(3);
    const noise = cases.map((): LearnedTop => ({ ids: Int32Array.from({ length: 5 }, () => 1 + rng.int(40)), scores: Float32Array.of(5, 4, 3, 2, 1) }));
    const useless = tuneWeights(model, names, cases, 'ndcg10', () => undefined, { cached, initial: stats.params.weights, learned: { tops: noise, cuts: [2, 4] }, learnedOnly: true });
    expect(useless.learned?.weight).toBe(0);
    expect(useless.value).toBe(stats.value);
    const oracle = cases.map((c): LearnedTop => ({ ids: Int32Array.of(c.target, ...[1, 2, 3, 4].filter((i) => i !== c.target)), scores: Float32Array.of(5, 1, 1, 1, 1) }));
    const useful = tuneWeights(model, names, cases, 'ndcg10', () => undefined, { cached, initial: stats.params.weights, learned: { tops: oracle, cuts: [2, 4] }, learnedOnly: true });
    expect(useful.learned?.weight).toBeGreaterThan(0);
    expect(useful.value).toBeGreaterThan(stats.value);
    expect(useful.params.weights).toEqual(stats.params.weights);
  });
});
