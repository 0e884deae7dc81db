import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { badRequest, MeridianError, notFound, silentLogger, type Logger } from '../core/index.ts';
import { codeVersion } from './code-version.ts';
import { bytesToFloat32, float32ToBytes, readIfExists, writeAtomic } from './files.ts';
import { checkBlend, decodeBlend, decodeSequence, encodeSequence } from './serving.ts';
import type { LoadedModel, ModelArtifact, ModelManifest, ModelRegistry } from './types.ts';

/** `2026-11-29T01-30-00Z-1a2b3c4d`: sorts by time, safe in every file system. */
const VERSION = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-f]{8}$/;
const ACTIVE = 'ACTIVE';
const HISTORY = 'history.json';
const WEIGHT_NAME = /^[a-z][a-z0-9-]{0,40}$/;

export interface ModelRegistryOptions {
  dir: string;
  logger?: Logger;
  /** Wall clock for version ids and createdAt (the registry records when, it computes nothing from it). */
  now?: () => number;
  /** Code version recorded in manifests; default the package version and git commit. */
  code?: () => { version: string; commit?: string };
}

function checkArtifact(m: ModelArtifact): void {
  if (!Number.isInteger(m.dim) || m.dim < 1) throw badRequest('model_invalid', `dim must be an integer >= 1, got ${m.dim}`, 'dim');
  if (m.itemVectors.length !== m.itemIds.length * m.dim) {
    throw badRequest('model_invalid', `itemVectors has ${m.itemVectors.length} floats, expected ${m.itemIds.length} × ${m.dim}`, 'itemVectors');
  }
  if (new Set(m.itemIds).size !== m.itemIds.length) throw badRequest('model_invalid', 'itemIds has duplicates', 'itemIds');
  for (const [name, w] of Object.entries(m.weights)) {
    if (!WEIGHT_NAME.test(name)) throw badRequest('model_invalid', `weight name "${name}" must match ${WEIGHT_NAME}`, 'weights');
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (size !== w.data.length) throw badRequest('model_invalid', `weight ${name} has ${w.data.length} floats, shape says ${size}`, 'weights');
  }
  if (m.sequence !== undefined) encodeSequence(m.sequence);
  if (m.blend !== undefined) checkBlend(m.blend);
}

/** A stored manifest, its optional serving sections validated (and Infinity restored). */
function parseManifest(text: string, name: string): ModelManifest {
  const raw = JSON.parse(text) as Omit<ModelManifest, 'sequence' | 'blend'> & { sequence?: unknown; blend?: unknown };
  const { sequence, blend, ...rest } = raw;
  const version = typeof raw.version === 'string' ? raw.version : name;
  return {
    ...rest,
    ...(sequence === undefined ? {} : { sequence: decodeSequence(sequence, version) }),
    ...(blend === undefined ? {} : { blend: decodeBlend(blend, version) }),
  };
}

/** The manifest as written to disk: Infinity parameters as null (JSON has no Infinity). */
function manifestJson(m: ModelManifest): string {
  const { sequence, ...rest } = m;
  return JSON.stringify(sequence === undefined ? rest : { ...rest, sequence: encodeSequence(sequence) }, null, 2);
}

function versionId(now: number, m: ModelArtifact): string {
  const h = createHash('sha256');
  h.update(float32ToBytes(m.itemVectors));
  h.update(JSON.stringify(m.itemIds));
  for (const w of Object.values(m.weights)) h.update(float32ToBytes(w.data));
  // Two runs on the same data in the same second still get distinct versions.
  h.update(randomBytes(8));
  const stamp = new Date(now).toISOString().slice(0, 19).replaceAll(':', '-');
  return `${stamp}Z-${h.digest('hex').slice(0, 8)}`;
}

/**
 * The model registry over a directory: one subdirectory per version, written under a temporary name
 * and renamed into place, and an `ACTIVE` file naming the version in service, replaced by rename.
 * A crash mid-publish leaves only a temporary directory, which every reader ignores.
 */
export function createModelRegistry({ dir, logger = silentLogger, now = () => Date.now(), code = codeVersion }: ModelRegistryOptions): ModelRegistry {
  if (typeof dir !== 'string' || dir.length === 0) throw badRequest('option_invalid', 'dir must be a non-empty path', 'dir');
  const activePath = join(dir, ACTIVE);
  const historyPath = join(dir, HISTORY);

  async function readHistory(): Promise<string[]> {
    const text = await readIfExists(historyPath);
    return text === undefined ? [] : (JSON.parse(text) as string[]);
  }

  async function active(): Promise<string | undefined> {
    const v = (await readIfExists(activePath))?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  async function readManifest(version: string): Promise<ModelManifest> {
    if (!VERSION.test(version)) throw badRequest('model_version_invalid', `"${version}" is not a model version id`, 'version');
    const text = await readIfExists(join(dir, version, 'manifest.json'));
    if (text === undefined) throw notFound('model_not_found', `model version ${version} is not in ${dir}`);
    return parseManifest(text, version);
  }

  async function setActive(version: string, history: string[]): Promise<void> {
    await writeAtomic(historyPath, JSON.stringify(history));
    await writeAtomic(activePath, version + '\n');
    logger.info('model activated', { version });
  }

  return {
    dir,
    async publish(model) {
      checkArtifact(model);
      await mkdir(dir, { recursive: true });
      const version = versionId(now(), model);
      const tmp = join(dir, `.tmp-${version}`);
      await mkdir(tmp, { recursive: true });
      try {
        const weights: ModelManifest['weights'] = {};
        for (const [name, w] of Object.entries(model.weights)) {
          weights[name] = { file: `${name}.bin`, shape: w.shape };
          await writeFile(join(tmp, `${name}.bin`), float32ToBytes(w.data));
        }
        const manifest: ModelManifest = {
          version,
          createdAt: new Date(now()).toISOString(),
          dataRange: model.dataRange,
          metrics: model.metrics,
          config: model.config,
          code: code(),
          dim: model.dim,
          encoder: model.encoder,
          content: model.content,
          items: model.itemIds.length,
          weights,
          ...(model.sequence === undefined ? {} : { sequence: { params: structuredClone(model.sequence.params) } }),
          ...(model.blend === undefined ? {} : { blend: { learned: { ...model.blend.learned } } }),
        };
        await writeFile(join(tmp, 'item-vectors.bin'), float32ToBytes(model.itemVectors));
        await writeFile(join(tmp, 'item-ids.json'), JSON.stringify(model.itemIds));
        // The manifest last: a version directory without one is never listed.
        await writeFile(join(tmp, 'manifest.json'), manifestJson(manifest));
        await rename(tmp, join(dir, version));
        logger.info('model published', { version, items: manifest.items, dim: manifest.dim });
        return manifest;
      } catch (e) {
        await rm(tmp, { recursive: true, force: true });
        throw e;
      }
    },
    active,
    async list() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
      const out: ModelManifest[] = [];
      for (const name of names.filter((n) => VERSION.test(n)).sort()) {
        const text = await readIfExists(join(dir, name, 'manifest.json'));
        if (text === undefined) continue;
        try {
          out.push(parseManifest(text, name));
        } catch (e) {
          // One damaged version does not hide the others; loading or activating it fails with the reason.
          if (!(e instanceof MeridianError)) throw e;
          logger.warn('model version with a damaged manifest left out of the list', { version: name, err: e });
        }
      }
      return out;
    },
    async activate(version) {
      await readManifest(version);
      const history = await readHistory();
      if (history[history.length - 1] !== version) history.push(version);
      await setActive(version, history);
    },
    async rollback() {
      const history = await readHistory();
      const current = await active();
      // The history's top is the active version unless someone edited ACTIVE by hand.
      if (current !== undefined && history[history.length - 1] === current) history.pop();
      const previous = history[history.length - 1];
      if (previous === undefined) throw new MeridianError('model_previous_missing', `no version was active before ${current ?? 'none'}`, { statusCode: 409 });
      await readManifest(previous);
      await setActive(previous, history);
      return previous;
    },
    async load(version) {
      const manifest = await readManifest(version);
      const base = join(dir, version);
      const itemIds = JSON.parse(await readFile(join(base, 'item-ids.json'), 'utf8')) as string[];
      const itemVectors = bytesToFloat32(await readFile(join(base, 'item-vectors.bin')));
      if (itemVectors.length !== itemIds.length * manifest.dim) {
        throw new MeridianError('model_corrupt', `${version}: item-vectors.bin has ${itemVectors.length} floats, expected ${itemIds.length} × ${manifest.dim}`);
      }
      const weights: LoadedModel['weights'] = {};
      for (const [name, w] of Object.entries(manifest.weights)) {
        const data = bytesToFloat32(await readFile(join(base, w.file)));
        if (data.length !== w.shape.reduce((a, b) => a * b, 1)) throw new MeridianError('model_corrupt', `${version}: ${w.file} does not match its shape`);
        weights[name] = { shape: w.shape, data };
      }
      return { manifest, itemIds, itemVectors, weights };
    },
    watch(onChange, { intervalMs = 1000 } = {}) {
      let last: string | undefined | null = null;
      let busy = false;
      let stopped = false;
      const tick = async (): Promise<void> => {
        if (busy || stopped) return;
        busy = true;
        try {
          const v = await active();
          if (!stopped && v !== last) {
            const first = last === null;
            last = v;
            // The first read is the starting point, not a change, unless a version is already active.
            if (!first || v !== undefined) onChange(v);
          }
        } catch (e) {
          logger.warn('could not read the active model version', { err: e });
        } finally {
          busy = false;
        }
      };
      void tick();
      const timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
      return () => {
        stopped = true;
        clearInterval(timer);
      };
    },
  };
}
