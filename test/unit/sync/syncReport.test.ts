import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { makeQuote, parseSidecar as parseAnnotationSidecar, serializeSidecar, type AnnotationSpan } from '../../../src/core/annotations/sidecar';
import { mergeSidecars, type SidecarLike } from '../../../src/core/sync/merge';
import { ConflictScanner, countPairs } from '../../../src/core/sync/openConflicts';
import type { SyncEvent, SyncStatus } from '../../../src/core/sync/syncEngine';
import { addCounts, describeCounts, describeEvents, notesChangedOnDisk, pendingOf, syncCounts, ZERO_COUNTS } from '../../../src/core/sync/syncReport';
import { parseModelRef } from '../../../src/cli/modelCommand';
import { quietAwsSdkNodeWarning } from '../../../src/cli/remoteOption';
import { renderSyncItem } from '../../../src/vscode/sync/syncStatusView';
import { rmrf, tempDir } from './helpers';

const NOTE_TEXT = 'Started lisinopril; developed a dry cough and mild nausea.';

function annotation(id: string, word: string, extra: Partial<AnnotationSpan> = {}): AnnotationSpan {
  const start = NOTE_TEXT.indexOf(word);
  return {
    id,
    label: 'ADE',
    fragments: [[start, start + word.length]],
    quote: makeQuote(NOTE_TEXT, [[start, start + word.length]]),
    source: 'human',
    status: 'accepted',
    flags: [],
    author: 'ana',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...extra,
  };
}

function sidecarText(spans: AnnotationSpan[]): string {
  return serializeSidecar({ schemaVersion: 1, note: 'notes/a.txt', noteSha256: '', done: false, spans });
}

describe('sync report', () => {
  it('counts: the --json summary keys, in the contract order, and adding folders up', () => {
    const r = { pushed: 3, pulled: 2, conflicts: 1, deleted: 0, unchanged: 7, models: 0, errors: ['x'], events: [] };
    assert.equal(JSON.stringify(syncCounts(r)), '{"pushed":3,"pulled":2,"conflicts":1,"deleted":0,"unchanged":7,"models":0}');
    assert.deepEqual(addCounts(syncCounts(r), syncCounts(r)), { pushed: 6, pulled: 4, conflicts: 2, deleted: 0, unchanged: 14, models: 0 });
  });

  it('describes what moved in one line', () => {
    assert.equal(describeCounts({ ...ZERO_COUNTS, pushed: 3, pulled: 2, conflicts: 1 }), '↑3 ↓2, 1 conflict');
    assert.equal(describeCounts({ ...ZERO_COUNTS, deleted: 2, models: 1, conflicts: 2 }), '2 deleted, 1 model, 2 conflicts');
    assert.equal(describeCounts({ ...ZERO_COUNTS, unchanged: 9 }), 'already up to date');
  });

  it('never says "already up to date" when files failed', () => {
    assert.equal(describeCounts({ ...ZERO_COUNTS, unchanged: 9 }, 25), '25 failed');
    assert.equal(describeCounts({ ...ZERO_COUNTS, pushed: 1 }, 2), '↑1 ↓0, 2 failed');
  });

  it('pending counts: merges move both ways', () => {
    const s: SyncStatus = { toPush: ['a', 'b'], toPull: ['c'], toMerge: ['d'], toDelete: ['e'], notesToPull: ['notes/x'], labelsConflictOpen: false, modelMissing: true, errors: [] };
    assert.deepEqual(pendingOf(s), { up: 4, down: 3, merge: 1, modelMissing: true });
  });

  it('notes to reload: sidecars pulled, merged or deleted, not labels.json or pushed ones', () => {
    const events: SyncEvent[] = [
      { key: 'annotations/notes/a.txt.json', kind: 'pulled' },
      { key: 'annotations/notes/b.txt.json', kind: 'merged' },
      { key: 'annotations/notes/b.txt.json', kind: 'merge', event: { kind: 'conflict', spanId: 's1', copyId: 's1~remote-1234abcd' } },
      { key: 'annotations/notes/c.txt.json', kind: 'pushed' },
      { key: 'annotations/d d.txt.json', kind: 'deletedLocally' },
      { key: 'labels.json', kind: 'pulled' },
      { key: 'notes/e.txt', kind: 'notePulled' },
    ];
    assert.deepEqual(notesChangedOnDisk(events), ['d d.txt', 'notes/a.txt', 'notes/b.txt']);
    const lines = describeEvents(events);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^conflict: annotations\/notes\/b\.txt\.json: span s1 .*s1~remote-1234abcd/);
  });
});

describe('open conflicts', () => {
  it('a merge conflict is read back by the annotation parser and counted once per pair', async () => {
    const base = parseAnnotationSidecar(sidecarText([annotation('s1', 'dry cough')]), 'base');
    const local = parseAnnotationSidecar(sidecarText([annotation('s1', 'dry cough', { label: 'DRUG', updatedAt: '2025-01-02T00:00:00.000Z' })]), 'local');
    const remote = parseAnnotationSidecar(sidecarText([annotation('s1', 'cough', { updatedAt: '2025-01-03T00:00:00.000Z', author: 'ben' })]), 'remote');
    const m = mergeSidecars(base as unknown as SidecarLike, local as unknown as SidecarLike, remote as unknown as SidecarLike);
    assert.equal(m.conflicts, 1);
    // What the sync writes must load in the editor: the `conflict` flag and field are part of the format.
    const merged = JSON.stringify(m.merged, null, 2);
    const parsed = parseAnnotationSidecar(merged, 'merged.json');
    assert.equal(parsed.spans.length, 2);
    assert.ok(parsed.spans.every((s) => s.flags.includes('conflict') && typeof s.conflict === 'string'));

    const ws = await tempDir();
    try {
      const file = path.join(ws, '.sidelight', 'annotations', 'notes', 'a.txt.json');
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, merged);
      await fs.writeFile(path.join(ws, '.sidelight', 'annotations', 'notes', 'clean.txt.json'), sidecarText([annotation('s9', 'nausea')]));
      const scanner = new ConflictScanner(ws);
      const found = await scanner.scan();
      assert.equal(found.count, 1);
      assert.deepEqual(found.errors, []);
      assert.deepEqual(found.spans.map((s) => [s.note, s.remoteCopy, s.text, s.author]).sort(), [
        ['notes/a.txt', false, 'dry cough', 'ana'],
        ['notes/a.txt', true, 'cough', 'ben'],
      ]);
      // Resolving = removing one version: the other still names it, and still counts until it is removed too.
      const keep = JSON.parse(merged) as SidecarLike;
      keep.spans = keep.spans.filter((s) => !s.id.includes('~remote-'));
      await fs.writeFile(file, JSON.stringify(keep));
      await fs.writeFile(path.join(ws, '.sidelight', 'labels.remote.json'), '{}');
      const after = await scanner.scan();
      assert.equal(after.spans.length, 1);
      assert.equal(after.count, 2, 'one half-resolved span pair + the labels.json conflict');
      assert.ok(after.labelsConflict);
      await fs.writeFile(file, '{ not json "conflict"');
      const broken = await scanner.scan();
      assert.equal(broken.errors.length, 1);
      assert.match(broken.errors[0], /a\.txt\.json/);
    } finally {
      await rmrf(ws);
    }
  });

  it('countPairs: a span and its copy are one conflict', () => {
    const s = (id: string, otherId: string) => ({ note: 'n', id, otherId, remoteCopy: false, label: 'ADE', start: 0, end: 1, text: '', author: '' });
    assert.equal(countPairs([s('a', 'a~remote-1'), s('a~remote-1', 'a'), s('b', 'b~remote-2')]), 2);
  });
});

describe('sync status item', () => {
  it('renders every state', () => {
    assert.equal(renderSyncItem({ kind: 'restricted' }).text, '$(circle-slash) Sync (restricted)');
    assert.equal(renderSyncItem({ kind: 'noRemote' }).text, 'Sync: no remote');
    assert.equal(renderSyncItem({ kind: 'syncing' }).text, '$(sync~spin) Syncing…');
    const ready = { kind: 'ready', remotes: ['s3://b/p'], up: 3, down: 2, conflicts: 0, modelMissing: false } as const;
    assert.equal(renderSyncItem(ready).text, '$(sync) ↑3 ↓2');
    assert.match(renderSyncItem(ready).tooltip, /s3:\/\/b\/p[\s\S]*3 to push, 2 to pull/);
    assert.equal(renderSyncItem({ ...ready, conflicts: 1 }).text, '$(warning) 1 conflict');
    assert.equal(renderSyncItem({ ...ready, conflicts: 2 }).text, '$(warning) 2 conflicts');
    assert.equal(renderSyncItem({ ...ready, up: 0, down: 0 }).text, '$(check) Synced');
    assert.equal(renderSyncItem({ ...ready, up: 0, down: 0, modelMissing: true }).text, '$(sync) ↑0 ↓0');
    assert.match(renderSyncItem({ kind: 'error', message: 'connect ECONNREFUSED' }).tooltip, /ECONNREFUSED/);
  });
});

describe('CLI helpers', () => {
  it('parseModelRef: NAME, NAME@VERSION, NAME@latest', () => {
    assert.deepEqual(parseModelRef('ade'), { name: 'ade', version: 'latest' });
    assert.deepEqual(parseModelRef('ade@1.2.0'), { name: 'ade', version: '1.2.0' });
    assert.deepEqual(parseModelRef('ade@LATEST'), { name: 'ade', version: 'latest' });
    assert.throws(() => parseModelRef('ade@'), /NAME@VERSION/);
    assert.throws(() => parseModelRef('@1.0'), /NAME@VERSION/);
  });

  it('the AWS SDK Node-version warning is turned off through its documented variable, unless the user set it', () => {
    const env: NodeJS.ProcessEnv = {};
    quietAwsSdkNodeWarning(env);
    assert.equal(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED, 'true');
    const mine: NodeJS.ProcessEnv = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' };
    quietAwsSdkNodeWarning(mine);
    assert.equal(mine.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED, 'false');
  });
});
