import { describe, expect, it } from 'vitest';
import { pickTitle } from '../../src/engine/index.ts';

describe('pickTitle', () => {
  const titles = { en: 'Running shoes', de: 'Laufschuhe', 'ja-JP': 'ランニングシューズ', 'pt-BR': 'Tênis de corrida' };

  it('takes the exact locale, then its language', () => {
    expect(pickTitle(titles, 'ja-JP', 'JP')).toBe('ランニングシューズ');
    expect(pickTitle(titles, 'de-AT', 'AT')).toBe('Laufschuhe');
    expect(pickTitle(titles, 'pt-PT', 'PT')).toBe('Tênis de corrida');
  });

  it("without a locale takes the market's language, then English", () => {
    expect(pickTitle(titles, undefined, 'DE')).toBe('Laufschuhe');
    expect(pickTitle(titles, undefined, 'BR')).toBe('Tênis de corrida');
    expect(pickTitle(titles, undefined, 'SE')).toBe('Running shoes');
    expect(pickTitle(titles, 'ko-KR', 'KR')).toBe('Running shoes');
  });

  it('falls back to any title when there is no English one', () => {
    expect(pickTitle({ fr: 'Chaussures' }, 'ja-JP', 'JP')).toBe('Chaussures');
  });
});
