import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgreementNote, AgreementSpan } from '../../../src/core/agreement/agreementInput';
import { addToKappaCounts, cohenKappa, emptyKappaCounts } from '../../../src/core/agreement/cohenKappa';
import { noteTokens, tokenCategories } from '../../../src/core/agreement/noteTokens';
import { agreementReport, pairAgreement } from '../../../src/core/agreement/pairwiseAgreement';
import { fragmentOverlap, lenientCounts, strictCounts } from '../../../src/core/agreement/spanAgreement';

const span = (label: string, ...fragments: [number, number][]): AgreementSpan => ({ label, fragments });
const close = (actual: number | null, expected: number, what: string): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} instead of ${expected}`);
};

test('words as the model cuts them: whitespace, and each punctuation mark on its own', () => {
  const text = 'Rash after amoxicillin, then nausea.';
  assert.deepEqual(
    noteTokens(text).map(([s, e]) => text.slice(s, e)),
    ['Rash', 'after', 'amoxicillin', ',', 'then', 'nausea', '.'],
  );
  assert.deepEqual(noteTokens(''), []);
  assert.deepEqual(noteTokens(' \n\t'), []);
});

test('a word gets the label of every span that touches it, O otherwise; two labels join as "ADE+DRUG"', () => {
  const text = 'severe nausea from metformin-induced lactic acidosis';
  const tokens = noteTokens(text);
  // "metformin-induced lactic acidosis" is an ADE, "metformin" a DRUG inside it; "naus" cuts a word.
  const cats = tokenCategories(tokens, [span('ADE', [19, 52]), span('DRUG', [19, 28]), span('ADE', [7, 11])]);
  assert.deepEqual(
    tokens.map(([s, e], i) => `${text.slice(s, e)}:${cats[i]}`),
    ['severe:O', 'nausea:ADE', 'from:O', 'metformin:ADE+DRUG', '-:ADE', 'induced:ADE', 'lactic:ADE', 'acidosis:ADE'],
  );
  // A discontinuous span labels its fragments' words, not the words in its gap.
  const gap = tokenCategories(noteTokens('rash on the skin'), [span('ADE', [0, 4], [12, 16])]);
  assert.deepEqual(gap, ['ADE', 'O', 'O', 'ADE']);
});

test("Cohen's kappa: the textbook 2×2 table (po 0.7, pe 0.5) gives 0.4; undefined when both use one category", () => {
  // 50 items: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
  const a = [...Array(25).fill('yes'), ...Array(25).fill('no')] as string[];
  const b = [...Array(20).fill('yes'), ...Array(5).fill('no'), ...Array(10).fill('yes'), ...Array(15).fill('no')] as string[];
  const k = cohenKappa(addToKappaCounts(emptyKappaCounts(), a, b));
  close(k.observed, 0.7, 'observed');
  close(k.kappa, 0.4, 'kappa');
  assert.deepEqual(cohenKappa(addToKappaCounts(emptyKappaCounts(), ['O', 'O'], ['O', 'O'])), { kappa: null, observed: 1 });
  assert.deepEqual(cohenKappa(emptyKappaCounts()), { kappa: null, observed: null });
  // Total disagreement on two balanced categories: po 0, pe 0.5, kappa -1.
  close(cohenKappa(addToKappaCounts(emptyKappaCounts(), ['x', 'y'], ['y', 'x'])).kappa, -1, 'kappa');
  assert.throws(() => addToKappaCounts(emptyKappaCounts(), ['x'], []), /1 categories against 0/);
});

test('strict needs the same fragments; lenient needs shared characters, not just overlapping outer bounds', () => {
  const a = [span('ADE', [0, 4], [10, 14])];
  assert.equal(strictCounts(a, [span('ADE', [0, 4], [10, 14])]).matched, 1);
  assert.equal(strictCounts(a, [span('ADE', [0, 14])]).matched, 0, 'same outer bounds, other fragments');
  assert.equal(strictCounts(a, [span('DRUG', [0, 4], [10, 14])]).matched, 0, 'other label');
  assert.equal(fragmentOverlap([[0, 4], [10, 14]], [[5, 9]]), 0);
  assert.equal(fragmentOverlap([[0, 4], [10, 14]], [[2, 12]]), 4);
  assert.equal(lenientCounts(a, [span('ADE', [5, 9])]).matched, 0, 'inside the gap only');
  assert.equal(lenientCounts(a, [span('ADE', [0, 14])]).matched, 1);
  // One long span against two short ones: paired once, with the larger overlap.
  assert.deepEqual(lenientCounts([span('ADE', [0, 20])], [span('ADE', [0, 3]), span('ADE', [5, 15])]), { matched: 1, a: 1, b: 2 });
  // Identical spans twice on one side and once on the other: one strict pair.
  assert.deepEqual(strictCounts([span('ADE', [0, 4]), span('ADE', [0, 4])], [span('ADE', [0, 4])]), { matched: 1, a: 2, b: 1 });
});

/**
 * Hand-computed example. n1 "Rash after amoxicillin, then nausea." (7 words):
 *   ana: ADE Rash, DRUG amoxicillin, ADE nausea; ben: ADE "Rash after", DRUG amoxicillin.
 *   strict ADE 0/2/1, DRUG 1/1/1; lenient ADE 1/2/1. Words: ana ADE O DRUG O O ADE O, ben ADE ADE DRUG O O O O:
 *   po 5/7, pe (2·2 + 1·1 + 4·4)/49 = 3/7, kappa (2/7)/(4/7) = 0.5.
 * n2 "No reaction to ibuprofen." (5 words): both DRUG ibuprofen: po 1, pe 17/25, kappa 1.
 * n3: finished by ana only, left out. n4 "Stable." (2 words): neither labelled anything: kappa undefined.
 * n5: both labelled it but ben did not finish it, left out.
 * Pooled: 14 words, 12 agree; each has ADE 2, DRUG 2, O 10: po 6/7, pe 108/196, kappa (15/49)/(22/49) = 15/22.
 */
const NOTES: AgreementNote[] = [
  {
    note: 'n1',
    text: 'Rash after amoxicillin, then nausea.',
    spans: { ana: [span('ADE', [29, 35]), span('ADE', [0, 4]), span('DRUG', [11, 22])], ben: [span('ADE', [0, 10]), span('DRUG', [11, 22])] },
    finishedBy: ['ana', 'ben'],
  },
  { note: 'n2', text: 'No reaction to ibuprofen.', spans: { ana: [span('DRUG', [15, 24])], ben: [span('DRUG', [15, 24])] }, finishedBy: ['ben', 'ana'] },
  { note: 'n3', text: 'Hives from penicillin.', spans: { ana: [span('ADE', [0, 5])] }, finishedBy: ['ana'] },
  { note: 'n4', text: 'Stable.', spans: {}, finishedBy: ['ana', 'ben'] },
  { note: 'n5', text: 'Cough on lisinopril.', spans: { ana: [span('ADE', [0, 5])], ben: [span('DRUG', [9, 19])] }, finishedBy: ['ana'] },
];

test('a pair: span F1 per label and overall, word kappa per note and pooled, notes most disagreement first', () => {
  const p = pairAgreement(NOTES, 'ana', 'ben');
  assert.equal(p.notes, 3);
  assert.equal(p.tokens, 14);
  assert.deepEqual(p.labels, {
    ADE: { strict: { matched: 0, a: 2, b: 1, f1: 0 }, lenient: { matched: 1, a: 2, b: 1, f1: 2 / 3 } },
    DRUG: { strict: { matched: 2, a: 2, b: 2, f1: 1 }, lenient: { matched: 2, a: 2, b: 2, f1: 1 } },
  });
  assert.deepEqual(p.overall.strict, { matched: 2, a: 4, b: 3, f1: 4 / 7 });
  assert.deepEqual(p.overall.lenient, { matched: 3, a: 4, b: 3, f1: 6 / 7 });
  close(p.overall.observed, 6 / 7, 'pooled observed');
  close(p.overall.kappa, 15 / 22, 'pooled kappa');

  assert.deepEqual(
    p.byNote.map((n) => [n.note, n.tokens, n.disagreeingTokens]),
    [
      ['n1', 7, 2],
      ['n2', 5, 0],
      ['n4', 2, 0],
    ],
  );
  const [n1, n2, n4] = p.byNote;
  close(n1.kappa, 0.5, 'n1 kappa');
  close(n1.observed, 5 / 7, 'n1 observed');
  assert.deepEqual(n1.strict, { matched: 1, a: 3, b: 2, f1: 0.4 });
  assert.deepEqual(n1.lenient, { matched: 2, a: 3, b: 2, f1: 0.8 });
  close(n2.kappa, 1, 'n2 kappa');
  assert.deepEqual(n4, { note: 'n4', tokens: 2, disagreeingTokens: 0, kappa: null, observed: 1, strict: { matched: 0, a: 0, b: 0, f1: null }, lenient: { matched: 0, a: 0, b: 0, f1: null } });
  // The pair is symmetric: F1 and kappa do not depend on who comes first.
  const q = pairAgreement(NOTES, 'ben', 'ana');
  assert.equal(q.overall.strict.f1, p.overall.strict.f1);
  close(q.overall.kappa, 15 / 22, 'kappa, other order');
});

test('notes with equal word disagreement: the one with more spans without an exact match first, then by name', () => {
  const notes: AgreementNote[] = [
    { note: 'b', text: 'rash rash', spans: { x: [span('ADE', [0, 4])], y: [span('ADE', [0, 4])] }, finishedBy: ['x', 'y'] },
    // Same words labelled, but as one span against two: 0 words differ, 3 spans unmatched.
    { note: 'c', text: 'rash rash', spans: { x: [span('ADE', [0, 9])], y: [span('ADE', [0, 4]), span('ADE', [5, 9])] }, finishedBy: ['x', 'y'] },
    { note: 'a', text: 'rash rash', spans: { x: [span('ADE', [0, 4])], y: [span('ADE', [0, 4])] }, finishedBy: ['x', 'y'] },
  ];
  assert.deepEqual(
    pairAgreement(notes, 'x', 'y').byNote.map((n) => n.note),
    ['c', 'a', 'b'],
  );
});

test('every pair of the annotators, in the order given; by name when none are given; at least two distinct', () => {
  const notes: AgreementNote[] = [...NOTES, { note: 'n6', text: 'Rash.', spans: { cy: [span('ADE', [0, 4])], ana: [span('ADE', [0, 4])] }, finishedBy: ['cy', 'ana'] }];
  const all = agreementReport(notes);
  assert.deepEqual(all.annotators, ['ana', 'ben', 'cy']);
  assert.deepEqual(
    all.pairs.map((p) => [p.a, p.b, p.notes]),
    [
      ['ana', 'ben', 3],
      ['ana', 'cy', 1],
      ['ben', 'cy', 0],
    ],
  );
  const none = all.pairs[2];
  assert.deepEqual([none.tokens, none.labels, none.overall.kappa, none.overall.strict.f1, none.byNote], [0, {}, null, null, []]);
  assert.deepEqual(
    agreementReport(notes, ['cy', 'ana']).pairs.map((p) => [p.a, p.b]),
    [['cy', 'ana']],
  );
  assert.throws(() => agreementReport(notes, ['ana']), /two annotators or more, got ana/);
  assert.throws(() => agreementReport(notes, ['ana', 'ana']), /named twice/);
  assert.throws(() => agreementReport([]), /got none/);
});
