import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextEdit, applyEdit, applyEdits } from '../../../src/core/annotations/offsetTracking';
import { AnnotationSpan, Fragment, fragmentsProblem } from '../../../src/core/annotations/sidecar';
import { prng, randInt, span } from './helpers';

function edit(text: string, e: TextEdit): string {
  return text.slice(0, e.offset) + e.insertedText + text.slice(e.offset + e.deletedLength);
}

function textOf(text: string, s: AnnotationSpan): string {
  return s.fragments.map(([a, b]) => text.slice(a, b)).join('|');
}

const base = 'Patient developed nausea after metformin.';
const nausea: Fragment = [18, 24];

test('an edit before a span shifts it; its text and flags are unchanged', () => {
  const s = span(base, [nausea]);
  const e = { offset: 0, deletedLength: 7, insertedText: 'The patient' };
  const [out] = applyEdit([s], e);
  assert.equal(textOf(edit(base, e), out), 'nausea');
  assert.deepEqual(out.flags, []);
});

test('an edit after a span leaves the same object', () => {
  const s = span(base, [nausea]);
  const [out] = applyEdit([s], { offset: 30, deletedLength: 9, insertedText: 'insulin' });
  assert.equal(out, s);
});

test('insertions exactly at the start or end do not extend the span', () => {
  const s = span(base, [nausea]);
  const atEnd = { offset: 24, deletedLength: 0, insertedText: ' and vomiting' };
  assert.equal(textOf(edit(base, atEnd), applyEdit([s], atEnd)[0]), 'nausea');
  const atStart = { offset: 18, deletedLength: 0, insertedText: 'severe ' };
  const [out] = applyEdit([s], atStart);
  assert.equal(textOf(edit(base, atStart), out), 'nausea');
  assert.deepEqual(out.flags, []);
});

test('an insertion strictly inside grows the span and flags it edited', () => {
  const s = span(base, [nausea]);
  const e = { offset: 21, deletedLength: 0, insertedText: 'XX' };
  const [out] = applyEdit([s], e, '2025-02-02T00:00:00.000Z');
  assert.equal(textOf(edit(base, e), out), 'nauXXsea');
  assert.deepEqual(out.flags, ['edited']);
  assert.equal(out.updatedAt, '2025-02-02T00:00:00.000Z');
});

test('replacing the whole span text keeps the replacement, flagged edited', () => {
  const s = span(base, [nausea]);
  const e = { offset: 18, deletedLength: 6, insertedText: 'vomiting' };
  const [out] = applyEdit([s], e);
  assert.equal(textOf(edit(base, e), out), 'vomiting');
  assert.deepEqual(out.flags, ['edited']);
});

test('an edit overlapping one end keeps only the surviving text', () => {
  const s = span(base, [nausea]);
  const head = { offset: 15, deletedLength: 6, insertedText: 'ZZ' }; // cuts "nau"
  assert.equal(textOf(edit(base, head), applyEdit([s], head)[0]), 'sea');
  const tail = { offset: 22, deletedLength: 5, insertedText: 'ZZ' }; // cuts "ea"
  const [out] = applyEdit([s], tail);
  assert.equal(textOf(edit(base, tail), out), 'naus');
  assert.deepEqual(out.flags, ['edited']);
});

test('deleting the span and more keeps it as an orphan with its old quote', () => {
  const s = span(base, [nausea]);
  const [out] = applyEdit([s], { offset: 10, deletedLength: 25, insertedText: '' });
  assert.deepEqual(out.flags, ['orphan']);
  assert.deepEqual(out.fragments, [[10, 10]]);
  assert.equal(out.quote.text, 'nausea');
  assert.equal(out.id, s.id);
});

test('a discontinuous span losing one fragment keeps the others, flagged edited', () => {
  const text = 'rash on arms and swelling of the legs';
  const s = span(text, [[0, 4], [17, 25]]);
  const e = { offset: 0, deletedLength: 8, insertedText: '' }; // "rash on " gone
  const [out] = applyEdit([s], e);
  assert.deepEqual(out.fragments, [[9, 17]]);
  assert.equal(textOf(edit(text, e), out), 'swelling');
  assert.deepEqual(out.flags, ['edited']);
});

test('deleting the gap of a discontinuous span keeps both fragments and their text', () => {
  const text = 'abc--def';
  const s = span(text, [[0, 3], [5, 8]]);
  const e = { offset: 3, deletedLength: 2, insertedText: '' };
  const [out] = applyEdit([s], e);
  assert.deepEqual(out.fragments, [[0, 3], [3, 6]]);
  assert.deepEqual(out.flags, []);
});

test('an orphan follows edits around it and collapses into deletions', () => {
  const text = 'aaaa bbbb cccc';
  const s = span(text, [[5, 5]], 'ADE', { flags: ['orphan'] });
  assert.deepEqual(applyEdit([s], { offset: 0, deletedLength: 0, insertedText: 'xx' })[0].fragments, [[7, 7]]);
  assert.deepEqual(applyEdit([s], { offset: 2, deletedLength: 6, insertedText: 'y' })[0].fragments, [[2, 2]]);
  assert.deepEqual(applyEdit([s], { offset: 5, deletedLength: 2, insertedText: '' })[0].fragments, [[5, 5]]);
});

test('multi-cursor changes apply in the order given (VS Code reports them last to first)', () => {
  const text = 'one nausea two rash three';
  const a = span(text, [[4, 10]]);
  const b = span(text, [[15, 19]]);
  const edits = [
    { offset: 14, deletedLength: 0, insertedText: '!!' },
    { offset: 3, deletedLength: 0, insertedText: '!!' },
  ];
  const after = edits.reduce(edit, text);
  const out = applyEdits([a, b], edits);
  assert.equal(textOf(after, out[0]), 'nausea');
  assert.equal(textOf(after, out[1]), 'rash');
});

/**
 * Property: on random text with random spans (some discontinuous), thousands of random edits never lose
 * a span; every span that no edit touched covers exactly its original characters; every span whose
 * characters were deleted or interleaved with new ones is flagged. Characters are tracked by identity
 * (original ones keep their index, inserted ones get fresh ids) as the reference model.
 */
test('property: random edits never lose a span, keep untouched ones exact, flag touched ones', () => {
  const rand = prng(20250101);
  const alphabet = 'abc de\nf\r\n😀 ';
  let checkedSpans = 0;
  let flagged = 0;
  for (let iter = 0; iter < 400; iter++) {
    const len = randInt(rand, 20, 200);
    let text = '';
    while (text.length < len) text += alphabet[randInt(rand, 0, alphabet.length)];
    // Spans: non-overlapping fragments placed left to right, sometimes grouped as discontinuous.
    const spans: AnnotationSpan[] = [];
    let pos = 0;
    while (pos < text.length - 3) {
      const frags: Fragment[] = [];
      const nFrags = rand() < 0.25 ? 2 : 1;
      for (let k = 0; k < nFrags && pos < text.length - 2; k++) {
        const s = pos + randInt(rand, 0, 4);
        const e = Math.min(text.length, s + randInt(rand, 1, 6));
        if (e <= s) break;
        frags.push([s, e]);
        pos = e + randInt(rand, 0, 3);
      }
      if (frags.length > 0) spans.push(span(text, frags));
      pos += randInt(rand, 0, 8);
    }
    // Reference: the identity of each character position.
    let ids: number[] = Array.from({ length: text.length }, (_, i) => i);
    let nextId = text.length;
    let current = spans;
    const nEdits = randInt(rand, 1, 8);
    for (let k = 0; k < nEdits; k++) {
      const offset = randInt(rand, 0, text.length + 1);
      const deletedLength = rand() < 0.5 ? 0 : randInt(rand, 0, Math.min(10, text.length - offset) + 1);
      const insertedText = rand() < 0.4 ? '' : 'xyz\n'.slice(0, randInt(rand, 1, 5));
      const e = { offset, deletedLength, insertedText };
      text = edit(text, e);
      ids = [...ids.slice(0, offset), ...Array.from(insertedText, () => nextId++), ...ids.slice(offset + deletedLength)];
      current = applyEdit(current, e);
    }
    assert.equal(current.length, spans.length, 'no span is ever lost');
    const where = new Map(ids.map((id, i) => [id, i]));
    for (let i = 0; i < spans.length; i++) {
      const before = spans[i];
      const after = current[i];
      assert.equal(after.id, before.id);
      checkedSpans++;
      const orphan = after.flags.includes('orphan');
      assert.equal(fragmentsProblem(after.fragments, orphan), undefined, `valid fragments ${JSON.stringify(after.fragments)}`);
      assert.ok(after.fragments[after.fragments.length - 1][1] <= text.length, 'inside the text');
      // Untouched in the reference: every original character still there, contiguous, nothing inserted inside.
      const expected: Fragment[] = [];
      let untouched = true;
      for (const [s, e] of before.fragments) {
        const first = where.get(s);
        const last = where.get(e - 1);
        if (first === undefined || last === undefined || last - first !== e - 1 - s) {
          untouched = false;
          break;
        }
        for (let c = s; c < e; c++) if (where.get(c) !== first + (c - s)) untouched = false;
        expected.push([first, last + 1]);
      }
      if (untouched) {
        assert.deepEqual(after.fragments, expected, 'an untouched span keeps exactly its characters');
        assert.deepEqual(after.flags, [], 'an untouched span is not flagged');
      } else {
        flagged++;
        assert.ok(after.flags.includes('edited') || orphan, `a touched span is flagged (${JSON.stringify(before.fragments)} → ${JSON.stringify(after.fragments)})`);
      }
    }
  }
  assert.ok(checkedSpans > 3000, `enough spans checked (${checkedSpans})`);
  assert.ok(flagged > 200, `enough touched spans checked (${flagged})`);
});

test('one edit on a 100k-character note with 1,000 spans takes well under a millisecond', () => {
  const text = 'The patient developed nausea and a rash after starting metformin. '.repeat(1550).slice(0, 100_000);
  const spans = Array.from({ length: 1000 }, (_, i) => span(text, [[i * 100 + 22, i * 100 + 28]]));
  let current = spans;
  const times: number[] = [];
  for (let k = 0; k < 201; k++) {
    const t0 = process.hrtime.bigint();
    current = applyEdit(current, { offset: (k * 4999) % 100_000, deletedLength: 0, insertedText: 'x' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[100];
  // Typically ~0.05 ms; the bound leaves room for a loaded machine.
  assert.ok(median < 1, `median ${median.toFixed(3)} ms`);
  assert.equal(current.length, 1000);
});
