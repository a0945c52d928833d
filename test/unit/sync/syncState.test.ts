import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from '../../../src/core/fs/sha256';
import { SyncState } from '../../../src/core/sync/syncState';
import { SYNC_DIR } from '../../../src/core/workspaceLayout';
import { exists, rmrf, tempDir } from './helpers';

const REMOTE = 's3://bucket/team';
const dirs: string[] = [];
after(() => rmrf(...dirs));

async function workspace(): Promise<string> {
  const d = await tempDir('sidelight-state-');
  dirs.push(d);
  return d;
}

const packsDir = (ws: string) => path.join(ws, SYNC_DIR, 'bases');
const packs = async (ws: string) => (await fs.readdir(packsDir(ws)).catch(() => [] as string[])).filter((n) => n.endsWith('.pack')).sort();
const body = (key: string, rev: number) => Buffer.from(JSON.stringify({ key, rev, spans: [] }) + '\n');

/** Records `key` as synced with content `bytes`, as the sync engine does after a push or pull. */
async function record(state: SyncState, key: string, bytes: Uint8Array): Promise<void> {
  await state.writeBase(key, bytes);
  state.set(key, { etag: `"${sha256Hex(bytes).slice(0, 8)}"`, sha256: sha256Hex(bytes) });
}

/** Makes every pack look older than the collection grace period. */
async function agePacks(ws: string): Promise<void> {
  const old = new Date(Date.now() - 60 * 60 * 1000);
  for (const p of await packs(ws)) await fs.utimes(path.join(packsDir(ws), p), old, old);
}

describe('sync state: merge bases in packs', () => {
  it('a sync that records 200 bases writes one pack, and a fresh load reads each base back byte-exact', async () => {
    const ws = await workspace();
    const state = await SyncState.load(ws, REMOTE);
    for (let i = 0; i < 200; i++) await record(state, `annotations/n${i}.txt.json`, body(`n${i}`, 0));
    await state.save();
    assert.equal((await packs(ws)).length, 1);
    assert.equal(await exists(path.join(ws, SYNC_DIR, 'base')), false, 'no per-key base files');
    const again = await SyncState.load(ws, REMOTE);
    for (const i of [0, 57, 199]) assert.deepEqual(await again.readBase(`annotations/n${i}.txt.json`), body(`n${i}`, 0));
  });

  it('a base whose bytes do not match the state (damaged pack) is not used', async () => {
    const ws = await workspace();
    const state = await SyncState.load(ws, REMOTE);
    await record(state, 'annotations/a.txt.json', body('a', 0));
    await record(state, 'annotations/b.txt.json', body('b', 0));
    await state.save();
    const [pack] = await packs(ws);
    const bytes = await fs.readFile(path.join(packsDir(ws), pack));
    bytes[2] ^= 0xff; // inside the first base
    await fs.writeFile(path.join(packsDir(ws), pack), bytes.subarray(0, bytes.length - 3)); // and truncate the last
    const again = await SyncState.load(ws, REMOTE);
    assert.equal(await again.readBase('annotations/a.txt.json'), undefined);
    assert.equal(await again.readBase('annotations/b.txt.json'), undefined);
  });

  it('a mostly superseded pack is rewritten and then deleted; dropped bases are gone', async () => {
    const ws = await workspace();
    const first = await SyncState.load(ws, REMOTE);
    for (let i = 0; i < 10; i++) await record(first, `annotations/n${i}.txt.json`, body(`n${i}`, 0));
    await first.save();
    const [oldPack] = await packs(ws);
    await agePacks(ws);

    const second = await SyncState.load(ws, REMOTE);
    for (let i = 0; i < 7; i++) await record(second, `annotations/n${i}.txt.json`, body(`n${i}`, 1));
    await second.writeBase('annotations/n9.txt.json', undefined);
    second.set('annotations/n9.txt.json', undefined);
    await second.save();
    assert.ok(!(await packs(ws)).includes(oldPack), 'the old pack (2 of 10 bases alive) was collected');
    assert.equal((await packs(ws)).length, 1);

    const third = await SyncState.load(ws, REMOTE);
    for (let i = 0; i < 7; i++) assert.deepEqual(await third.readBase(`annotations/n${i}.txt.json`), body(`n${i}`, 1));
    for (const i of [7, 8]) assert.deepEqual(await third.readBase(`annotations/n${i}.txt.json`), body(`n${i}`, 0));
    assert.equal(await third.readBase('annotations/n9.txt.json'), undefined);
  });

  it('a pack younger than the grace period is kept even when unreferenced (another sync may own it)', async () => {
    const ws = await workspace();
    await fs.mkdir(packsDir(ws), { recursive: true });
    await fs.writeFile(path.join(packsDir(ws), 'zzz-00000000.pack'), 'another run');
    await fs.writeFile(path.join(packsDir(ws), 'aaa-00000000.pack'), 'a crashed run, long ago');
    const old = new Date(Date.now() - 60 * 60 * 1000);
    await fs.utimes(path.join(packsDir(ws), 'aaa-00000000.pack'), old, old);
    const state = await SyncState.load(ws, REMOTE);
    await record(state, 'annotations/a.txt.json', body('a', 0));
    await state.save();
    const names = await packs(ws);
    assert.ok(names.includes('zzz-00000000.pack'));
    assert.ok(!names.includes('aaa-00000000.pack'));
    assert.equal(names.length, 2);
  });

  it('bases of an earlier version (one file per key) are still read, and removed once every base is in a pack', async () => {
    const ws = await workspace();
    const key = 'annotations/notes/old.txt.json';
    const bytes = body('old', 0);
    await fs.mkdir(path.join(ws, SYNC_DIR, 'base', 'annotations', 'notes'), { recursive: true });
    await fs.writeFile(path.join(ws, SYNC_DIR, 'base', key), bytes);
    await fs.writeFile(
      SyncState.file(ws),
      JSON.stringify({ version: 1, remote: REMOTE, entries: { [key]: { etag: '"e"', sha256: sha256Hex(bytes) } }, localHashes: {} }),
    );
    const state = await SyncState.load(ws, REMOTE);
    assert.deepEqual(await state.readBase(key), bytes);
    await record(state, 'annotations/new.txt.json', body('new', 0));
    await state.save();
    assert.equal(await exists(path.join(ws, SYNC_DIR, 'base')), true, 'still needed by the old key');
    await record(state, key, bytes);
    await state.save();
    assert.equal(await exists(path.join(ws, SYNC_DIR, 'base')), false);
    assert.deepEqual(await (await SyncState.load(ws, REMOTE)).readBase(key), bytes);
  });

  it('malformed base refs in state.json mean "no base", not a failed sync', async () => {
    const ws = await workspace();
    const key = 'annotations/a.txt.json';
    await fs.mkdir(path.join(ws, SYNC_DIR), { recursive: true });
    await fs.writeFile(
      SyncState.file(ws),
      JSON.stringify({ version: 1, remote: REMOTE, entries: { [key]: { etag: '"e"', sha256: 'ab'.repeat(32) } }, localHashes: {}, bases: { [key]: 'nonsense', other: [1, 2] } }),
    );
    const state = await SyncState.load(ws, REMOTE);
    assert.equal(await state.readBase(key), undefined);
    await record(state, 'annotations/b.txt.json', body('b', 0));
    await state.save();
    assert.deepEqual(await (await SyncState.load(ws, REMOTE)).readBase('annotations/b.txt.json'), body('b', 0));
  });
});
