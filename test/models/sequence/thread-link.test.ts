import { describe, expect, it } from 'vitest';
import { SettleQueue, STEP_BATCH, StepBatch, type StepsMessage } from '../../../src/models/sequence/thread-link.ts';

describe('the settle queue', () => {
  it('releases each waiter once at most its steps wait, and every waiter when told to', () => {
    const q = new SettleQueue();
    const released: number[] = [];
    let done = 0;
    q.posted = 100;
    expect(q.backlog()).toBe(100);
    expect(q.settled(100)).toBe(true);
    expect(q.settled(99)).toBe(false);
    for (const steps of [0, 50, 10]) q.wait(steps, () => released.push(steps));
    q.applied = 60;
    q.release(false, () => done++);
    expect(released).toEqual([50]);
    q.applied = 90;
    q.release(false, () => done++);
    expect(released).toEqual([50, 10]);
    q.release(true, () => done++);
    expect(released).toEqual([50, 10, 0]);
    expect(done).toBe(3);
    q.release(true, () => done++);
    expect(done).toBe(3);
  });
});

describe('the step batch', () => {
  const batch = (open = (): boolean => true) => {
    const sent: StepsMessage[] = [];
    return { sent, steps: new StepBatch((m) => sent.push(m), open) };
  };

  it('posts the steps of one microtask as one message, in order', async () => {
    const { sent, steps } = batch();
    steps.push('u:a', 'i1', 1, 'e1', false);
    steps.push('u:b', 'i2', 2, 'e2', true);
    expect(steps.length).toBe(2);
    expect(sent).toEqual([]);
    await Promise.resolve();
    expect(sent).toEqual([{ t: 'steps', keys: ['u:a', 'u:b'], items: ['i1', 'i2'], ts: [1, 2], ids: ['e1', 'e2'], once: [false, true] }]);
    expect(steps.length).toBe(0);
    await Promise.resolve();
    expect(sent).toHaveLength(1);
  });

  it('posts a full batch at once, and at once when flushed', () => {
    const { sent, steps } = batch();
    for (let i = 0; i < STEP_BATCH + 1; i++) steps.push('u:a', `i${i}`, i, `e${i}`, false);
    expect(sent.map((m) => m.keys.length)).toEqual([STEP_BATCH]);
    steps.flush();
    expect(sent.map((m) => m.keys.length)).toEqual([STEP_BATCH, 1]);
    steps.flush();
    expect(sent).toHaveLength(2);
  });

  it('posts nothing once closed', () => {
    let open = true;
    const { sent, steps } = batch(() => open);
    steps.push('u:a', 'i1', 1, 'e1', false);
    open = false;
    steps.flush();
    expect(sent).toEqual([]);
  });
});
