import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { OffsetConverter } from '../../../src/core/annotations/codePoints';
import { Sidecar, makeQuote, normalizeNotePath, parseSidecar, quoteDisplay, serializeSidecar, sidecarPathFor } from '../../../src/core/annotations/sidecar';
import { InputError } from '../../../src/core/errors';
import { span } from './helpers';

const text = 'Rash and itching after amoxicillin 😀 started.';

function sample(): Sidecar {
  return {
    schemaVersion: 1,
    note: 'notes/a.txt',
    noteSha256: 'a'.repeat(64),
    done: true,
    spans: [
      span(text, [[23, 34]], 'DRUG'),
      span(text, [[0, 4], [9, 16]], 'ADE', { source: 'model:ade@1.0.0', status: 'suggested', score: 0.75 }),
    ],
  };
}

test('a sidecar round-trips through its file form, one span per line, sorted by position', () => {
  const raw = serializeSidecar(sample());
  const lines = raw.split('\n');
  assert.match(lines[6], /^ {4}\{"id":"s\d+","label":"ADE","fragments":\[\[0,4\],\[9,16\]\]/);
  assert.match(lines[7], /"label":"DRUG"/);
  const back = parseSidecar(raw, 'x.json');
  assert.deepEqual(back, { ...sample(), spans: [sample().spans[1], sample().spans[0]].map((s, i) => ({ ...s, id: back.spans[i].id })) });
  assert.deepEqual(back.spans[0].quote.fragments, [[0, 4], [9, 16]]);
  assert.equal(serializeSidecar(back), raw, 'stable output');
});

function problemOf(raw: string): InputError {
  try {
    parseSidecar(raw, '/ws/.sidelight/annotations/notes/a.txt.json');
  } catch (e) {
    assert.ok(e instanceof InputError);
    return e;
  }
  assert.fail('expected an InputError');
}

test('a malformed span is reported with the file, the line of that span and the problem', () => {
  const raw = serializeSidecar(sample()).replace('"status":"accepted"', '"status":"maybe"');
  const e = problemOf(raw);
  assert.equal(e.file, '/ws/.sidelight/annotations/notes/a.txt.json');
  assert.equal(e.line, 8);
  assert.match(e.problem, /span 2: "status" must be/);
  assert.match(e.message, /a\.txt\.json:8: /);
});

test('overlapping fragments, duplicate ids, bad sources and newer versions are refused', () => {
  const s = sample();
  assert.match(problemOf(serializeSidecar(s).replace('[[0,4],[9,16]]', '[[0,10],[9,16]]')).problem, /must not overlap/);
  assert.match(problemOf(serializeSidecar({ ...s, spans: [s.spans[0], { ...s.spans[1], id: s.spans[0].id }] })).problem, /duplicate id/);
  assert.match(problemOf(serializeSidecar(s).replace('"source":"human"', '"source":"robot"')).problem, /"source" must be/);
  assert.match(problemOf(serializeSidecar(s).replace('"schemaVersion": 1', '"schemaVersion": 4')).problem, /newer Sidelight/);
  const syntax = problemOf(serializeSidecar(s).replace('"done": true,', '"done": true,,'));
  assert.equal(syntax.line, 5);
});

test('sidecar paths mirror the note path and refuse escapes', () => {
  assert.equal(sidecarPathFor('/ws', 'notes/a.txt'), path.join('/ws', '.sidelight', 'annotations', 'notes', 'a.txt.json'));
  assert.equal(normalizeNotePath('notes\\sub\\./b.txt'), 'notes/sub/b.txt');
  for (const bad of ['../a.txt', 'notes/../../a.txt', '/etc/passwd', 'C:\\x.txt', '', '.sidelight/labels.json']) {
    assert.throws(() => sidecarPathFor('/ws', bad), InputError, bad);
  }
});

test('code point conversion counts an emoji once for Python and twice for JavaScript', () => {
  const t = 'a😀b😀😀c';
  const conv = new OffsetConverter(t);
  // JS offsets of a, b, c: 0, 3, 8; code points: 0, 2, 5.
  assert.deepEqual([0, 3, 8, t.length].map((o) => conv.toCodePoint(o)), [0, 2, 5, 6]);
  assert.deepEqual([0, 2, 5, 6].map((c) => conv.toUtf16(c)), [0, 3, 8, t.length]);
  assert.equal(conv.codePointLength, [...t].length);
  for (let cp = 0; cp <= conv.codePointLength; cp++) assert.equal(conv.toCodePoint(conv.toUtf16(cp)), cp);
});

test('a discontinuous span reads as its fragments joined by an ellipsis, a contiguous one as its text', () => {
  const note = 'She has arthritis in both knees and knee pain at night.';
  const a = note.indexOf('arthritis');
  const k = note.indexOf('knee pain');
  assert.equal(quoteDisplay(makeQuote(note, [[a, a + 9], [k, k + 9]])), 'arthritis … knee pain');
  assert.equal(quoteDisplay(makeQuote(note, [[k, k + 9]])), 'knee pain');
});
