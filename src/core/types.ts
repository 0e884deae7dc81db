import type { Instrumentation } from './instrumentation.ts';
import type { Logger } from './logger.ts';

/** An id with a score; every ranked list inside the engine is a list of these, best first. */
export interface Scored {
  id: string;
  score: number;
}

/** What every adapter is opened with: where it logs and where it reports. */
export interface AdapterDeps {
  logger: Logger;
  instrumentation: Instrumentation;
}
