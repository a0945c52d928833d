import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../../src/core/errors';
import {
  compareSpans,
  conflictCopyId,
  isTombstone,
  mergeSidecars,
  openConflicts,
  parseSidecar,
  type SidecarLike,
  type SpanLike,
} from '../../../src/core/sync/merge';

function span(id: string, start: number, end: number, extra: Partial<SpanLike> = {}): SpanLike {
  return {
    id,
    label: 'ADE',
    fragments: [[start, end]],
    quote: `q${id}`,
    source: 'human',
    status: 'accepted',
    flags: [],
    author: 'a',
    createdAt: '2024-01-01T00:00:00Z',
    updatedAt: '2024-01-01T00:00:00Z',
    ...extra,
  };
}

function car(spans: SpanLike[], extra: Record<string, unknown> = {}): SidecarLike {
  return { schemaVersion: 1, noteSha256: 'n0', done: false, spans, ...extra };
}

const A = span('a', 0, 5);
const B = span('b', 10, 15);
const C = span('c', 20, 25);
const ids = (s: SidecarLike) => s.spans.map((x) => x.id);

describe('mergeSidecars: spans', () => {
  it('nothing changed → base', () => {
    const base = car([A, B]);
    const m = mergeSidecars(base, car([A, B]), car([A, B]));
    assert.deepEqual(m.merged, base);
    assert.deepEqual(m.events, []);
  });

  it('independent additions on both sides both survive', () => {
    const m = mergeSidecars(car([A]), car([A, B]), car([A, C]));
    assert.deepEqual(ids(m.merged), ['a', 'b', 'c']);
    assert.equal(m.conflicts, 0);
  });

  it('no base (first sync of a note labelled on both sides): the union', () => {
    const m = mergeSidecars(undefined, car([A]), car([B]));
    assert.deepEqual(ids(m.merged), ['a', 'b']);
    assert.equal(m.conflicts, 0);
  });

  it('no base and the same span on both sides: taken once', () => {
    const m = mergeSidecars(undefined, car([A]), car([A]));
    assert.deepEqual(m.merged.spans, [A]);
  });

  it('an edit on one side only is taken', () => {
    const edited = { ...A, status: 'rejected', updatedAt: '2024-02-01T00:00:00Z' };
    assert.deepEqual(mergeSidecars(car([A, B]), car([A, B]), car([edited, B])).merged.spans, [edited, B]);
    assert.deepEqual(mergeSidecars(car([A, B]), car([edited, B]), car([A, B])).merged.spans, [edited, B]);
  });

  it('independent edits of different spans merge', () => {
    const a2 = { ...A, label: 'DRUG' };
    const b2 = { ...B, status: 'rejected' };
    const m = mergeSidecars(car([A, B]), car([a2, B]), car([A, b2]));
    assert.deepEqual(m.merged.spans, [a2, b2]);
    assert.equal(m.events.length, 0);
  });

  it('a deletion on one side is applied when the other side did not touch the span', () => {
    assert.deepEqual(ids(mergeSidecars(car([A, B]), car([B]), car([A, B])).merged), ['b']);
    assert.deepEqual(ids(mergeSidecars(car([A, B]), car([A, B]), car([B])).merged), ['b']);
  });

  it('deleted on both sides → gone, no event', () => {
    const m = mergeSidecars(car([A, B]), car([B]), car([B]));
    assert.deepEqual(ids(m.merged), ['b']);
    assert.deepEqual(m.events, []);
  });

  it('deleted locally, edited remotely → the edit is kept and reported', () => {
    const a2 = { ...A, status: 'rejected' };
    const m = mergeSidecars(car([A, B]), car([B]), car([a2, B]));
    assert.deepEqual(m.merged.spans, [a2, B]);
    assert.deepEqual(m.events, [{ kind: 'deleteVsEdit', spanId: 'a', kept: 'remote' }]);
    assert.equal(m.conflicts, 0);
  });

  it('edited locally, deleted remotely → the edit is kept and reported', () => {
    const a2 = { ...A, label: 'DRUG' };
    const m = mergeSidecars(car([A, B]), car([a2, B]), car([B]));
    assert.deepEqual(m.merged.spans, [a2, B]);
    assert.deepEqual(m.events, [{ kind: 'deleteVsEdit', spanId: 'a', kept: 'local' }]);
  });

  it('the same span edited differently on both sides → conflict, both versions kept and marked', () => {
    const local = { ...A, label: 'DRUG' };
    const remote = { ...A, status: 'rejected' };
    const m = mergeSidecars(car([A]), car([local]), car([remote]));
    assert.equal(m.conflicts, 1);
    const copyId = conflictCopyId('a', remote);
    assert.deepEqual(m.events, [{ kind: 'conflict', spanId: 'a', copyId }]);
    const first = m.merged.spans.find((s) => s.id === 'a');
    const second = m.merged.spans.find((s) => s.id === copyId);
    assert.equal(m.merged.spans.length, 2);
    assert.deepEqual(first, { ...local, conflict: copyId, flags: ['conflict'] });
    assert.deepEqual(second, { ...remote, id: copyId, conflict: 'a', flags: ['conflict'] });
    assert.deepEqual(openConflicts(m.merged).sort(), ['a', copyId].sort());
  });

  it('two different spans added with the same id → conflict, both kept', () => {
    const l = span('x', 1, 2);
    const r = span('x', 3, 4, { label: 'DRUG' });
    const m = mergeSidecars(car([]), car([l]), car([r]));
    assert.equal(m.conflicts, 1);
    assert.equal(m.merged.spans.length, 2);
    assert.deepEqual(m.merged.spans.map((s) => s.fragments), [[[1, 2]], [[3, 4]]]);
  });

  it('the same edit on both sides at different times is not a conflict: the later one is kept', () => {
    const l = { ...A, status: 'rejected', updatedAt: '2024-03-01T00:00:00Z' };
    const r = { ...A, status: 'rejected', updatedAt: '2024-03-02T00:00:00Z' };
    const m = mergeSidecars(car([A]), car([l]), car([r]));
    assert.deepEqual(m.merged.spans, [r]);
    assert.equal(m.conflicts, 0);
    assert.deepEqual(mergeSidecars(car([A]), car([r]), car([l])).merged.spans, [r]);
  });

  it('re-merging a conflict that was already merged is stable (no new copies)', () => {
    const local = { ...A, label: 'DRUG' };
    const remote = { ...A, status: 'rejected' };
    const first = mergeSidecars(car([A]), car([local]), car([remote])).merged;
    // The other side merges the same three versions independently and gets the same result.
    assert.deepEqual(mergeSidecars(car([A]), car([local]), car([remote])).merged, first);
    // Later syncs with that result as base, local and remote change nothing.
    const again = mergeSidecars(first, first, first);
    assert.deepEqual(again.merged, first);
    assert.equal(again.conflicts, 0);
  });

  it('resolving a conflict on one side (drop the copy, clear the flag) travels as an ordinary edit', () => {
    const local = { ...A, label: 'DRUG' };
    const remote = { ...A, status: 'rejected' };
    const merged = mergeSidecars(car([A]), car([local]), car([remote])).merged;
    const resolved = car([{ ...local, status: 'rejected' }]);
    const m = mergeSidecars(merged, resolved, merged);
    assert.deepEqual(m.merged.spans, resolved.spans);
    assert.deepEqual(openConflicts(m.merged), []);
  });

  it('flags kept in an object form get a conflict key instead', () => {
    const l = { ...A, flags: { edited: true }, label: 'X' };
    const r = { ...A, flags: { edited: true }, label: 'Y' };
    const m = mergeSidecars(car([A]), car([l]), car([r]));
    assert.deepEqual(m.merged.spans[0].flags, { edited: true, conflict: true });
  });

  it('existing flags are kept when the conflict flag is added', () => {
    const l = { ...A, flags: ['orphan'], label: 'X' };
    const r = { ...A, flags: ['edited'], label: 'Y' };
    const m = mergeSidecars(car([A]), car([l]), car([r]));
    assert.deepEqual(m.merged.spans.map((s) => s.flags), [['conflict', 'orphan'], ['conflict', 'edited']]);
  });

  it('unknown span fields are carried through', () => {
    const r = span('n', 1, 2, { futureField: { x: [1, 2] } });
    assert.deepEqual(mergeSidecars(car([]), car([]), car([r])).merged.spans, [r]);
  });

  it('output is sorted by position, then label, then id, whatever the input order', () => {
    const s1 = span('z', 0, 3);
    const s2 = span('y', 0, 5);
    const s3 = span('x', 0, 5, { label: 'DRUG' });
    const s4 = span('w', 7, 9);
    const s5 = { id: 'nofrag', label: 'ADE' };
    const m = mergeSidecars(undefined, car([s4, s5, s3]), car([s2, s1]));
    assert.deepEqual(ids(m.merged), ['z', 'y', 'x', 'w', 'nofrag']);
    const disc = span('d', 0, 1, { fragments: [[0, 1], [8, 9]] });
    assert.ok(compareSpans(s1, disc) < 0); // same start, the discontinuous span ends later
    assert.ok(compareSpans(disc, s4) < 0);
  });

  it('is deterministic: key order and span order of the inputs do not change the result', () => {
    const shuffled = { spans: [C, A], done: false, noteSha256: 'n0', schemaVersion: 1 };
    const m1 = mergeSidecars(car([A]), car([A, C]), car([A, B]));
    const m2 = mergeSidecars(car([A]), shuffled as SidecarLike, car([B, A]));
    assert.equal(JSON.stringify(m1.merged.spans), JSON.stringify(m2.merged.spans));
  });

  it('many random independent operations never lose a span that either side still has', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const base = Array.from({ length: 6 }, (_, i) => span(`s${i}`, i * 10, i * 10 + 5));
      const mutate = (side: string) => {
        const out: SpanLike[] = [];
        for (const s of base) {
          const p = rnd();
          if (p < 0.2) continue; // delete
          out.push(p < 0.5 ? { ...s, status: `${side}${Math.floor(rnd() * 2)}` } : s);
        }
        if (rnd() < 0.5) out.push(span(`${side}-new${round}`, 100, 105));
        return out;
      };
      const l = mutate('L');
      const r = mutate('R');
      const m = mergeSidecars(car(base), car(l), car(r));
      const outIds = new Set(ids(m.merged));
      for (const s of [...l, ...r]) {
        const changedFromBase = JSON.stringify(base.find((x) => x.id === s.id)) !== JSON.stringify(s);
        // A span added on both sides with the same label and fragments is one span (two votes), under the local id.
        const folded = !base.some((b) => b.id === s.id) && m.merged.spans.some((x) => x.label === s.label && JSON.stringify(x.fragments) === JSON.stringify(s.fragments));
        if (changedFromBase) assert.ok(outIds.has(s.id) || folded, `round ${round}: lost ${s.id}`);
      }
      // every version that differs from base on either side is present, verbatim or as a conflict copy
      const contents = m.merged.spans.map((s) => s.status);
      for (const s of [...l, ...r]) if (!base.some((b) => JSON.stringify(b) === JSON.stringify(s))) assert.ok(contents.includes(s.status));
      assert.deepEqual(mergeSidecars(car(base), car(l), car(r)).merged, m.merged);
    }
  });
});

describe('mergeSidecars: top-level fields', () => {
  it('done: a one-sided change is taken; true wins when both changed', () => {
    assert.equal(mergeSidecars(car([]), car([], { done: false }), car([], { done: true })).merged.done, true);
    assert.equal(mergeSidecars(car([], { done: true }), car([], { done: false }), car([], { done: true })).merged.done, false);
    const m = mergeSidecars(car([], { done: undefined }), car([], { done: false }), car([], { done: true }));
    assert.equal(m.merged.done, true);
    assert.equal(m.events[0].kind, 'fieldConflict');
  });

  it('noteSha256: always the local one', () => {
    assert.equal(mergeSidecars(car([]), car([], { noteSha256: 'L' }), car([], { noteSha256: 'R' })).merged.noteSha256, 'L');
    assert.equal(mergeSidecars(car([]), car([]), car([], { noteSha256: 'R' })).merged.noteSha256, 'n0');
  });

  it('other fields: three-way; a conflict keeps local and is reported; remote-only fields are kept', () => {
    const m = mergeSidecars(car([], { schemaVersion: 1 }), car([], { schemaVersion: 2 }), car([], { schemaVersion: 4, extra: 'r' }));
    assert.equal(m.merged.schemaVersion, 2);
    assert.equal(m.merged.extra, 'r');
    assert.deepEqual(m.events, [{ kind: 'fieldConflict', field: 'schemaVersion', resolution: 'kept the local value' }]);
    assert.equal(mergeSidecars(car([], { schemaVersion: 1 }), car([]), car([], { schemaVersion: 2 })).merged.schemaVersion, 2);
  });

  it('keeps the local key order (diff-friendly in git)', () => {
    const m = mergeSidecars(undefined, car([A]), car([B]));
    assert.deepEqual(Object.keys(m.merged), ['schemaVersion', 'noteSha256', 'done', 'spans']);
  });
});

describe('parseSidecar', () => {
  it('accepts a sidecar and refuses malformed ones with an InputError naming the file', () => {
    assert.deepEqual(parseSidecar(JSON.stringify(car([A])), 'f.json').spans, [A]);
    const bad: [string, RegExp][] = [
      ['{', /not valid JSON/],
      ['[]', /expected a JSON object/],
      ['{"spans": 3}', /"spans" array/],
      ['{"spans": [1]}', /spans\[0\] is not an object/],
      ['{"spans": [{"label":"x"}]}', /spans\[0\] has no string "id"/],
      ['{"spans": [{"id":"a"},{"id":"a"}]}', /appears twice/],
    ];
    for (const [text, re] of bad) {
      assert.throws(
        () => parseSidecar(text, '.sidelight/annotations/x.txt.json'),
        (e: unknown) => e instanceof InputError && re.test(e.message) && e.message.startsWith('.sidelight/annotations/x.txt.json'),
      );
    }
  });

  it('recognises tombstones', () => {
    assert.equal(isTombstone({ deleted: true, deletedAt: 'x' }), true);
    assert.equal(isTombstone(car([])), false);
    assert.equal(isTombstone(null), false);
  });
});
