import { endianness } from 'node:os';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/index.ts';

const LITTLE = endianness() === 'LE';

/** Float32 rows as little-endian bytes, whatever the host's byte order. */
export function float32ToBytes(a: Float32Array): Buffer {
  if (LITTLE) return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const out = Buffer.allocUnsafe(a.length * 4);
  for (let i = 0; i < a.length; i++) out.writeFloatLE(a[i] as number, i * 4);
  return out;
}

/** A fresh (aligned) Float32Array from little-endian bytes. */
export function bytesToFloat32(b: Buffer): Float32Array {
  const out = new Float32Array(b.length >>> 2);
  if (LITTLE) {
    new Uint8Array(out.buffer).set(b.subarray(0, out.length * 4));
    return out;
  }
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

/** Replaces `path` atomically and durably: readers see the old content or the new one, never a mix. */
export async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  await writeFileAtomic(path, data);
}

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
