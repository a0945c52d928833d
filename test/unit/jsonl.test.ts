import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatJsonl, parseJsonl } from '../../src/core/jsonl';

test('reads interchange rows and reports bad ones with their line, keeping the good ones', () => {
  const content = [
    '{"id":"a","text":"Rash\\r\\nfrom 😀 amoxicillin","spans":[{"label":"ADE","start":0,"end":4,"text":"Rash"}]}',
    '',
    '{"file":"notes/b.txt","text":"x"}',
    '{"id":"c","text":"abc","spans":[{"label":"ADE","start":2,"end":9}]}',
    'not json',
    '{"text":"no name"}',
    '{"id":"d","text":"abc","spans":[{"label":"ADE","start":0,"end":2,"text":"bc"}]}',
  ].join('\n');
  const r = parseJsonl(content, 'gold.jsonl');
  assert.deepEqual(
    r.rows.map((x) => [x.line, x.row.id ?? x.row.file]),
    [
      [1, 'a'],
      [3, 'notes/b.txt'],
    ],
  );
  assert.deepEqual(r.rows[1].row.spans, []);
  assert.deepEqual(
    r.errors.map((e) => e.message.replace(/ \([^()]*\)$/, ' (…)')),
    [
      'gold.jsonl:4: spans[0] ("ADE") has offsets 2–9 outside the text (…)',
      'gold.jsonl:5: not valid JSON (…)',
      'gold.jsonl:6: the row needs an "id" or a "file" to name it',
      'gold.jsonl:7: spans[0] text "bc" differs from the text at its offsets "ab"',
    ],
  );
  assert.equal(parseJsonl('{"id":"x","text":"t"}', 'g.jsonl', { requireSpans: true }).errors[0].line, 1);
});

test('writes rows that read back the same (UTF-16 offsets, discontinuous fragments, scores)', () => {
  const rows = [
    {
      id: 'a',
      text: 'pain in 😀 the back',
      spans: [
        { label: 'ADE', start: 0, end: 19, text: 'pain back', fragments: [[0, 4], [15, 19]] as [number, number][] },
        { label: 'DRUG', start: 8, end: 10, text: '😀', score: 0.87654321 },
      ],
    },
  ];
  const back = parseJsonl(formatJsonl(rows), 'x.jsonl');
  assert.equal(back.errors.length, 0);
  assert.deepEqual(back.rows[0].row.spans[0], rows[0].spans[0]);
  assert.equal(back.rows[0].row.spans[1].score, 0.8765);
});
