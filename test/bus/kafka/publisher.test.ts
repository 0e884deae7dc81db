import type { Message, Producer, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createPublisher } from '../../../src/bus/kafka/publisher.ts';

/** A producer whose requests the test answers one by one. */
function fakeProducer() {
  const requests: { record: ProducerRecord; done: (e?: Error) => void }[] = [];
  const producer = {
    send: (record: ProducerRecord) =>
      new Promise((resolve, reject) => requests.push({ record, done: (e) => (e === undefined ? resolve([]) : reject(e)) })),
  } as unknown as Producer;
  return { producer, requests };
}

const msg = (v: string): Message => ({ key: 'k', value: v });
const values = (r: { record: ProducerRecord }): string[] => r.record.messages.map((m) => String(m.value));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('kafka publisher', () => {
  it('sends a lone call at once and the calls that came meanwhile together, in call order', async () => {
    const { producer, requests } = fakeProducer();
    const p = createPublisher(producer, 'events', 10_000);
    const first = p.send([msg('a')]);
    expect(requests.map(values)).toEqual([['a']]);
    const later = [p.send([msg('b')]), p.send([msg('c'), msg('d')]), p.send([msg('e')])];
    requests[0]?.done();
    await first;
    await tick();
    expect(requests.map(values)).toEqual([['a'], ['b', 'c', 'd', 'e']]);
    expect(requests[1]?.record).toMatchObject({ topic: 'events', acks: -1 });
    requests[1]?.done();
    await Promise.all(later);
  });

  it('rejects every call of a failed request and goes on with the next', async () => {
    const { producer, requests } = fakeProducer();
    const p = createPublisher(producer, 'events', 10_000);
    const a = p.send([msg('a')]);
    const b = p.send([msg('b')]);
    requests[0]?.done(new Error('broker said no'));
    await expect(a).rejects.toThrow('broker said no');
    await tick();
    requests[1]?.done();
    await expect(b).resolves.toBeUndefined();
  });

  it('answers a call that waits too long, and drops it if its request has not gone out', async () => {
    const { producer, requests } = fakeProducer();
    const p = createPublisher(producer, 'events', 30);
    const stuck = p.send([msg('a')]); // the broker never answers this one
    const dropped = p.send([msg('b')]);
    await expect(stuck).rejects.toThrow(/no acknowledgement within 30 ms/);
    await expect(dropped).rejects.toThrow(/no acknowledgement/);
    const fresh = p.send([msg('c')]);
    requests[0]?.done();
    await tick();
    expect(requests.map(values)).toEqual([['a'], ['c']]);
    requests[1]?.done();
    await fresh;
  });

  it('after a failed request, sends the next one through a renewed producer', async () => {
    const first = fakeProducer();
    const second = fakeProducer();
    let renewals = 0;
    const p = createPublisher(first.producer, 'events', 10_000, {
      renew: () => {
        renewals++;
        return Promise.resolve(second.producer);
      },
    });
    const a = p.send([msg('a')]);
    first.requests[0]?.done(new Error('OUT_OF_ORDER_SEQUENCE_NUMBER'));
    await expect(a).rejects.toThrow('OUT_OF_ORDER_SEQUENCE_NUMBER');
    const b = p.send([msg('b')]);
    await tick();
    expect(renewals).toBe(1);
    expect(first.requests.map(values)).toEqual([['a']]);
    expect(second.requests.map(values)).toEqual([['b']]);
    second.requests[0]?.done();
    await expect(b).resolves.toBeUndefined();
    // A success keeps the producer.
    const c = p.send([msg('c')]);
    second.requests[1]?.done();
    await c;
    expect(renewals).toBe(1);
  });

  it('counts a request that never settles as failed, so the calls after it are not held behind it', async () => {
    const first = fakeProducer();
    const second = fakeProducer();
    const p = createPublisher(first.producer, 'events', 20, { renew: () => Promise.resolve(second.producer), stallMs: 40 });
    const stuck = p.send([msg('a')]); // the broker never answers
    await expect(stuck).rejects.toThrow(/no acknowledgement within 20 ms/);
    await new Promise((r) => setTimeout(r, 60));
    const next = p.send([msg('b')]);
    await tick();
    expect(second.requests.map(values)).toEqual([['b']]);
    second.requests[0]?.done();
    await expect(next).resolves.toBeUndefined();
  });

  it('splits a large call into requests of bounded size, in order', async () => {
    const { producer, requests } = fakeProducer();
    const p = createPublisher(producer, 'events', 10_000);
    const big = 'x'.repeat(100_000); // counted as up to 300 kB of UTF-8
    const sent = p.send([msg(big + 1), msg(big + 2), msg(big + 3)]);
    for (let i = 0; i < 3; i++) {
      await tick();
      requests[i]?.done();
    }
    await sent;
    expect(requests.map((r) => r.record.messages.map((m) => String(m.value).slice(-1)))).toEqual([['1'], ['2'], ['3']]);
  });
});
