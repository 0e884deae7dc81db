import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { ScriptCall } from './encode.ts';
import { APPLY_SCRIPT } from './scripts.ts';

const APPLY_SHA = createHash('sha1').update(APPLY_SCRIPT).digest('hex');

/** The connections (sockets) that have run APPLY_SCRIPT, so EVALSHA can name it by its hash. */
export type LoadedOn = WeakSet<object>;

const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

/** Bytes of `$<n>\r\n`. */
const headerSize = (n: number): number => (n < 10 ? 4 : n < 100 ? 5 : n < 1000 ? 6 : n < 10_000 ? 7 : 3 + String(n).length);

/** Writes `$<n>\r\n`, `size` bytes, at `at`. */
function writeHeader(out: Buffer, at: number, n: number, size: number): void {
  out[at] = 36;
  let end = at + size - 2;
  out[end] = 13;
  out[end + 1] = 10;
  do {
    out[--end] = 48 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
}

/**
 * Writes `s` as a bulk string at `at` (where at least 3 bytes per character and 16 more are free)
 * and returns the offset after it. Nearly every argument is a short ASCII string (keys, ids,
 * numbers): those are copied a character at a time, their length known in advance; any other
 * goes through Buffer#write, and its header is fixed once its length in bytes is known.
 */
function writeString(out: Buffer, at: number, s: string): number {
  const n = s.length;
  const h = headerSize(n);
  const start = at + h;
  let i = 0;
  if (n <= 128) {
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) break;
      out[start + i] = c;
    }
  }
  let bytes = n;
  let head = h;
  if (i < n) {
    bytes = out.write(s, start, 'utf8');
    head = headerSize(bytes);
    if (head !== h) out.copyWithin(at + head, start, start + bytes);
  }
  writeHeader(out, at, bytes, head);
  const end = at + head + bytes;
  out[end] = 13;
  out[end + 1] = 10;
  return end + 2;
}

function writeBytes(out: Buffer, at: number, b: Buffer): number {
  const h = headerSize(b.length);
  writeHeader(out, at, b.length, h);
  const end = at + h + b.copy(out, at + h);
  out[end] = 13;
  out[end + 1] = 10;
  return end + 2;
}

/**
 * The RESP bytes of one script call, after `head`. A call carries over a thousand
 * arguments and the apply path runs per event, so they are written straight into one buffer
 * (sized for the worst case, 3 bytes per character) instead of through ioredis' generic path, which
 * flattens the argument list and copies each argument into a buffer on its own.
 */
function encodeRequest(head: string, call: ScriptCall): Buffer {
  let bound = 3 * head.length + 16;
  for (const k of call.keys) bound += 3 * k.length + 16;
  for (const a of call.args) bound += (typeof a === 'string' ? 3 * a.length : a.length) + 16;
  const out = Buffer.allocUnsafe(bound);
  let at = out.write(head, 0, 'utf8');
  at = writeString(out, at, String(call.keys.length));
  for (const k of call.keys) at = writeString(out, at, k);
  for (const a of call.args) at = typeof a === 'string' ? writeString(out, at, a) : writeBytes(out, at, a);
  return out.subarray(0, at);
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

  override toWritable(socket: object): Buffer {
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
