import { describe, expect, it } from 'vitest';
import { createInstrumentation, silentLogger } from '../../src/core/index.ts';
import { openEventBus } from '../../src/bus/index.ts';
import { openEventStore } from '../../src/event-store/index.ts';
import { view } from '../support/samples.ts';

const deps = { logger: silentLogger, instrumentation: createInstrumentation() };

describe('openEventBus', () => {
  it('opens the memory bus for memory:', async () => {
    const bus = await openEventBus('memory:', deps);
    expect(bus.kind).toBe('memory');
    expect(await bus.ping()).toBe(true);
    await bus.close();
  });

  it('says an adapter is not available for other schemes', async () => {
    await expect(openEventBus('nats://localhost:4222/events', deps)).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringMatching(/nats:\/\/localhost:4222\/events.*no adapter/),
    });
  });
});

describe('openEventStore', () => {
  it('opens the memory store for memory:', async () => {
    const store = await openEventStore('memory:', deps);
    expect(store.kind).toBe('memory');
    await store.append([view('t', 1)]);
    expect(await store.count({ tenant: 't' })).toBe(1);
    await store.close();
  });

  it('refuses unknown URLs and chdb: without a directory, naming the URL', async () => {
    await expect(openEventStore('postgres://db/events', deps)).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('postgres://db/events'),
    });
    await expect(openEventStore('chdb:', deps)).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('chdb:') });
  });
});
