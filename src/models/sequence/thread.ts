import { parentPort } from 'node:worker_threads';
import type { ModelParams } from './model.ts';
import { createSequenceCore, rankWith, type OnlineSequenceOptions, type OnlineSequenceSize, type SequenceCore, type SequenceHit } from './online.ts';

/**
 * The worker thread of `createThreadedSequence` (./service.ts; its side of the link is
 * ./thread-link.ts): one tenant's sequence model, fed steps and asked for rankings in the order the
 * serving thread sent them. It imports only the model (no adapters), so it starts in a fraction of
 * a second.
 */
export type ThreadRequest =
  | { t: 'init'; options: Omit<OnlineSequenceOptions, 'params'>; params: ModelParams }
  | { t: 'steps'; keys: string[]; items: string[]; ts: number[]; ids: string[]; once: boolean[] }
  | { t: 'params'; params: ModelParams }
  | { t: 'rank'; id: number; key: string; n: number; skip: string[]; skipHistory: boolean }
  | { t: 'size'; id: number };

export type ThreadReply =
  | { t: 'applied'; steps: number }
  | { t: 'rank'; id: number; history: string[]; hits: SequenceHit[] }
  | { t: 'size'; id: number; size: OnlineSequenceSize }
  /** `id` undefined: the model itself failed (it may have lost steps), not one request. */
  | { t: 'failed'; id?: number | undefined; message: string };

function serve(port: NonNullable<typeof parentPort>): void {
  let params: ModelParams | undefined;
  let core: SequenceCore | undefined;
  const reply = (m: ThreadReply): void => port.postMessage(m);
  const model = (): SequenceCore => {
    if (core === undefined) throw new Error('the sequence model thread has no init message');
    return core;
  };

  port.on('message', (m: ThreadRequest) => {
    try {
      switch (m.t) {
        case 'init':
          params = m.params;
          core = createSequenceCore({ ...m.options, params: () => params as ModelParams });
          return;
        case 'steps': {
          const c = model();
          for (let i = 0; i < m.keys.length; i++) c.step(m.keys[i] as string, m.items[i] as string, m.ts[i] as number, m.ids[i] as string, m.once[i] === true);
          reply({ t: 'applied', steps: m.keys.length });
          return;
        }
        case 'params':
          params = m.params;
          return;
        case 'rank': {
          const r = rankWith(model(), m.key, m.n, m.skip, m.skipHistory);
          reply({ t: 'rank', id: m.id, history: r.history, hits: r.hits });
          return;
        }
        case 'size':
          reply({ t: 'size', id: m.id, size: model().size() });
          return;
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      reply({ t: 'failed', id: m.t === 'rank' || m.t === 'size' ? m.id : undefined, message });
    }
  });
}

if (parentPort !== null) serve(parentPort);
