import { readFile, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * CPU profiles of one measured phase (the V8 profiler that `node --cpu-prof` uses, started and
 * stopped around the phase through the inspector, so set-up is not in it), and a plain-text
 * summary of where the time went: by function, by file and by area of the code.
 * `node --import tsx bench/harness/profile.ts <file.cpuprofile> [top]` prints the summary of a saved profile.
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Profiler {
  /** Stops, writes the .cpuprofile (open it in Chrome DevTools) and returns its summary. */
  stop(path: string): Promise<string>;
}

export async function startProfile(): Promise<Profiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return {
    async stop(path) {
      const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
      session.disconnect();
      await writeFile(path, JSON.stringify(profile));
      return summarizeProfile(profile);
    },
  };
}

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function fileOf(cf: CallFrame): string {
  if (cf.url === '') return `(${cf.functionName || 'native'})`;
  const path = cf.url.startsWith('file://') ? fileURLToPath(cf.url) : cf.url;
  return path.startsWith(ROOT) ? path.slice(ROOT.length + 1) : path;
}

/** src/<area>, a package of node_modules, Node internals, or the V8 pseudo-frames (GC, idle). */
function areaOf(file: string): string {
  const src = /^src\/([^/]+)\//.exec(file);
  if (src !== null) return `src/${src[1]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (pkg !== null) return pkg[1] as string;
  if (file.startsWith('node:')) return 'node internals';
  return file;
}

function top(m: Map<string, number>, total: number, n: number): string[] {
  return [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
}

const add = (m: Map<string, number>, k: string, t: number): void => void m.set(k, (m.get(k) ?? 0) + t);

/** Self time by area, file and function; inclusive time by function (each counted once per stack). */
export function summarizeProfile(p: CpuProfile, n = 15): string {
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of p.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  // Samples inside the profiler's own start (an inspector call) are not the measured code's.
  const ownFrames = new Set<number>();
  for (const node of p.nodes) {
    for (let cur: number | undefined = node.id; cur !== undefined; cur = parent.get(cur)) {
      if (byId.get(cur)?.callFrame.url === 'node:inspector') {
        ownFrames.add(node.id);
        break;
      }
    }
  }
  const self = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    if (ownFrames.has(id)) return;
    const dt = p.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  const area = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const label = (cf: CallFrame): string => `${cf.functionName || '(anonymous)'}  ${fileOf(cf)}`;
  for (const [id, t] of self) {
    const cf = (byId.get(id) as ProfileNode).callFrame;
    add(fn, label(cf), t);
    add(file, fileOf(cf), t);
    add(area, areaOf(fileOf(cf)), t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label((byId.get(cur) as ProfileNode).callFrame);
      if (!seen.has(k)) add(inclusive, k, t);
      seen.add(k);
    }
  }
  const busy = total - (self.size === 0 ? 0 : [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0));
  return [
    `${(total / 1000).toFixed(0)} ms sampled, ${((100 * busy) / Math.max(1, total)).toFixed(0)}% not idle`,
    '-- self time by area',
    ...top(area, total, n),
    '-- self time by file',
    ...top(file, total, n),
    '-- self time by function',
    ...top(fn, total, n),
    '-- inclusive time by function',
    ...top(inclusive, total, n + 10),
  ].join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const path = process.argv[2];
  if (path === undefined) {
    process.stderr.write('usage: node --import tsx bench/harness/profile.ts <file.cpuprofile> [top]\n');
    process.exitCode = 2;
  } else {
    const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
    process.stdout.write(summarizeProfile(profile, Number(process.argv[3] ?? 15)) + '\n');
  }
}

/**
 * Runs a measured phase, under the profiler when the run was asked to profile (`--profile`):
 * `<dir>/<name>.cpuprofile` and `<dir>/<name>.txt` (the summary).
 */
export async function profiled<T>(profileDir: string | undefined, name: string, fn: () => Promise<T>): Promise<T> {
  if (profileDir === undefined) return fn();
  const profiler = await startProfile();
  let value: T;
  try {
    value = await fn();
  } finally {
    const summary = await profiler.stop(resolve(profileDir, `${name}.cpuprofile`));
    await writeFile(resolve(profileDir, `${name}.txt`), summary + '\n');
  }
  return value;
}
