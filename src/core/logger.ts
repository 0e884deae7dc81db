/** A small structured logger; injected everywhere, silent in tests. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(namespace: string): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(
  opts: { level?: LogLevel; namespace?: string; write?: (line: string) => void } = {},
): Logger {
  const level = opts.level ?? 'info';
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const ns = opts.namespace;
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[lvl] < RANK[level]) return;
    const rec: Record<string, unknown> = { level: lvl, time: new Date().toISOString() };
    if (ns !== undefined) rec.ns = ns;
    rec.msg = msg;
    if (fields !== undefined) Object.assign(rec, fields);
    write(JSON.stringify(rec, (_k, v: unknown) => (v instanceof Error ? { message: v.message, code: (v as { code?: unknown }).code } : v)));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (child) => createLogger({ level, write, namespace: ns === undefined ? child : `${ns}.${child}` }),
  };
}

export const silentLogger: Logger = createLogger({ level: 'silent' });
