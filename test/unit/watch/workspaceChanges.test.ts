import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BurstBatcher } from '../../../src/core/watch/burstBatcher';
import { classifyWorkspacePath, WorkspaceChangeSet } from '../../../src/core/watch/workspaceChanges';

describe('classifyWorkspacePath', () => {
  it('names each file of the project', () => {
    assert.deepEqual(classifyWorkspacePath('.sidelight/annotations/notes/a.txt.json'), { kind: 'sidecar', note: 'notes/a.txt' });
    assert.deepEqual(classifyWorkspacePath('.sidelight/annotations'), { kind: 'sidecarFolder', prefix: '' });
    assert.deepEqual(classifyWorkspacePath('.sidelight/annotations/notes'), { kind: 'sidecarFolder', prefix: 'notes/' });
    assert.deepEqual(classifyWorkspacePath('.sidelight/labels.json'), { kind: 'labels' });
    assert.deepEqual(classifyWorkspacePath('.sidelight/model.lock'), { kind: 'lock' });
    assert.deepEqual(classifyWorkspacePath('.sidelight/config.json'), { kind: 'remoteConfig' });
    assert.deepEqual(classifyWorkspacePath('.sidelight/labels.remote.json'), { kind: 'sidelight' });
    assert.deepEqual(classifyWorkspacePath('.sidelight/models/ade/2.0.0/manifest.json'), { kind: 'bundle' });
    assert.deepEqual(classifyWorkspacePath('notes/a.txt'), { kind: 'file', rel: 'notes/a.txt' });
    // A note merely named like the folder is a note.
    assert.deepEqual(classifyWorkspacePath('.sidelightx/a.txt'), { kind: 'file', rel: '.sidelightx/a.txt' });
  });

  it('ignores the caches and atomic writes\' temporary files', () => {
    for (const rel of ['.sidelight/sync/state.json', '.sidelight/sync', '.sidelight/models/m/1/model.onnx', '.sidelight/annotations/notes/.a.txt.json.0123456789ab.tmp', '.sidelight/.labels.json.abcdefabcdef.tmp']) {
      assert.deepEqual(classifyWorkspacePath(rel), { kind: 'ignored' }, rel);
    }
  });
});

describe('WorkspaceChangeSet', () => {
  it('folds a burst: what changed, once', () => {
    const set = new WorkspaceChangeSet();
    assert.equal(set.isEmpty, true);
    set.add('.sidelight/annotations/a.txt.json', 'changed');
    set.add('.sidelight/annotations/a.txt.json', 'changed');
    set.add('.sidelight/labels.json', 'created');
    set.add('.sidelight/sync/state.json', 'changed');
    set.add('.sidelight/models/ade/2/model.onnx', 'created');
    assert.deepEqual([...set.sidecars], ['a.txt']);
    assert.equal(set.labels, true);
    assert.equal(set.lock, false);
    assert.equal(set.project, true);
    assert.equal(set.files.size, 0);
    assert.equal(set.bundles, false);
    set.add('.sidelight/models/ade/2/manifest.json', 'created');
    assert.equal(set.bundles, true);
  });

  it('keeps only what a file became: created then deleted is nothing, deleted then created is a change', () => {
    const set = new WorkspaceChangeSet();
    set.add('a.txt', 'created');
    set.add('a.txt', 'changed');
    assert.equal(set.files.get('a.txt'), 'created');
    set.add('a.txt', 'deleted');
    assert.equal(set.files.has('a.txt'), false);
    set.add('b.txt', 'deleted');
    set.add('b.txt', 'created');
    assert.equal(set.files.get('b.txt'), 'changed');
    assert.equal(set.filesAddedOrRemoved, false);
    set.add('c.txt', 'created');
    assert.equal(set.filesAddedOrRemoved, true);
    assert.equal(set.project, false);
  });

  it('expands a reported folder to the loaded notes inside it', () => {
    const set = new WorkspaceChangeSet();
    set.add('.sidelight/annotations/x.txt.json', 'deleted');
    set.add('.sidelight/annotations/cardio', 'created');
    assert.deepEqual([...set.sidecarsOf(['cardio/a.txt', 'cardiology/b.txt', 'other/c.txt'])].sort(), ['cardio/a.txt', 'x.txt']);
    set.add('.sidelight/annotations', 'created');
    assert.deepEqual([...set.sidecarsOf(['cardio/a.txt', 'other/c.txt'])].sort(), ['cardio/a.txt', 'other/c.txt', 'x.txt']);
  });
});

describe('BurstBatcher', () => {
  it('hands a burst over once, after the quiet time', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const batches: number[][] = [];
    let now = 0;
    const b = new BurstBatcher<number[]>({ quietMs: 200, maxWaitMs: 2000, create: () => [], flush: (x) => batches.push(x), now: () => now });
    for (let i = 0; i < 5; i++) {
      b.add((x) => x.push(i));
      now += 100;
      t.mock.timers.tick(100);
    }
    assert.deepEqual(batches, []);
    now += 100;
    t.mock.timers.tick(100);
    assert.deepEqual(batches, [[0, 1, 2, 3, 4]]);
  });

  it('hands a burst that never stops over at the longest wait, then starts a new batch', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const batches: number[][] = [];
    let now = 0;
    const b = new BurstBatcher<number[]>({ quietMs: 200, maxWaitMs: 1000, create: () => [], flush: (x) => batches.push(x), now: () => now });
    for (let i = 0; i < 30; i++) {
      b.add((x) => x.push(i));
      now += 50;
      t.mock.timers.tick(50);
    }
    // Events every 50 ms for 1.5 s: the first batch went at 1 s, the rest waits for the quiet time.
    assert.equal(batches.length, 1);
    assert.deepEqual(batches[0], [...Array(20).keys()]);
    now += 200;
    t.mock.timers.tick(200);
    assert.deepEqual(batches[1], [...Array(10).keys()].map((i) => i + 20));
  });

  it('flushNow hands over at once; dispose drops the batch', () => {
    const batches: string[][] = [];
    const b = new BurstBatcher<string[]>({ quietMs: 10_000, maxWaitMs: 10_000, create: () => [], flush: (x) => batches.push(x) });
    b.add((x) => x.push('a'));
    b.flushNow();
    b.flushNow();
    assert.deepEqual(batches, [['a']]);
    b.add((x) => x.push('b'));
    b.dispose();
    b.flushNow();
    assert.deepEqual(batches, [['a']]);
  });
});

