import type { BlendSection, SequenceSection } from './serving.ts';

/** What a training run hands the registry: everything serving needs to use the model. */
export interface ModelArtifact {
  /** Dimension of the item vectors and of the user encoder's state. */
  dim: number;
  /** Event time range the model was trained on, and how many events it saw. */
  dataRange: { from: number | null; to: number | null; events: number };
  metrics: Record<string, unknown>;
  config: Record<string, unknown>;
  /** How serving builds the user encoder, e.g. `{ kind: 'decay-mix', halfLifeMs }`. */
  encoder: { kind: string } & Record<string, unknown>;
  /** How serving maps an item's content into the item space, e.g. `{ kind: 'hashed-linear', inputDim }`. */
  content: { kind: string } & Record<string, unknown>;
  itemIds: readonly string[];
  /** Row-major, `itemIds.length × dim`. */
  itemVectors: Float32Array;
  /** Further float arrays the encoders need (stored as `<name>.bin`), with their shapes. */
  weights: Record<string, { shape: number[]; data: Float32Array }>;
  /** The sequence model's parameters tuned on validation; absent: serving keeps its defaults. */
  sequence?: SequenceSection;
  /** The learned component's weight and cut in the recommendation blend, tuned with them. */
  blend?: BlendSection;
}

export interface ModelManifest {
  version: string;
  createdAt: string;
  dataRange: ModelArtifact['dataRange'];
  metrics: Record<string, unknown>;
  config: Record<string, unknown>;
  code: { version: string; commit?: string | undefined };
  dim: number;
  encoder: ModelArtifact['encoder'];
  content: ModelArtifact['content'];
  items: number;
  weights: Record<string, { file: string; shape: number[] }>;
  /** As in the artifact; in manifest.json an Infinity parameter is written as null (see serving.ts). */
  sequence?: SequenceSection;
  blend?: BlendSection;
}

export interface LoadedModel {
  manifest: ModelManifest;
  itemIds: string[];
  itemVectors: Float32Array;
  weights: Record<string, { shape: number[]; data: Float32Array }>;
}

export interface ModelRegistry {
  readonly dir: string;
  /** Writes a new version (atomically: a reader sees all of it or none of it); does not activate it. */
  publish(model: ModelArtifact): Promise<ModelManifest>;
  /** The version in service, or undefined before any activation. */
  active(): Promise<string | undefined>;
  /** Every complete version, oldest first. */
  list(): Promise<ModelManifest[]>;
  /** Puts a version in service (atomic pointer replace) and records it in the history. */
  activate(version: string): Promise<void>;
  /** Back to the version active before the current one; returns it. */
  rollback(): Promise<string>;
  load(version: string): Promise<LoadedModel>;
  /** Calls `onChange` once per change of the active version (polling; the timer does not keep the process alive). */
  watch(onChange: (version: string | undefined) => void, opts?: { intervalMs?: number }): () => void;
}
