import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { ScriptCall } from './redis-encode.ts';
import { APPLY_SCRIPT } from './redis-scripts.ts';

const APPLY_SHA = createHash('sha1').update(APPLY_SCRIPT).digest('hex');

/** The connections (sockets) that have run APPLY_SCRIPT, so EVALSHA can name it by its hash. */
export type LoadedOn = WeakSet<object>;

const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

/**
 * The RESP bytes of one script call. A call carries over a thousand arguments; writing them here
 * in one pass costs a fraction of ioredis' generic path (which flattens the argument list with
 * Array#flat and copies each argument into a buffer on its own), and the apply path runs per event.
 */
function encodeRequest(head: string, call: ScriptCall): string | Buffer {
  let s = head + bulk(String(call.keys.length));
  for (const k of call.keys) s += bulk(k);
  let parts: (string | Buffer)[] | undefined;
  for (const a of call.args) {
    if (typeof a === 'string') {
      s += bulk(a);
    } else {
      (parts ??= []).push(s + `$${a.length}\r\n`, a);
      s = '\r\n';
    }
  }
  if (parts === undefined) return s;
  parts.push(s);
  let size = 0;
  for (const p of parts) size += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of parts) at += typeof p === 'string' ? out.write(p, at) : p.copy(out, at);
  return out;
}

/**
 * One APPLY_SCRIPT call, sent as EVALSHA, or as EVAL with the script's text the first time on a
 * connection (as ioredis does for its own scripts). A NOSCRIPT reply (the server's script cache
 * was flushed) forgets the connection, so that a resend loads the script again.
 */
export class ApplyCommand extends Command {
  constructor(
    private readonly call: ScriptCall,
    private readonly loadedOn: LoadedOn,
  ) {
    // No arguments for ioredis to process: toWritable writes them.
    super('evalsha', []);
  }

  override toWritable(socket: object): string | Buffer {
    const reject = this.reject;
    this.reject = (err: Error) => {
      if (err.message.includes('NOSCRIPT')) this.loadedOn.delete(socket);
      reject.call(this, err);
    };
    const size = 3 + this.call.keys.length + this.call.args.length;
    if (this.loadedOn.has(socket)) return encodeRequest(`*${size}\r\n$7\r\nevalsha\r\n${bulk(APPLY_SHA)}`, this.call);
    this.loadedOn.add(socket);
    this.name = 'eval';
    return encodeRequest(`*${size}\r\n$4\r\neval\r\n${bulk(APPLY_SCRIPT)}`, this.call);
  }
}

export const isNoScript = (e: unknown): boolean => e instanceof Error && e.message.includes('NOSCRIPT');
