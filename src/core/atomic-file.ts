import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces `path` atomically and durably: the data goes to a temporary file beside it, which is
 * synced, renamed over `path`, and the directory synced, so after a crash readers find the old
 * content or the new one, never a mix or nothing. Returns the bytes written.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | Iterable<string | Uint8Array>): Promise<number> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const parts = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
  let bytes = 0;
  const fh = await open(tmp, 'w');
  try {
    for (const p of parts) bytes += (typeof p === 'string' ? await fh.write(p) : await fh.write(p)).bytesWritten;
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
  await syncDir(dir);
  return bytes;
}

/** Makes a rename in `dir` durable. Some platforms cannot open a directory for syncing; there the rename stands as is. */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await fh.sync();
  } catch {
    // EISDIR/EINVAL on platforms without directory fsync
  } finally {
    await fh.close();
  }
}
