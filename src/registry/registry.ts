import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { badRequest, MeridianError, notFound, silentLogger, type Logger } from '../core/index.ts';
import { codeVersion } from './code-version.ts';
import { bytesToFloat32, float32ToBytes, readIfExists, writeAtomic } from './files.ts';
import { checkArtifact, manifestJson, manifestOf, parseManifest, VERSION, versionId } from './manifest.ts';
import type { LoadedModel, ModelArtifact, ModelManifest, ModelRegistry } from './types.ts';
import { watchActive } from './watch.ts';

const ACTIVE = 'ACTIVE';
const HISTORY = 'history.json';

export interface ModelRegistryOptions {
  dir: string;
  logger?: Logger;
  /** Wall clock for version ids and createdAt (the registry records when, it computes nothing from it). */
  now?: () => number;
  /** Code version recorded in manifests; default the package version and git commit. */
  code?: () => { version: string; commit?: string };
}

/** One registry directory, its two pointer files and what the registry is given. */
interface RegistryDir {
  readonly dir: string;
  readonly activePath: string;
  readonly historyPath: string;
  readonly logger: Logger;
  readonly now: () => number;
  readonly code: () => { version: string; commit?: string };
}

/** The versions activated so far, oldest first (the last is the active one). */
async function readHistory(r: RegistryDir): Promise<string[]> {
  const text = await readIfExists(r.historyPath);
  return text === undefined ? [] : (JSON.parse(text) as string[]);
}

async function readActive(r: RegistryDir): Promise<string | undefined> {
  const v = (await readIfExists(r.activePath))?.trim();
  return v === undefined || v === '' ? undefined : v;
}

async function readManifest(r: RegistryDir, version: string): Promise<ModelManifest> {
  if (!VERSION.test(version)) throw badRequest('model_version_invalid', `"${version}" is not a model version id`, 'version');
  const text = await readIfExists(join(r.dir, version, 'manifest.json'));
  if (text === undefined) throw notFound('model_not_found', `model version ${version} is not in ${r.dir}`);
  return parseManifest(text, version);
}

async function setActive(r: RegistryDir, version: string, history: string[]): Promise<void> {
  await writeAtomic(r.historyPath, JSON.stringify(history));
  await writeAtomic(r.activePath, version + '\n');
  r.logger.info('model activated', { version });
}

/** Writes every file of `model` into the version directory `tmp`, the manifest last; returns it. */
async function writeVersion(r: RegistryDir, tmp: string, version: string, model: ModelArtifact): Promise<ModelManifest> {
  const weights: ModelManifest['weights'] = {};
  for (const [name, w] of Object.entries(model.weights)) {
    weights[name] = { file: `${name}.bin`, shape: w.shape };
    await writeFile(join(tmp, `${name}.bin`), float32ToBytes(w.data));
  }
  const manifest = manifestOf(model, version, new Date(r.now()).toISOString(), r.code(), weights);
  await writeFile(join(tmp, 'item-vectors.bin'), float32ToBytes(model.itemVectors));
  await writeFile(join(tmp, 'item-ids.json'), JSON.stringify(model.itemIds));
  // The manifest last: a version directory without one is never listed.
  await writeFile(join(tmp, 'manifest.json'), manifestJson(manifest));
  return manifest;
}

async function publish(r: RegistryDir, model: ModelArtifact): Promise<ModelManifest> {
  checkArtifact(model);
  await mkdir(r.dir, { recursive: true });
  const version = versionId(r.now(), model);
  const tmp = join(r.dir, `.tmp-${version}`);
  await mkdir(tmp, { recursive: true });
  try {
    const manifest = await writeVersion(r, tmp, version, model);
    await rename(tmp, join(r.dir, version));
    r.logger.info('model published', { version, items: manifest.items, dim: manifest.dim });
    return manifest;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

async function list(r: RegistryDir): Promise<ModelManifest[]> {
  let names: string[];
  try {
    names = await readdir(r.dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: ModelManifest[] = [];
  for (const name of names.filter((n) => VERSION.test(n)).sort()) {
    const text = await readIfExists(join(r.dir, name, 'manifest.json'));
    if (text === undefined) continue;
    try {
      out.push(parseManifest(text, name));
    } catch (e) {
      // One damaged version does not hide the others; loading or activating it fails with the reason.
      if (!(e instanceof MeridianError)) throw e;
      r.logger.warn('model version with a damaged manifest left out of the list', { version: name, err: e });
    }
  }
  return out;
}

async function activate(r: RegistryDir, version: string): Promise<void> {
  await readManifest(r, version);
  const history = await readHistory(r);
  if (history[history.length - 1] !== version) history.push(version);
  await setActive(r, version, history);
}

async function rollback(r: RegistryDir): Promise<string> {
  const history = await readHistory(r);
  const current = await readActive(r);
  // The history's top is the active version unless someone edited ACTIVE by hand.
  if (current !== undefined && history[history.length - 1] === current) history.pop();
  const previous = history[history.length - 1];
  if (previous === undefined) throw new MeridianError('model_previous_missing', `no version was active before ${current ?? 'none'}`, { statusCode: 409 });
  await readManifest(r, previous);
  await setActive(r, previous, history);
  return previous;
}

async function load(r: RegistryDir, version: string): Promise<LoadedModel> {
  const manifest = await readManifest(r, version);
  const base = join(r.dir, version);
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
}

/**
 * The model registry over a directory: one subdirectory per version, written under a temporary name
 * and renamed into place, and an `ACTIVE` file naming the version in service, replaced by rename.
 * A crash mid-publish leaves only a temporary directory, which every reader ignores.
 */
export function createModelRegistry({ dir, logger = silentLogger, now = () => Date.now(), code = codeVersion }: ModelRegistryOptions): ModelRegistry {
  if (typeof dir !== 'string' || dir.length === 0) throw badRequest('option_invalid', 'dir must be a non-empty path', 'dir');
  const r: RegistryDir = { dir, activePath: join(dir, ACTIVE), historyPath: join(dir, HISTORY), logger, now, code };
  const active = (): Promise<string | undefined> => readActive(r);
  return {
    dir,
    publish: (model) => publish(r, model),
    active,
    list: () => list(r),
    activate: (version) => activate(r, version),
    rollback: () => rollback(r),
    load: (version) => load(r, version),
    watch: (onChange, { intervalMs = 1000 } = {}) => watchActive(active, logger, onChange, intervalMs),
  };
}
