import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const read = (p: string): string | undefined => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};

/** The commit of a git checkout at `root`, read from .git without running git; undefined if there is none. */
function gitCommit(root: string): string | undefined {
  const head = read(join(root, '.git', 'HEAD'))?.trim();
  if (head === undefined) return undefined;
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref: (.+)$/.exec(head)?.[1];
  if (ref === undefined) return undefined;
  const loose = read(join(root, '.git', ref))?.trim();
  if (loose !== undefined) return loose;
  const packed = read(join(root, '.git', 'packed-refs'));
  return packed?.split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0];
}

/** The package version and, in a git checkout, the commit: recorded in every manifest. */
export function codeVersion(): { version: string; commit?: string } {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  let version = 'unknown';
  const pkg = read(join(root, 'package.json'));
  if (pkg !== undefined) version = String((JSON.parse(pkg) as { version?: unknown }).version ?? 'unknown');
  const commit = gitCommit(root);
  return commit === undefined ? { version } : { version, commit };
}
