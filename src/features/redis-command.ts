import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { ScriptCall } from './redis-encode.ts';
import { APPLY_SCRIPT } from './redis-scripts.ts';

const APPLY_SHA = createHash('sha1').update(APPLY_SCRIPT).digest('hex');

/** The connections (sockets) that have run APPLY_SCRIPT, so EVALSHA can name it by its hash. */
export type LoadedOn = WeakSet<object>;

const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
/** A bulk string with its length in characters: its length in bytes when it is ASCII. */
const bulkAscii = (s: string): string => `$${s.length}\r\n${s}\r\n`;

/**
 * The RESP bytes of one script call. A call carries over a thousand arguments; writing them here
 * in one pass costs a fraction of ioredis' generic path (which flattens the argument list with
 * Array#flat and copies each argument into a buffer on its own), and the apply path runs per event.
 * Nearly every argument is ASCII (keys, ids, numbers), so lengths are first taken in characters and
 * checked once per part of the request (a string is as long in UTF-8 as in characters only when it
 * is ASCII); a call with any other character is written again with each length in bytes.
 */
function encodeRequest(head: string, call: ScriptCall): string | Buffer {
  return encodeWith(head, call, true) ?? (encodeWith(head, call, false) as string | Buffer);
}

/** The request, or undefined when `ascii` is set and some argument is not ASCII. */
function encodeWith(head: string, call: ScriptCall, ascii: boolean): string | Buffer | undefined {
  const bulkOf = ascii ? bulkAscii : bulk;
  let s = head + bulkOf(String(call.keys.length));
  for (const k of call.keys) s += bulkOf(k);
  let parts: (string | Buffer)[] | undefined;
  for (const a of call.args) {
    if (typeof a === 'string') {
      s += bulkOf(a);
    } else {
      (parts ??= []).push(s + `$${a.length}\r\n`, a);
      s = '\r\n';
    }
  }
  if (parts === undefined) return ascii && Buffer.byteLength(s) !== s.length ? undefined : s;
  parts.push(s);
  let size = 0;
  for (const p of parts) {
    if (typeof p !== 'string') size += p.length;
    else if (!ascii) size += Buffer.byteLength(p);
    else if (Buffer.byteLength(p) === p.length) size += p.length;
    else return undefined;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of parts) at += typeof p === 'string' ? out.write(p, at, ascii ? 'latin1' : 'utf8') : p.copy(out, at);
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
    /** The hash slot of every key of the call, which routes it in a cluster (ioredis reads it from the arguments). */
    private readonly keySlot?: number,
  ) {
    // No arguments for ioredis to process: toWritable writes them.
    super('evalsha', []);
  }

  override getSlot(): number {
    return this.keySlot ?? super.getSlot();
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
