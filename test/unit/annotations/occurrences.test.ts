import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnnotationStore } from '../../../src/core/annotations/annotationStore';
import { choosePlan, findWholeWordOccurrences, occurrenceContext, planDetails, planMessage, planOccurrences, planTitle } from '../../../src/core/annotations/occurrences';
import { AnnotationSpan, Fragment } from '../../../src/core/annotations/sidecar';
import { span, withTempDir, writeFile } from './helpers';

const texts = (text: string, fragments: Fragment[]) => fragments.map(([s, e]) => `${text.slice(s, e)}@${s}`);
const at = (text: string, word: string, nth = 0): Fragment => {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(word, i + 1);
  assert.ok(i >= 0, `${word} #${nth} in the text`);
  return [i, i + word.length];
};

test('whole words only: "iron" is not found inside "environment", "ironic" or "Irons2"; punctuation around is fine', () => {
  const text = 'iron. Environment: iron-rich; ironic (iron) Irons2 iron\n';
  assert.deepEqual(texts(text, findWholeWordOccurrences(text, 'iron')), ['iron@0', 'iron@19', 'iron@38', 'iron@51']);
});

test('case-sensitive by default; ignoring case finds every spelling, with the text as it occurs', () => {
  const text = 'Lidocaine 1%, lidocaine jelly, LIDOCAINE, xylidocaine';
  assert.deepEqual(texts(text, findWholeWordOccurrences(text, 'lidocaine')), ['lidocaine@14']);
  assert.deepEqual(texts(text, findWholeWordOccurrences(text, 'lidocaine', { ignoreCase: true })), ['Lidocaine@0', 'lidocaine@14', 'LIDOCAINE@31']);
});

test('letters and digits of any script are word characters; an edge that is punctuation needs no boundary', () => {
  const text = 'Ärger Äspirin äspirin Äspirin2 5-FU x5-FU Tylenol #3, Tylenol #3a';
  assert.deepEqual(texts(text, findWholeWordOccurrences(text, 'Äspirin')), ['Äspirin@6']);
  assert.deepEqual(texts(text, findWholeWordOccurrences(text, 'äspirin', { ignoreCase: true })), ['Äspirin@6', 'äspirin@14']);
  assert.deepEqual(texts(text, findWholeWordOccurrences(text, '5-FU')), ['5-FU@31']);
  assert.deepEqual(texts(text, findWholeWordOccurrences(text, 'Tylenol #3')), ['Tylenol #3@42']);
});

test('regular-expression characters in the text are literal; multi-word text matches as written; empty finds nothing', () => {
  const text = 'Vitamin B12 (cyanocobalamin) 1.5 mg, vitamin B12, 1x5 mg, shortness of breath, shortness  of breath';
  assert.deepEqual(texts(text, findWholeWordOccurrences(text, '1.5 mg')), ['1.5 mg@29']);
  assert.deepEqual(texts(text, findWholeWordOccurrences(text, '(cyanocobalamin)')), ['(cyanocobalamin)@12']);
  assert.deepEqual(texts(text, findWholeWordOccurrences(text, 'Vitamin B12', { ignoreCase: true })), ['Vitamin B12@0', 'vitamin B12@37']);
  assert.deepEqual(texts(text, findWholeWordOccurrences(text, 'shortness of breath')), ['shortness of breath@58']);
  assert.deepEqual(findWholeWordOccurrences(text, ''), []);
  assert.deepEqual(findWholeWordOccurrences(text, '  '), []);
});

test('the plan: new where nothing overlaps, accept an exact pending suggestion of the label, skip any other overlap, the source is already labelled', () => {
  const text = 'lidocaine; lidocaine 1%; lidocaine; lidocaine toxicity; lidocaine; lidocaine; lidocaine; Lidocaine';
  const L = (n: number) => at(text, 'lidocaine', n);
  const source = span(text, [L(0)], 'DRUG');
  const spans = [
    source,
    span(text, [L(1)], 'DRUG', { status: 'suggested', source: 'model:m@1' }), // accept
    span(text, [[L(2)[0], L(2)[1] + 3]], 'DRUG', { status: 'suggested' }), // a longer suggestion: skip
    span(text, [at(text, 'lidocaine toxicity')], 'ADE'), // inside another label's span: skip
    span(text, [L(4)], 'DRUG', { status: 'rejected' }), // a rejection of this text: skip
    span(text, [L(5)], 'ADE', { status: 'suggested' }), // a suggestion of another label: skip
    span(text, [L(6)], 'DRUG', { status: 'rejected', flags: ['orphan'] }), // orphans are nowhere: add
  ];
  const plan = planOccurrences(text, spans, 'lidocaine', 'DRUG');
  assert.deepEqual(
    plan.occurrences.map((o) => o.action),
    ['already', 'accept', 'skip', 'skip', 'skip', 'skip', 'add'],
  );
  assert.deepEqual(plan.occurrences[1].spanIds, [spans[1].id]);
  assert.deepEqual(plan.toLabel.map((o) => o.fragment), [L(1), L(6)]);
  assert.deepEqual([plan.added, plan.accepted, plan.already, plan.skipped], [1, 1, 1, 4]);

  const folded = planOccurrences(text, spans, 'lidocaine', 'DRUG', { ignoreCase: true });
  assert.equal(folded.occurrences.length, 8);
  assert.deepEqual(folded.toLabel.map((o) => o.text), ['lidocaine', 'lidocaine', 'Lidocaine']);
  assert.equal(planTitle(plan), "Label 2 more occurrences of 'lidocaine' as DRUG");
  assert.equal(planTitle(folded), "Label 3 more occurrences of 'lidocaine' as DRUG, ignoring case");
  assert.match(planDetails(folded), /1 of them a pending suggestion, accepted · 4 skipped: overlap another span · 1 already labelled DRUG · also as 'Lidocaine'/);
  assert.equal(planMessage(plan), "Sidelight: labelled 2 occurrences of 'lidocaine' as DRUG (1 new, 1 suggestion accepted); 4 skipped (overlapping another span); 1 already labelled.");
});

test('the plan: an accepted span next to a suggestion on the same text is "already" labelled; a span touching an occurrence does not overlap it', () => {
  const text = 'Coumadin Coumadin, Coumadin';
  const c = (n: number) => at(text, 'Coumadin', n);
  const spans = [
    span(text, [c(0)], 'DRUG', { status: 'suggested' }),
    span(text, [c(0)], 'DRUG'),
    span(text, [[c(1)[1], c(1)[1] + 1]], 'ADE'), // the comma after the 2nd occurrence
  ];
  const plan = planOccurrences(text, spans, 'Coumadin', 'DRUG');
  assert.deepEqual(plan.occurrences.map((o) => o.action), ['already', 'add', 'add']);
  assert.equal(planTitle({ ...plan, toLabel: plan.toLabel.slice(1) }), "Label 1 more occurrence of 'Coumadin' as DRUG");
});

test('a suggestion of the label next to a rejection on the same text is skipped, not accepted', () => {
  const text = 'Ativan and Ativan';
  const a = at(text, 'Ativan');
  const plan = planOccurrences(text, [span(text, [a], 'DRUG', { status: 'suggested' }), span(text, [a], 'DRUG', { status: 'rejected' })], 'Ativan', 'DRUG');
  assert.deepEqual(plan.occurrences.map((o) => o.action), ['skip', 'add']);
});

test('the plan applied with AnnotationStore.labelSpans: suggestions accepted in place (same ids), new spans added, one undo step', async () => {
  await withTempDir(async (ws) => {
    const text = 'cefotaxime 50 mg; ampicillin; cefotaxime, Cefotaxime; cefotaximes; cefotaxime\n';
    await writeFile(ws, 'notes/n.txt', text);
    const store = new AnnotationStore(ws, { author: 'ana', saveDelayMs: 5 });
    try {
      const c = (n: number) => at(text, 'cefotaxime', n);
      await store.addSpans('notes/n.txt', text, [{ label: 'DRUG', fragments: [c(0)] }]);
      const [suggestion] = await store.importSpans('notes/n.txt', text, [{ label: 'DRUG', fragments: [c(1)], source: 'model:m@1', status: 'suggested' }]).then((r) => r.added);
      const before = (await store.get('notes/n.txt')).spans;
      const plan = planOccurrences(text, before, 'cefotaxime', 'DRUG');
      assert.deepEqual(plan.occurrences.map((o) => o.action), ['already', 'accept', 'add']);
      const result = await store.labelSpans('notes/n.txt', text, plan.toLabel.map((o) => ({ label: 'DRUG', fragments: [o.fragment] })));
      assert.deepEqual(result.reviewed.map((s) => s.id), [suggestion.id]);
      assert.equal(result.added.length, 1);
      const after = (await store.get('notes/n.txt')).spans;
      assert.deepEqual(after.map((s) => [s.fragments[0][0], s.status]), [[c(0)[0], 'accepted'], [c(1)[0], 'accepted'], [c(3)[0], 'accepted']]);
      assert.equal(await store.undo('notes/n.txt'), true);
      const strip = (spans: readonly AnnotationSpan[]) => spans.map(({ updatedAt: _, ...rest }) => rest);
      assert.deepEqual(strip((await store.get('notes/n.txt')).spans), strip(before), 'one undo restores the note as it was');
    } finally {
      await store.flush();
      store.dispose();
    }
  });
});

test('chosen one by one: only the chosen occurrences are labelled, the rest counted as not chosen', () => {
  const text = 'potassium chloride 20 mEq. Labs: potassium 5.9. Continue potassium.';
  const spans = [span(text, [at(text, 'potassium', 2)], 'DRUG', { status: 'suggested', source: 'model:m@1' })];
  const plan = planOccurrences(text, spans, 'potassium', 'DRUG');
  assert.deepEqual([plan.added, plan.accepted, plan.notChosen], [2, 1, 0]);
  const chosen = choosePlan(plan, [at(text, 'potassium', 0), at(text, 'potassium', 2)]);
  assert.deepEqual(texts(text, chosen.toLabel.map((o) => o.fragment)), ['potassium@0', 'potassium@57']);
  assert.deepEqual([chosen.added, chosen.accepted, chosen.notChosen], [1, 1, 1]);
  assert.equal(planMessage(chosen), "Sidelight: labelled 2 occurrences of 'potassium' as DRUG (1 new, 1 suggestion accepted); 0 skipped (overlapping another span); 1 left unlabelled (not chosen).");
  // A fragment that is no occurrence to label (a stale offset) chooses nothing.
  assert.deepEqual(choosePlan(plan, [[1, 10]]).toLabel, []);
});

test("an occurrence's context: its line and the words around it on that line, cut with an ellipsis", () => {
  const text = 'first line\r\nKCl: potassium chloride 20 mEq by mouth daily\nlast';
  const f = at(text, 'potassium');
  assert.deepEqual(occurrenceContext(text, f), { line: 2, before: 'KCl: ', after: ' chloride 20 mEq by mouth daily' });
  assert.deepEqual(occurrenceContext(text, f, 3), { line: 2, before: '…l: ', after: ' ch…' });
  assert.deepEqual(occurrenceContext('potassium', [0, 9]), { line: 1, before: '', after: '' });
});
