import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { defaultModelDir } from '../../../src/core/model/defaultModel';
import { ModelRunner } from '../../../src/core/model/runner';
import { CUE_WEIGHT, noteLeads, rankByLeads } from '../../../src/core/model/sideEffectLeads';
import { Span } from '../../../src/core/span';

/** A span over the first occurrence of `word` at or after `from` in `text`. */
function at(text: string, label: string, word: string, score?: number, from = 0): Span {
  const start = text.indexOf(word, from);
  assert.ok(start >= 0, word);
  return { label, start, end: start + word.length, text: word, ...(score === undefined ? {} : { score }) };
}

const sentenceOf = (text: string, s: { start: number; end: number }) => text.slice(s.start, s.end);

test('a cue sentence: causal wording with a drug in it or up to two sentences before, and no ADE in it', () => {
  const text =
    'She was started on Avonex in May. She continued on it for six months. However, it made her feel much more stiff. ' +
    'Metoprolol was stopped because of bradycardia. Lisinopril 10 mg daily.';
  const predicted = [at(text, 'DRUG', 'Avonex'), at(text, 'DRUG', 'Metoprolol'), at(text, 'ADE', 'bradycardia', 0.8), at(text, 'DRUG', 'Lisinopril')];
  const leads = noteLeads(text, predicted);
  assert.deepEqual(
    leads.leads.map((l) => [l.kind, l.kind === 'cue' ? sentenceOf(text, l) : l.start, l.cue]),
    [
      ['cue', 'However, it made her feel much more stiff.', 'made her feel'],
      // The sentence with the predicted bradycardia is no cue sentence: it already holds an ADE.
      ['predicted', text.indexOf('bradycardia'), undefined],
    ],
  );
  assert.equal(leads.predicted, 1);
  assert.equal(leads.cueSentences, 1);
  assert.equal(leads.score, 0.8 + CUE_WEIGHT);
});

test('no cue sentence without a drug near it, in a risk, consent or counselling sentence, in a negation, or an anaesthesia induction', () => {
  const text =
    'The pain was due to a fall.\n' +
    'Risks of aspirin including bleeding were discussed.\n' +
    'She denies any side effects from the prednisone.\n' +
    'General anesthesia was induced with propofol.\n' +
    'Propofol induction was uneventful.\n' +
    'No adverse effects with 1% lidocaine were noted.\n' +
    'Side effect profile of this medication was discussed with the patient.';
  const predicted = ['aspirin', 'prednisone', 'propofol', 'Propofol', 'lidocaine'].map((w) => at(text, 'DRUG', w));
  assert.deepEqual(noteLeads(text, predicted).leads, []);
  // The same drug-free causal sentence becomes a lead once a drug is named just before it.
  const withDrug = 'He takes Coumadin.\n' + text;
  const leads = noteLeads(withDrug, [at(withDrug, 'DRUG', 'Coumadin'), ...['aspirin', 'prednisone', 'propofol', 'Propofol', 'lidocaine'].map((w) => at(withDrug, 'DRUG', w))]);
  assert.deepEqual(leads.leads.map((l) => sentenceOf(withDrug, l)), ['The pain was due to a fall.']);
});

test("a person's decisions: a reviewed prediction is no lead, a decided ADE closes its sentence, a rejected drug anchors nothing", () => {
  const text = 'Since starting the Zoloft she has felt dizzy. Augmentin gave her diarrhea and she stopped it because of that.';
  const zoloft = at(text, 'DRUG', 'Zoloft');
  const augmentin = at(text, 'DRUG', 'Augmentin');
  const diarrhea = at(text, 'ADE', 'diarrhea', 0.6);
  const none = noteLeads(text, [zoloft, augmentin, diarrhea]);
  assert.deepEqual(
    none.leads.map((l) => l.kind),
    ['cue', 'predicted'],
  );
  // She accepted "dizzy" as an ADE and rejected the prediction "diarrhea": nothing is left to check.
  const dizzy = at(text, 'ADE', 'dizzy');
  const decided = noteLeads(text, [zoloft, augmentin, diarrhea], [
    { ...dizzy, rejected: false },
    { ...diarrhea, rejected: true },
  ]);
  assert.deepEqual(decided.leads, []);
  assert.equal(decided.score, 0);
  // A rejected DRUG ("Zoloft" is not a drug here, say) no longer makes its sentence a cue sentence.
  assert.deepEqual(noteLeads(text, [zoloft], [{ ...zoloft, rejected: true }]).leads, []);
  // An accepted one does, even where the model predicts no drug: its own sentence and the next, which looks
  // back to it.
  assert.equal(noteLeads(text, [], [{ ...zoloft, rejected: false }]).cueSentences, 2);
});

test('rankByLeads: highest score first, ties by key, notes without a lead left out', () => {
  const lead = (score: number) => ({ score, predicted: 0, cueSentences: 1, leads: [{ kind: 'cue' as const, start: 0, end: 1, score }] });
  const none = { score: 0, predicted: 0, cueSentences: 0, leads: [] };
  const ranked = rankByLeads([
    { key: 'b', leads: lead(0.5) },
    { key: 'c', leads: none },
    { key: 'a', leads: lead(0.5) },
    { key: 'd', leads: lead(1.4) },
  ]);
  assert.deepEqual(
    ranked.map((n) => n.key),
    ['d', 'a', 'b'],
  );
});

test('on real labelled notes with the default model: notes with an ADE rank above those without (dev split)', async () => {
  // The 85 dev notes of data/notes-labelled, 32 with an ADE. Computed, not recorded: the ranking comes from
  // the model and the rules (bench:leads measures it in full: 9 of the top 10 hold an ADE).
  const rows = readFileSync(path.join(__dirname, '..', '..', '..', '..', 'data', 'notes-labelled', 'dev.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; text: string; spans: Span[] });
  const runner = await ModelRunner.load(defaultModelDir(__dirname));
  try {
    const predicted = await runner.predictBatch(rows.map((r) => r.text));
    const ranked = rankByLeads(rows.map((r, i) => ({ key: r.id, leads: noteLeads(r.text, predicted[i]), hasAde: r.spans.some((s) => s.label === 'ADE') })));
    const top = ranked.slice(0, 10);
    assert.ok(top.filter((n) => n.hasAde).length >= 7, `of the top 10: ${top.map((n) => `${n.key}${n.hasAde ? ' (ADE)' : ''}`).join(', ')}`);
    const shareWithAde = rows.filter((r) => r.spans.some((s) => s.label === 'ADE')).length / rows.length;
    assert.ok(shareWithAde < 0.5, 'the set is mostly notes without an ADE, so the top 10 is not chance');
  } finally {
    await runner.dispose();
  }
});
