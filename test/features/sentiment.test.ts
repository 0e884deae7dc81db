import { describe, expect, it } from 'vitest';
import { lexiconScore, reviewSentiment } from '../../src/features/index.ts';

describe('review sentiment', () => {
  it.each([
    ['en', 'Great quality, I love it, highly recommend', 1],
    ['en', 'Terrible. Broke after a week, total waste of money', -1],
    ['de', 'Sehr gut, bequem und schnell geliefert', 1],
    ['de', 'Leider kaputt angekommen, total enttäuscht', -1],
    ['fr', 'Excellente qualité, je recommande', 1],
    ['fr', 'Très déçu, produit cassé et moche', -1],
    ['es', 'Excelente calidad, muy cómodo, lo recomiendo', 1],
    ['es', 'Llegó roto, pésimo, muy decepcionado', -1],
    ['pt', 'Ótimo produto, adorei, recomendo', 1],
    ['pt', 'Péssimo, veio quebrado, horrível', -1],
    ['ja', 'とても良い商品で満足しています。おすすめです', 1],
    ['ja', '最悪です。すぐに壊れました。返品します', -1],
  ])('%s: %s', (lang, text, sign) => {
    const { score, hits } = lexiconScore(text, `${lang}`);
    expect(hits).toBeGreaterThan(0);
    expect(Math.sign(score)).toBe(sign);
  });

  it('flips words after a negator', () => {
    expect(lexiconScore('not good at all', 'en').score).toBe(-1);
    expect(lexiconScore('nicht gut', 'de-DE').score).toBe(-1);
    expect(lexiconScore('no es bueno', 'es').score).toBe(-1);
    expect(lexiconScore('não é bom', 'pt-BR').score).toBe(-1);
    expect(lexiconScore('良くない', 'ja').score).toBe(-1);
  });

  it('blends the rating with the text, and falls back to the rating alone', () => {
    expect(reviewSentiment('', 'en', 5)).toBe(1);
    expect(reviewSentiment('', 'en', 1)).toBe(-1);
    expect(reviewSentiment('no words that matter here', 'en', 4)).toBe(0.5);
    expect(reviewSentiment('Great, love it', 'en', 3)).toBe(0.5);
    expect(reviewSentiment('Awful', 'en', 5)).toBe(0);
    // No lexicon for this language: the rating speaks.
    expect(reviewSentiment('Świetny produkt', 'pl-PL', 5)).toBe(1);
  });
});
