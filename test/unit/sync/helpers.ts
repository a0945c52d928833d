import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { sha256Hex } from '../../../src/core/fs/sha256';
import type { SidecarLike, SpanLike } from '../../../src/core/sync/merge';
import { startMoto, type Moto } from '../../harness/moto';

/**
 * The test file's moto server: started before its first test, stopped after its last. Call at the top
 * level; the returned object reads the running server in tests and `beforeEach`/`after` hooks — not in
 * another top-level `before`, which Node 20 runs at the same time as this one.
 */
export function motoForFile(): Moto {
  let server: Moto | undefined;
  before(async () => {
    server = await startMoto();
  });
  after(async () => {
    await server?.stop();
  });
  const get = (): Moto => {
    if (!server) throw new Error('moto is not running yet: use it inside a hook or a test');
    return server;
  };
  return {
    get endpoint() {
      return get().endpoint;
    },
    get port() {
      return get().port;
    },
    get bucket() {
      return get().bucket;
    },
    get client() {
      return get().client;
    },
    reset: () => get().reset(),
    stop: () => get().stop(),
  };
}

export async function tempDir(prefix = 'sidelight-sync-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function rmrf(...dirs: string[]): Promise<void> {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
}

/** Temp folders made by scratchDir; removed by cleanupScratch() (in the test file's `after`). */
const scratchDirs: string[] = [];

export async function scratchDir(prefix = 'sidelight-sync-'): Promise<string> {
  const d = await tempDir(prefix);
  scratchDirs.push(d);
  return d;
}

export async function cleanupScratch(): Promise<void> {
  await rmrf(...scratchDirs.splice(0));
}

export function span(id: string, start: number, end: number, extra: Partial<SpanLike> = {}): SpanLike {
  return {
    id,
    label: 'ADE',
    fragments: [[start, end]],
    quote: { text: `quote ${id}`, prefix: '', suffix: '' },
    source: 'human',
    status: 'accepted',
    flags: [],
    author: 'tester',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
}

/** A sidecar the store's parser accepts (sync refuses any other); `note` is not checked against its path. */
export function sidecar(spans: SpanLike[], extra: Record<string, unknown> = {}): SidecarLike {
  return { schemaVersion: 1, note: 'notes/a.txt', noteSha256: 'a'.repeat(64), done: false, spans, ...extra };
}

export function sidecarPath(ws: string, note: string): string {
  return path.join(ws, '.sidelight', 'annotations', ...note.split('/')) + '.json';
}

export async function writeSidecar(ws: string, note: string, car: SidecarLike): Promise<void> {
  const file = sidecarPath(ws, note);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(car, null, 2));
}

export async function readSidecar(ws: string, note: string): Promise<SidecarLike | undefined> {
  try {
    return JSON.parse(await fs.readFile(sidecarPath(ws, note), 'utf8')) as SidecarLike;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export { exists } from '../../../src/core/fs/exists';

/** Ensures a later write gets a different mtime than the hash cache saw (coarse-mtime filesystems). */
export async function touchLater(file: string): Promise<void> {
  const t = new Date(Date.now() + 5000);
  await fs.utimes(file, t, t);
}

/** Bundle folders made by makeBundle; removed by cleanupBundles(). */
const bundleDirs: string[] = [];

export async function cleanupBundles(): Promise<void> {
  await rmrf(...bundleDirs.splice(0));
}

/** A bundle folder with a manifest that matches its files. */
export async function makeBundle(name: string, version: string, modelBytes: number, seed = 'x'): Promise<string> {
  const d = await tempDir('sidelight-bundle-');
  bundleDirs.push(d);
  const files: Record<string, Buffer> = {
    'model.onnx': randomBytes(modelBytes),
    'tokenizer.json': Buffer.from(JSON.stringify({ model: { type: 'WordLevel', seed } })),
    'config.json': Buffer.from(JSON.stringify({ id2label: { 0: 'O', 1: 'B-ADE', 2: 'I-ADE' } })),
  };
  const manifest = {
    name,
    version,
    createdAt: '2024-05-01T00:00:00Z',
    files: Object.fromEntries(Object.entries(files).map(([f, b]) => [f, { sha256: sha256Hex(b), size: b.length }])),
    labels: ['ADE'],
  };
  for (const [f, b] of Object.entries(files)) await fs.writeFile(path.join(d, f), b);
  await fs.writeFile(path.join(d, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return d;
}

