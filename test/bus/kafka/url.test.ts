import { describe, expect, it } from 'vitest';
import { messageKey, parseKafkaUrl } from '../../../src/bus/index.ts';
import { type MeridianEvent } from '../../../src/ingest/index.ts';
import { VALID } from '../../support/samples.ts';

describe('parseKafkaUrl', () => {
  it('reads brokers and defaults the topics', () => {
    expect(parseKafkaUrl('kafka://127.0.0.1:9092')).toEqual({
      brokers: ['127.0.0.1:9092'],
      topic: 'meridian.events',
      deadLetterTopic: 'meridian.events.dlq',
      partitions: 4,
      clientId: 'meridian',
      consumer: {},
    });
  });

  it('reads several brokers and every parameter; the dead-letter topic follows the topic', () => {
    expect(parseKafkaUrl('kafka://k1:9092,k2:9093,[::1]:9094?topic=shop.events&partitions=12&clientId=eu-1&maxBatch=500&concurrency=8')).toEqual({
      brokers: ['k1:9092', 'k2:9093', '[::1]:9094'],
      topic: 'shop.events',
      deadLetterTopic: 'shop.events.dlq',
      partitions: 12,
      clientId: 'eu-1',
      consumer: { maxBatch: 500, concurrency: 8 },
    });
    expect(parseKafkaUrl('kafka://k1:9092?topic=a&dlq=b').deadLetterTopic).toBe('b');
  });

  it.each([
    ['kafka://', /no broker/],
    ['kafka://k1', /not host:port/],
    ['kafka://k1:0', /not host:port/],
    ['kafka://k1:9092/events', /path is not supported.*topic=/],
    ['kafka://k1:9092?topics=a', /unknown parameter "topics"/],
    ['kafka://k1:9092?topic=a b', /not a valid topic name/],
    ['kafka://k1:9092?topic=a&dlq=a', /must differ/],
    ['kafka://k1:9092?partitions=0', /partitions must be an integer/],
    ['kafka://k1:9092?partitions=2.5', /partitions must be an integer/],
    ['kafka://k1:9092?concurrency=0', /concurrency must be an integer in 1\.\.64/],
    ['kafka://k1:9092?maxBatch=many', /maxBatch must be an integer/],
    ['redis://k1:9092', /expected kafka:\/\//],
  ])('refuses %s, naming the URL', (url, why) => {
    expect(() => parseKafkaUrl(url)).toThrow(why);
    try {
      parseKafkaUrl(url);
    } catch (e) {
      expect(e).toMatchObject({ code: 'config_invalid', message: expect.stringContaining(url) });
    }
  });
});

describe('messageKey', () => {
  it('keys shopper events by tenant and shopper, catalog events by tenant and item', () => {
    const ev = (e: Record<string, unknown>, tenant = 'shop'): MeridianEvent => ({ ...e, tenant }) as MeridianEvent;
    expect(messageKey(ev(VALID.view))).toBe('shop/u:u1');
    expect(messageKey(ev(VALID.click))).toBe('shop/s:s1');
    expect(messageKey(ev(VALID.purchase))).toBe('shop/u:u1'); // the user wins over the session
    expect(messageKey(ev(VALID.item_upsert))).toBe('shop/i:sku-9');
    expect(messageKey(ev(VALID.item_delete, 'other'))).toBe('other/i:sku-9');
  });
});
