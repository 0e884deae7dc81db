import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/*
 * Which test files need a server: the shared test servers (`npm test` starts them and exports
 * their URLs as MERIDIAN_TEST_*), private servers a fault test starts itself, or a binary from a
 * Debian package (promtool). Read from each file's own text, so a new test that uses a server is
 * in the right group without a list to keep: `npm run test:fast` runs every other file.
 */
export const SERVICE_MARKERS: readonly RegExp[] = [
  /MERIDIAN_TEST_[A-Z_]+/, // a shared test server's URL
  /\bclickhouseTestUrl\(/, // the shared ClickHouse server, through the helper below
  /from '[./]*(?:support\/)?kafka\.ts'/, // the shared Kafka broker
  /from '[./]*(?:support\/)?private-services\.ts'/, // private redis-server / Kafka / ClickHouse processes
  /from '\.\/(?:prometheus|queries)\.ts'/, // promtool, a private Prometheus
];

export function needsServices(source: string): boolean {
  return SERVICE_MARKERS.some((m) => m.test(source));
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testFiles(path);
    return e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The test files under `root`/test that need a server, relative to `root`. */
export function serviceTests(root: string): string[] {
  return testFiles(join(root, 'test'))
    .filter((path) => needsServices(readFileSync(path, 'utf8')))
    .map((path) => relative(root, path))
    .sort();
}

/** The shared ClickHouse server's URL (MERIDIAN_TEST_CLICKHOUSE_URL); a clear failure when `npm test` did not set it. */
export function clickhouseTestUrl(): string {
  const url = process.env.MERIDIAN_TEST_CLICKHOUSE_URL;
  if (url === undefined || url === '') {
    throw new Error('MERIDIAN_TEST_CLICKHOUSE_URL is not set: run the tests with `npm test`, which starts ClickHouse and sets it');
  }
  return url;
}
