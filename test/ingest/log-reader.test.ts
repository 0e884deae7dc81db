import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEventLog, type LogLine } from '../../src/ingest/index.ts';
import { tempDir } from '../support/helpers.ts';
import { VALID } from '../support/samples.ts';

let dir = '';
let cleanup: () => Promise<void> = async () => undefined;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

async function collect(lines: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of lines) out.push(l);
  return out;
}

/** Line number, then the event id when valid or the reason and first field when not. */
const summary = (l: LogLine): string =>
  l.result.ok ? `${l.line}:${l.result.event.id}` : `${l.line}:${l.result.reason}:${l.result.errors[0]?.field ?? ''}`;

const ndjson = [
  JSON.stringify(VALID.view),
  '',
  JSON.stringify(VALID.purchase),
  '{"type": "view", "id": "broken"',
  '   ',
  JSON.stringify({ ...VALID.click, market: 'france' }),
  JSON.stringify(VALID.item_upsert),
].join('\r\n');

const expectedNdjson = ['1:ev-view', '3:ev-buy', '4:unparseable:event', '6:invalid_field:market', '7:ev-item'];

describe('readEventLog: NDJSON', () => {
  it('yields every non-blank line with its number, good and bad', async () => {
    const path = join(dir, 'events.ndjson');
    await writeFile(path, ndjson + '\n');
    const lines = await collect(readEventLog(path));
    expect(lines.map(summary)).toEqual(expectedNdjson);
    expect(lines[2]?.raw).toBe('{"type": "view", "id": "broken"');
    expect(lines[4]?.result).toEqual({ ok: true, event: { ...VALID.item_upsert, tenant: 'default' } });
  });

  it('reads gzip by its magic bytes, from a .gz file or a nameless stream', async () => {
    const path = join(dir, 'events.jsonl.gz');
    await writeFile(path, gzipSync(ndjson));
    expect((await collect(readEventLog(path))).map(summary)).toEqual(expectedNdjson);
    const stream = Readable.from([gzipSync(ndjson)]);
    expect((await collect(readEventLog(stream))).map(summary)).toEqual(expectedNdjson);
  });

  it('joins lines and characters split across chunks', async () => {
    const text = JSON.stringify({ ...VALID.review, text: 'sehr schön, とても良い 👍' }) + '\n' + JSON.stringify(VALID.view);
    const bytes = Buffer.from(text);
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    const lines = await collect(readEventLog(Readable.from(chunks), { format: 'ndjson' }));
    expect(lines.map(summary)).toEqual(['1:ev-review', '2:ev-view']);
    expect(lines[0]?.result.ok && lines[0].result.event.type === 'review' && lines[0].result.event.text).toBe('sehr schön, とても良い 👍');
  });

  it('releases the source when the reader stops early', async () => {
    for (const bytes of [Buffer.from(ndjson), gzipSync(ndjson)]) {
      const source = Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]);
      for await (const l of readEventLog(source)) {
        expect(l.line).toBe(1);
        break;
      }
      expect(source.destroyed).toBe(true);
    }
  });

  it('reports an over-long line without buffering it, and goes on', async () => {
    const path = join(dir, 'long.ndjson');
    await writeFile(path, [JSON.stringify(VALID.view), `{"pad":"${'x'.repeat(5000)}"}`, JSON.stringify(VALID.click)].join('\n'));
    const lines = await collect(readEventLog(path, { maxLineBytes: 1024 }));
    expect(lines.map(summary)).toEqual(['1:ev-view', '2:unparseable:event', '3:ev-click']);
    expect(lines[1]?.raw.length).toBe(1024);
    expect(lines[1]?.result.ok === false && lines[1].result.errors[0]?.rule).toBe('maxLength');
  });

  it('fails with log_unreadable for a missing file or a corrupt gzip', async () => {
    await expect(collect(readEventLog(join(dir, 'missing.ndjson')))).rejects.toMatchObject({ code: 'log_unreadable' });
    const corrupt = gzipSync(ndjson).subarray(0, 30);
    await expect(collect(readEventLog(Readable.from([corrupt])))).rejects.toMatchObject({ code: 'log_unreadable' });
  });
});

const csv = [
  'type,id,market,locale,user_id,session_id,ts,item_id,quantity,price,currency,query,results,titles,category,prices,available_in',
  'view,c1,DE,de-DE,u1,,1700000000000,sku-1,,,,,,,,,',
  'purchase,c2,DE,de-DE,u1,,1700000000001,sku-1,2,19.5,EUR,,,,,,',
  'search,c3,DE,de-DE,,s9,1700000000002,,,,,"schuhe,',
  '""rot""","[""sku-1"",""sku-2""]",,,,',
  '',
  'item_upsert,c4,,,,,1700000000003,sku-7,,,,,,"{""de-DE"":""Schuh, rot"",',
  '""en-GB"":""Shoe""}",shoes,"{""DE"":{""amount"":10,""currency"":""EUR""}}","[""DE""]"',
  'view,c5,germany,de-DE,u1,,1700000000004,sku-1,,,,,,,,,',
  'view,c6,DE,de-DE,u1,,not-a-time,sku-1,,,,,,,,,',
  'view,c7,DE,de-DE,u1,,1700000000005,sku-1',
  'view,c8,DE,de-DE,u1,,1700000000006,sku-"1",,,,,,,,,',
  'click,c9,DE,de-DE,u1,,1700000000007,sku-2,,,,,,,,,',
].join('\r\n');

describe('readEventLog: CSV', () => {
  it('parses quoted cells, escaped quotes, newlines in quotes and JSON cells', async () => {
    const path = join(dir, 'events.csv');
    await writeFile(path, csv);
    const lines = await collect(readEventLog(path));
    expect(lines.map(summary)).toEqual([
      '2:c1',
      '3:c2',
      '4:c3',
      '7:c4',
      '9:invalid_field:market',
      '10:invalid_field:ts',
      '11:unparseable:event',
      '12:unparseable:event',
      '13:c9',
    ]);
    const events = lines.flatMap((l) => (l.result.ok ? [l.result.event] : []));
    expect(events[1]).toMatchObject({ quantity: 2, price: 19.5, currency: 'EUR', ts: 1_700_000_000_001 });
    expect(events[0]).not.toHaveProperty('session_id');
    expect(events[2]).toMatchObject({ query: 'schuhe,\n"rot"', results: ['sku-1', 'sku-2'], session_id: 's9' });
    expect(events[3]).toEqual({
      type: 'item_upsert',
      id: 'c4',
      tenant: 'default',
      ts: 1_700_000_000_003,
      item_id: 'sku-7',
      titles: { 'de-DE': 'Schuh, rot', 'en-GB': 'Shoe' },
      category: 'shoes',
      prices: { DE: { amount: 10, currency: 'EUR' } },
      available_in: ['DE'],
    });
    expect(lines[6]?.result.ok === false && lines[6].result.errors[0]?.message).toMatch(/9 cells|header 17/);
  });

  it('reads a gzip CSV chosen by option from a stream', async () => {
    const lines = await collect(readEventLog(Readable.from([gzipSync(csv)]), { format: 'csv' }));
    expect(lines.filter((l) => l.result.ok)).toHaveLength(5);
  });

  it('reports a quoted field left open at the end', async () => {
    const path = join(dir, 'open.csv');
    await writeFile(path, 'type,id,query\nsearch,x,"never closed\nmore');
    expect((await collect(readEventLog(path))).map(summary)).toEqual(['2:unparseable:event']);
  });

  it('fails with log_invalid for a header that is not snake_case field names', async () => {
    const path = join(dir, 'bad-header.csv');
    await writeFile(path, 'type,Item ID,ts\nview,x,1\n');
    await expect(collect(readEventLog(path))).rejects.toMatchObject({ code: 'log_invalid', message: expect.stringContaining('item id') });
  });
});
