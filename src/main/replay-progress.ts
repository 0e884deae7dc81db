/** What a replay has done so far, as the progress display reads it. */
export interface ReplayProgressState {
  /** Records read (valid or not). */
  read: number;
  /** Work done and in total, in the unit the percentage is of (bytes of files, or events of a store range). */
  done: number;
  total: number;
}

export interface ReplayProgress {
  update(state: ReplayProgressState): void;
  /** Draws the final state (a TTY bar ends its line). */
  finish(state: ReplayProgressState): void;
}

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Monotonic ms. */
  now: () => number;
  /** Least time between two redraws: a bar on a TTY redraws often, a log gets a line now and then. */
  ttyEveryMs?: number;
  lineEveryMs?: number;
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function duration(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Percent, events/s and ETA of a state, `elapsedMs` after the start. */
export function progressFigures(state: ReplayProgressState, elapsedMs: number): { percent: number; rate: number; etaS: number } {
  const fraction = state.total > 0 ? Math.min(1, state.done / state.total) : 0;
  const s = elapsedMs / 1000;
  const rate = s > 0 ? state.read / s : 0;
  const etaS = fraction > 0 ? (s * (1 - fraction)) / fraction : Infinity;
  return { percent: fraction * 100, rate, etaS };
}

/**
 * Replay progress on stderr: on a TTY, a bar redrawn in place (percent, events, events/s, ETA);
 * otherwise (a log file, CI) one plain line every few seconds.
 */
export function createReplayProgress({ stream, now, ttyEveryMs = 100, lineEveryMs = 5000 }: ProgressOptions): ReplayProgress {
  const tty = stream.isTTY === true;
  const start = now();
  let last = tty ? -Infinity : start; // a log gets its first line after a while, not at once
  const render = (state: ReplayProgressState): string => {
    const { percent, rate, etaS } = progressFigures(state, now() - start);
    const figures = `${percent.toFixed(1).padStart(5)}%  ${int.format(state.read)} events  ${int.format(rate)} ev/s  ETA ${duration(etaS)}`;
    if (!tty) return `replay: ${figures.trim().replace(/\s+/g, ' ')}\n`;
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - figures.length - 12));
    const filled = Math.round((percent / 100) * width);
    return `\rreplay [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${figures}\x1b[K`;
  };
  return {
    update(state) {
      const t = now();
      if (t - last < (tty ? ttyEveryMs : lineEveryMs)) return;
      last = t;
      stream.write(render(state));
    },
    finish(state) {
      stream.write(render(state) + (tty ? '\n' : ''));
    },
  };
}
