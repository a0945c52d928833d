import { Span } from '../span';

/** Messages between the extension host and the model worker thread (src/core/model/modelWorker.ts). */
export type ToWorker =
  | { type: 'load'; dir: string; expectedManifestSha256?: string }
  | { type: 'predict'; id: number; texts: string[] }
  | { type: 'cancel'; id: number }
  /** Release the session before the thread ends (see WorkerModel.dispose). */
  | { type: 'release' };

export interface LoadedModelInfo {
  name: string;
  version: string;
  labels: string[];
  verified: boolean;
  dir: string;
  /** sha256 of the bundle's manifest.json (absent: unverified bundle). */
  manifestSha256?: string;
  /** The manifest's free-form `metrics` (the figures it was published with). */
  metrics?: Record<string, unknown>;
}

export interface SerializedError {
  message: string;
  file?: string;
  problem?: string;
  line?: number;
  name: string;
}

export type FromWorker =
  | { type: 'loaded'; info: LoadedModelInfo }
  | { type: 'loadFailed'; error: SerializedError }
  | { type: 'predicted'; id: number; spans: Span[][] }
  | { type: 'predictFailed'; id: number; error: SerializedError }
  | { type: 'released' };
