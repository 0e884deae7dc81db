import { describe, expect, it } from 'vitest';
import { eventRow, rangeConditions, sqlInt, sqlString } from '../../src/event-store/sql.ts';
import { dayWindows } from '../../src/event-store/scan.ts';
import { VALID } from '../support/samples.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';

describe('ClickHouse SQL helpers', () => {
  it('escapes quotes, backslashes and control characters in string literals', () => {
    expect(sqlString("o'brien")).toBe("'o\\'brien'");
    expect(sqlString('a\\')).toBe("'a\\\\'");
    expect(sqlString('x\n\0')).toBe("'x\\x0a\\x00'");
    expect(sqlString('東京')).toBe("'東京'");
  });

  it('lets only safe integers into SQL', () => {
    expect(sqlInt(42)).toBe('42');
    expect(() => sqlInt(1.5)).toThrow();
    expect(() => sqlInt(Number.NaN)).toThrow();
  });

  it('turns a range into conditions on the stored columns', () => {
    expect(rangeConditions({ tenant: 't', user: "u'1", from: 10, to: 20 })).toEqual([
      "tenant = 't'",
      "shopper = 'u:u\\'1'",
      'ts >= 10',
      'ts < 20',
    ]);
    expect(rangeConditions({})).toEqual([]);
  });

  it('stores the shopper key, item and body of an event', () => {
    const row = JSON.parse(eventRow({ ...VALID.search, tenant: 'default' } as MeridianEvent)) as Record<string, unknown>;
    expect(row).toMatchObject({ tenant: 'default', type: 'search', market: 'DE', shopper: 's:s2', item: 'sku-4', ts: VALID.search.ts });
    expect(JSON.parse(row.body as string)).toEqual({ ...VALID.search, tenant: 'default' });
    const catalog = JSON.parse(eventRow({ ...VALID.item_delete, tenant: 'default', user_id: 'u9' } as MeridianEvent)) as Record<string, unknown>;
    expect(catalog).toMatchObject({ shopper: '', market: '', item: 'sku-9' });
  });
});

describe('dayWindows', () => {
  const rows = (days: [string, number][]): string => days.map(([day, n]) => `${day}\t${n}`).join('\n') + '\n';

  it('groups consecutive days into windows of about a page, the last open-ended', () => {
    expect(dayWindows(rows([['2024-01-01', 4], ['2024-01-02', 3], ['2024-01-05', 9], ['2024-01-06', 1]]), 5)).toEqual([
      ['2024-01-01', '2024-01-02'],
      ['2024-01-05', '2024-01-05'],
      ['2024-01-06', undefined],
    ]);
    expect(dayWindows(rows([['2024-01-01', 5]]), 5)).toEqual([['2024-01-01', undefined]]);
    expect(dayWindows('', 5)).toEqual([]);
  });
});
