import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { isNotFound } from '../fs/notFound';
import { sha256Hex } from '../fs/sha256';
import { ModelConfig, parseConfig } from './config';
import { Tokenizer } from './tokenizer';

/** `manifest.json` of a bundle (docs/model-bundle.md). */
export interface Manifest {
  name: string;
  version: string;
  createdAt?: string;
  files: Record<string, { sha256: string; size: number }>;
  labels?: string[];
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}

/** A bundle read from disk and checked, ready for a session. */
export interface LoadedBundle {
  dir: string;
  name: string;
  version: string;
  /** true when every file matched `manifest.json`; false when the folder has no manifest. */
  verified: boolean;
  manifest: Manifest | null;
  /** sha256 (hex) of `manifest.json`'s bytes; null without one. */
  manifestSha256: string | null;
  /** The bytes of `model.onnx` that were verified: the session is created from them, not re-read. */
  modelBytes: Uint8Array;
  modelFile: string;
  tokenizer: Tokenizer;
  config: ModelConfig;
  configFile: string;
}

const REQUIRED_FILES = ['model.onnx', 'tokenizer.json', 'config.json'] as const;

async function readRequired(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    if (isNotFound(e)) throw new InputError(file, 'not found (a model bundle needs model.onnx, tokenizer.json, config.json and manifest.json)');
    throw new InputError(file, `cannot be read (${(e as Error).message})`);
  }
}

function parseJson(buf: Buffer, file: string): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new InputError(file, `is not valid JSON (${(e as Error).message})`);
  }
}

async function readManifest(dir: string, expectedSha256?: string): Promise<{ manifest: Manifest; sha256: string } | null> {
  const file = path.join(dir, 'manifest.json');
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (e) {
    if (isNotFound(e)) {
      if (expectedSha256) throw new InputError(file, 'not found, but .sidelight/model.lock pins this model: sync the model, or fix the lock');
      return null;
    }
    throw new InputError(file, `cannot be read (${(e as Error).message})`);
  }
  if (expectedSha256 && sha256Hex(buf) !== expectedSha256.toLowerCase()) {
    throw new InputError(file, `sha256 ${sha256Hex(buf)} differs from the ${expectedSha256} pinned in .sidelight/model.lock`);
  }
  const m = parseJson(buf, file) as Partial<Manifest> | null;
  if (!m || typeof m !== 'object' || typeof m.files !== 'object' || m.files === null) throw new InputError(file, 'has no "files" object of {sha256, size} per file');
  if (typeof m.name !== 'string' || typeof m.version !== 'string') throw new InputError(file, 'needs string "name" and "version"');
  for (const req of REQUIRED_FILES) {
    if (!m.files[req]) throw new InputError(file, `does not list ${req}: the bundle cannot be verified`);
  }
  for (const [name, entry] of Object.entries(m.files)) {
    // A manifest names files inside the bundle only; anything else could point the check elsewhere.
    if (path.isAbsolute(name) || name.split(/[\\/]/).includes('..')) throw new InputError(file, `lists ${JSON.stringify(name)}, which is outside the bundle`);
    if (!entry || typeof entry.sha256 !== 'string' || typeof entry.size !== 'number') throw new InputError(file, `entry for ${name} needs "sha256" and "size"`);
  }
  return { manifest: m as Manifest, sha256: sha256Hex(buf) };
}

/** Checks one file against its manifest entry: size first (cheap), then sha256. */
function verify(file: string, data: Uint8Array, entry: { sha256: string; size: number }): void {
  if (data.byteLength !== entry.size) {
    throw new InputError(file, `does not match manifest.json: size ${data.byteLength} bytes, expected ${entry.size} (corrupt, truncated or replaced)`);
  }
  const actual = sha256Hex(data);
  if (actual !== entry.sha256.toLowerCase()) {
    throw new InputError(file, `does not match manifest.json: sha256 ${actual}, expected ${entry.sha256} (corrupt or tampered)`);
  }
}

/**
 * Reads a bundle and checks every file `manifest.json` lists (size, then sha256) before anything is parsed
 * or a session is created, so a tampered or half-synced bundle is refused with the file it concerns. A folder
 * without `manifest.json` (e.g. a raw Optimum export) loads with `verified: false`. A model pinned by
 * `.sidelight/model.lock` passes its `manifestSha256`: then the manifest itself must exist and match.
 */
export async function loadBundle(dir: string, options: { expectedManifestSha256?: string } = {}): Promise<LoadedBundle> {
  const abs = path.resolve(dir);
  try {
    if (!(await fs.stat(abs)).isDirectory()) throw new InputError(abs, 'is not a folder (a model bundle is a folder with model.onnx, tokenizer.json, config.json)');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(abs, 'model folder not found');
  }
  const read = await readManifest(abs, options.expectedManifestSha256);
  const manifest = read?.manifest ?? null;
  const contents = new Map<string, Buffer>();
  for (const req of REQUIRED_FILES) contents.set(req, await readRequired(path.join(abs, req)));
  if (manifest) {
    for (const [name, entry] of Object.entries(manifest.files)) {
      const file = path.join(abs, name);
      const data = contents.get(name) ?? (await readRequired(file));
      verify(file, data, entry);
    }
  }
  const tokenizerFile = path.join(abs, 'tokenizer.json');
  const configFile = path.join(abs, 'config.json');
  const tokenizer = Tokenizer.fromJSON(parseJson(contents.get('tokenizer.json') as Buffer, tokenizerFile), tokenizerFile);
  const config = parseConfig(parseJson(contents.get('config.json') as Buffer, configFile), configFile);
  return {
    dir: abs,
    name: manifest?.name ?? path.basename(abs),
    version: manifest?.version ?? 'unverified',
    verified: manifest !== null,
    manifest,
    manifestSha256: read?.sha256 ?? null,
    modelBytes: contents.get('model.onnx') as Buffer,
    modelFile: path.join(abs, 'model.onnx'),
    tokenizer,
    config,
    configFile,
  };
}
