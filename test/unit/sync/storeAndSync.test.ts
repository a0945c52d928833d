import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { parseSidecar, serializeSidecar, sidecarPathFor, type AnnotationSpan } from '../../../src/core/annotations/sidecar';
import { withFileLock } from '../../../src/core/fs/fileLock';
import { FileRemote } from '../../../src/core/sync/fileRemote';
import { SyncEngine } from '../../../src/core/sync/syncEngine';
import { span } from '../annotations/helpers';
import { cleanupScratch, scratchDir } from './helpers';

/**
 * The editor's annotation store and a `sidelight sync` in a terminal write the same sidecar at the same
 * time: no label of either side may be lost. Each checks the file before replacing it, and holds the
 * sidecar's lock (src/core/fs/fileLock.ts) from that check to the rename.
 */

after(cleanupScratch);

const NOTE = 'notes/a.txt';
const WORDS = Array.from({ length: 60 }, (_, i) => `word${i}`);
const TEXT = `${WORDS.join(' ')}\n`;
const at = (i: number): [number, number] => {
  const start = TEXT.indexOf(`${WORDS[i]} `);
  return [start, start + WORDS[i].length];
};

async function labelsOnDisk(ws: string): Promise<string[]> {
  const car = parseSidecar(await fs.readFile(sidecarPathFor(ws, NOTE), 'utf8'), 'disk');
  return car.spans.map((s) => TEXT.slice(s.fragments[0][0], s.fragments[0][1])).sort();
}

/** Another writer's turn on the sidecar: adds `span` to the file, as a sync's pull (or the editor) would. */
async function addOnDisk(ws: string, span: AnnotationSpan): Promise<void> {
  const file = sidecarPathFor(ws, NOTE);
  const car = parseSidecar(await fs.readFile(file, 'utf8'), file);
  await fs.writeFile(file, serializeSidecar({ ...car, spans: [...car.spans, span] }));
}

async function workspaceWithNote(): Promise<string> {
  const ws = await scratchDir();
  await fs.mkdir(path.join(ws, 'notes'), { recursive: true });
  await fs.writeFile(path.join(ws, NOTE), TEXT);
  return ws;
}

const later = () => new Promise((r) => setTimeout(r, 50));

test('the editor\'s save waits while the sidecar is locked, then merges what the lock holder wrote', async () => {
  const ws = await workspaceWithNote();
  const store = new AnnotationStore(ws, { author: 'ana', saveDelayMs: 60_000 });
  try {
    await store.open(NOTE, TEXT);
    await store.addSpans(NOTE, TEXT, [{ label: 'DRUG', fragments: [at(0)] }]);
    await store.save(NOTE);
    let saving: Promise<void> | undefined;
    await withFileLock(sidecarPathFor(ws, NOTE), async () => {
      await store.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at(1)] }]);
      saving = store.save(NOTE);
      await later();
      assert.deepEqual(await labelsOnDisk(ws), ['word0'], 'nothing written while the lock is held');
      await addOnDisk(ws, span(TEXT, [at(2)], 'ADE', { author: 'bo' }));
    });
    await saving;
    assert.deepEqual(await labelsOnDisk(ws), ['word0', 'word1', 'word2']);
  } finally {
    store.dispose();
  }
});

test('a sync waits while the sidecar is locked before replacing it, then merges what the lock holder wrote', async () => {
  const remote = new FileRemote(await scratchDir());
  const [mine, theirs] = [await workspaceWithNote(), await workspaceWithNote()];
  const store = new AnnotationStore(mine, { author: 'ana', saveDelayMs: 60_000 });
  const sync = (ws: string) => new SyncEngine().sync({ workspaceDir: ws, remote, pullNotes: false, fetchPinnedModel: false });
  try {
    await store.addSpans(NOTE, TEXT, [{ label: 'DRUG', fragments: [at(0)] }]);
    await store.save(NOTE);
    await sync(mine);
    await sync(theirs);
    await addOnDisk(theirs, span(TEXT, [at(2)], 'ADE', { author: 'bo' }));
    await sync(theirs);
    const edit = span(TEXT, [at(1)], 'ADE');
    let syncing: Promise<unknown> | undefined;
    await withFileLock(sidecarPathFor(mine, NOTE), async () => {
      syncing = sync(mine);
      await later();
      assert.deepEqual(await labelsOnDisk(mine), ['word0'], 'nothing pulled into the file while the lock is held');
      await addOnDisk(mine, edit); // the editor's save, in its turn
    });
    await syncing;
    await sync(mine);
    assert.deepEqual(await labelsOnDisk(mine), ['word0', 'word1', 'word2']);
  } finally {
    store.dispose();
    remote.close();
  }
});

test('labelling in the editor while a sync pulls a teammate\'s labels into the same sidecar: every label survives', async () => {
  const remote = new FileRemote(await scratchDir());
  const [mine, theirs] = [await workspaceWithNote(), await workspaceWithNote()];
  const editor = new AnnotationStore(mine, { author: 'ana', saveDelayMs: 60_000 });
  const teammate = new AnnotationStore(theirs, { author: 'bo', saveDelayMs: 60_000 });
  const engine = new SyncEngine();
  const sync = (ws: string) => engine.sync({ workspaceDir: ws, remote, pullNotes: false, fetchPinnedModel: false });
  try {
    await editor.open(NOTE, TEXT);
    await teammate.open(NOTE, TEXT);
    const expected: string[] = [];
    for (let round = 0; round < 25; round++) {
      // The teammate labels a word and syncs it to the remote.
      await teammate.refreshFromDisk(NOTE);
      await teammate.addSpans(NOTE, TEXT, [{ label: 'DRUG', fragments: [at(2 * round + 1)] }]);
      await teammate.save(NOTE);
      await sync(theirs);
      // Here: a label saved while a sync pulls the teammate's one into the same file, started a little
      // later each round so that the save lands in each step of the sync in turn.
      await Promise.all([
        (async () => {
          await new Promise((r) => setTimeout(r, round % 8));
          await editor.addSpans(NOTE, TEXT, [{ label: 'ADE', fragments: [at(2 * round)] }]);
          await editor.save(NOTE);
        })(),
        sync(mine),
      ]);
      expected.push(WORDS[2 * round], WORDS[2 * round + 1]);
    }
    // Settle: the editor saves what it holds, one more sync each way.
    await editor.save(NOTE);
    await sync(mine);
    await sync(theirs);
    const all = [...expected].sort();
    assert.deepEqual(await labelsOnDisk(mine), all, 'every label in the editor\'s workspace');
    assert.deepEqual(await labelsOnDisk(theirs), all, 'every label in the teammate\'s workspace');
  } finally {
    editor.dispose();
    teammate.dispose();
    remote.close();
  }
});
