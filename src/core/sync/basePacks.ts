import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../fs/atomicWrite';

/** Where a merge base lives: a pack file in the packs folder, a byte offset and a length. */
export type BaseRef = [pack: string, offset: number, length: number];

const PACK = /^[0-9a-z-]+\.pack$/;
/** Pending bases are written out once they hold this much, so a huge first sync never holds them all. */
const FLUSH_BYTES = 32 * 1024 * 1024;
/** A pack less than half alive is rewritten (its live bases move to the next pack) at the next save. */
const MIN_LIVE_RATIO = 0.5;
/** More packs than this (many small syncs) are merged into one at the next save. */
const MAX_PACKS = 32;
/** Packs younger than this are never collected: another sync of the same workspace may be writing them. */
const COLLECT_AFTER_MS = 10 * 60 * 1000;

/**
 * The merge bases of the sync (the content both sides had after the last sync, one per remote key),
 * stored as slices of a few pack files instead of a file each. Why: a first sync of 1,000 sidecars
 * created 1,000 base files, and creating files was the largest local cost of that sync (about 0.6 s of
 * main-thread time on the shared VM, more than hashing, parsing and signing together). A sync now writes
 * one pack with every base it changed, atomically, before `state.json` names it; `refs` (kept in
 * `state.json`) says where each key's base is. Packs nobody refers to any more are deleted after the state
 * is saved, and a pack that is mostly dead is rewritten. Bases are verified against the state's sha256
 * when read, so a lost or damaged pack only means a merge without a base (every span kept).
 */
export class BasePacks {
  /** Bases set in this run and not yet in a pack; `null` = the key has no base any more. */
  private readonly pending = new Map<string, Uint8Array | null>();
  private pendingBytes = 0;
  /** Serialises flushes: sync workers call `set` concurrently. */
  private flushing: Promise<void> = Promise.resolve();
  /** Packs written by this run: never collected by it. */
  private readonly written = new Set<string>();

  constructor(
    private readonly dir: string,
    readonly refs: Record<string, BaseRef>,
  ) {}

  has(key: string): boolean {
    return this.pending.has(key) ? this.pending.get(key) !== null : Object.prototype.hasOwnProperty.call(this.refs, key);
  }

  async set(key: string, bytes: Uint8Array | undefined): Promise<void> {
    this.pending.set(key, bytes ?? null);
    this.pendingBytes += bytes?.length ?? 0;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.pending.has(key)) return this.pending.get(key) ?? undefined;
    const ref = Object.prototype.hasOwnProperty.call(this.refs, key) ? this.refs[key] : undefined;
    if (!ref || !PACK.test(ref[0])) return undefined;
    const [pack, offset, length] = ref;
    const handle = await fs.open(path.join(this.dir, pack), 'r');
    try {
      const out = Buffer.alloc(length);
      const { bytesRead } = await handle.read(out, 0, length, offset);
      return bytesRead === length ? out : undefined;
    } finally {
      await handle.close();
    }
  }

  /** Writes the pending bases into a new pack and points their refs at it. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writePack());
    return this.flushing;
  }

  private async writePack(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    this.pendingBytes = 0;
    const parts: Uint8Array[] = [];
    const placed: [string, number, number][] = [];
    let offset = 0;
    for (const [key, bytes] of batch) {
      if (bytes === null) continue;
      parts.push(bytes);
      placed.push([key, offset, bytes.length]);
      offset += bytes.length;
    }
    let name: string | undefined;
    if (parts.length) {
      name = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}.pack`;
      await writeFileAtomic(path.join(this.dir, name), Buffer.concat(parts));
      this.written.add(name);
    }
    for (const [key, bytes] of batch) if (bytes === null) delete this.refs[key];
    for (const [key, at, length] of placed) this.refs[key] = [name!, at, length];
  }

  /**
   * Queues the live bases of mostly-dead packs (or of all packs, once there are many) for rewriting, so that the next flush moves them and the
   * old pack can be collected. Unreadable packs are left alone (their bases are simply missing).
   */
  async compact(): Promise<void> {
    const live = new Map<string, number>();
    for (const [key, [pack, , length]] of Object.entries(this.refs)) {
      if (!this.pending.has(key)) live.set(pack, (live.get(pack) ?? 0) + length); // pending: about to move
    }
    const rewriteAll = live.size > MAX_PACKS;
    for (const [pack, liveBytes] of live) {
      if (this.written.has(pack)) continue;
      let size;
      try {
        size = (await fs.stat(path.join(this.dir, pack))).size;
      } catch {
        continue;
      }
      if (!rewriteAll && liveBytes >= size * MIN_LIVE_RATIO) continue;
      for (const [key, ref] of Object.entries(this.refs)) {
        if (ref[0] !== pack || this.pending.has(key)) continue;
        const bytes = await this.get(key).catch(() => undefined);
        if (bytes) await this.set(key, bytes);
      }
    }
  }

  /**
   * Deletes packs these refs do not mention, once they are older than the grace period (a sync of the
   * same workspace running in another process may have just written one). Call only after the state
   * naming the new refs is saved.
   */
  async collect(): Promise<void> {
    const keep = new Set([...Object.values(this.refs).map((r) => r[0]), ...this.written]);
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return;
    }
    const now = Date.now();
    for (const name of names) {
      if (!PACK.test(name) || keep.has(name)) continue;
      const file = path.join(this.dir, name);
      try {
        if (now - (await fs.stat(file)).mtimeMs < COLLECT_AFTER_MS) continue;
        await fs.rm(file, { force: true });
      } catch {
        // gone already, or not ours to delete: a cache either way
      }
    }
  }
}
