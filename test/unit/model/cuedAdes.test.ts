import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Span } from '../../../src/core/span';
import { applyContextRules } from '../../../src/core/model/contextRules';
import { addCuedAdes, CUED_ADE_SCORE, findCuedAdes } from '../../../src/core/model/cuedAdes';

/** DRUG spans for every listed name (first occurrence at or after the previous one), as the model predicts them. */
function drugs(text: string, names: string[]): Span[] {
  let from = 0;
  return names.map((n) => {
    const start = text.indexOf(n, from);
    assert.ok(start >= 0, `not found: ${n}`);
    from = start + n.length;
    return { label: 'DRUG', start, end: start + n.length, text: n, score: 0.99 };
  });
}

/** The added ADE texts. */
const added = (text: string, names: string[]) => findCuedAdes(text, drugs(text, names)).map((c) => c.span.text);
/** [start, end, text] of the added ADEs, checked against the text. */
function addedAt(text: string, names: string[]): [number, number, string][] {
  return findCuedAdes(text, drugs(text, names)).map(({ span: s }) => {
    assert.equal(text.slice(s.start, s.end), s.text);
    return [s.start, s.end, s.text];
  });
}

test('allergy lines: a reaction in parentheses after the drug, one span per coordinated effect, exact offsets', () => {
  const text = 'ALLERGIES:\nCelecoxib (rash), MORPHINE (NAUSEA AND VOMITING).\n\nMEDICATIONS:\nNone.';
  assert.deepEqual(addedAt(text, ['Celecoxib', 'MORPHINE']), [
    [22, 26, 'rash'],
    [39, 45, 'NAUSEA'],
    [50, 58, 'VOMITING'],
  ]);
});

test('allergy lines: "causes", "caused", a dash and "cause him to" name the reaction', () => {
  assert.deepEqual(added('ALLERGIES:\nAMOXICILLIN CAUSES THROAT SWELLING.\n', ['AMOXICILLIN']), ['THROAT SWELLING']);
  // "Sulfa" and "Celecoxib" are not predicted as DRUG: a class word or a generic-name stem is anchored on in
  // allergy context (and only there)
  assert.deepEqual(added('ALLERGIES:\nCelecoxib (rash).\n', []), ['rash']);
  assert.deepEqual(added('Celecoxib (rash).', []), []);
  assert.deepEqual(added('ALLERGIES: Sulfa caused blisters and rash. Codeine - nausea, vomiting.\n', ['Codeine']), ['blisters', 'rash', 'nausea', 'vomiting']);
  assert.deepEqual(added('ALLERGIES:\nHe states that Dyazide, Zithromax, and amoxicillin cause him to feel warm and itchy.\n', ['Dyazide', 'Zithromax', 'amoxicillin']), [
    'feel warm',
    'itchy',
  ]);
  assert.deepEqual(added('ALLERGIES:\nPENICILLIN, WHICH CAUSED HIVES WHEN SHE WAS A CHILD.\n', ['PENICILLIN']), ['HIVES']);
});

test('allergy lines that name no reaction add nothing: NKDA, bare drugs, "unknown reaction", a dose, a drug, a date, "allergy"', () => {
  const text =
    'ALLERGIES:\nNKDA. Penicillin (unknown reaction), lisinopril (20 mg), Augmentin (amoxicillin), Keflex (2005), aspirin (allergy), Demerol (side effect), codeine (childhood), Bactrim.\n';
  assert.deepEqual(added(text, ['Penicillin', 'lisinopril', 'Augmentin', 'amoxicillin', 'Keflex', 'aspirin', 'Demerol', 'codeine', 'Bactrim']), []);
  assert.deepEqual(added('ALLERGIES:\nNo known drug allergies.\n', []), []);
  // a reaction to something that is not a drug is not an ADE
  assert.deepEqual(added('ALLERGIES:\nShe is allergic to Keflex and has skin sensitivity to Steri-Strips. Latex (rash).\n', ['Keflex']), []);
});

test('a parenthesis after a drug outside allergy context is an indication or a brand, not a reaction', () => {
  assert.deepEqual(added('MEDICATIONS:\nLisinopril (hypertension), metformin (Glucophage).\n', ['Lisinopril', 'metformin']), []);
});

test('causal prose: the drug as subject, the effect first, "-induced", "toxicity", a drug stopped because of an effect', () => {
  assert.deepEqual(added('She was first started on Avelox, switched to Augmentin, which caused loose stools, and then Rocephin.', ['Avelox', 'Augmentin', 'Rocephin']), ['loose stools']);
  assert.deepEqual(added('He has taken several Medrol dose packs, which has caused his blood sugars to increase.', ['Medrol']), ['blood sugars to increase']);
  assert.deepEqual(added('Codeine caused her to be excitable, but she did not actually have an allergic reaction.', ['Codeine']), ['excitable']);
  assert.deepEqual(added('13.  History of gingival infection secondary to chronic steroid use.', ['steroid']), ['gingival infection']);
  assert.deepEqual(added('Her rash was felt to be due to Bactrim. Hyperkalemia, most likely secondary to lisinopril.', ['Bactrim', 'lisinopril']), ['rash', 'Hyperkalemia']);
  // a state word alone is an effect only with its subject: the guideline's clause form
  assert.deepEqual(added('Her INR was elevated secondary to Coumadin.', ['Coumadin']), ['INR was elevated']);
  assert.deepEqual(added('Lithium-induced tremor and polyuria.', ['Lithium']), ['tremor', 'polyuria']);
  assert.deepEqual(addedAt('Admitted with digoxin toxicity.', ['digoxin']), [[22, 30, 'toxicity']]);
  assert.deepEqual(added('The metformin was discontinued because of diarrhea.', ['metformin']), ['diarrhea']);
  assert.deepEqual(added('He was switched from lisinopril to losartan due to a dry cough.', ['lisinopril', 'losartan']), ['dry cough']);
  assert.deepEqual(added('He states since starting flecainide, he has gotten sluggish.', ['flecainide']), ['sluggish']);
});

test('no cue, a risk, an indication or a reason that is not an effect adds nothing', () => {
  const cases: [string, string[]][] = [
    ['She was started on Coumadin due to atrial fibrillation.', ['Coumadin']],
    ['Neurontin may cause drowsiness. I explained that prednisone causes weight gain.', ['Neurontin', 'prednisone']],
    ['Methotrexate is known on some occasions to cause pneumonitis.', ['Methotrexate']],
    ['Coumadin was held due to an upcoming procedure. Lasix was stopped due to concerns of dehydration.', ['Coumadin', 'Lasix']],
    ['The risks including bleeding, infection, allergic reaction to medications were discussed.', []],
    ['General endotracheal anesthesia was induced without difficulty. Catheter induced pulmonary insufficiency.', []],
    ['Wound infection due to methicillin-resistant Staphylococcus aureus.', ['methicillin']],
    ['Deformity of lower extremities secondary to spina bifida.', []],
  ];
  for (const [text, names] of cases) assert.deepEqual(added(text, names), [], text);
});

test('a prediction always wins: nothing is added over or next to a span the model found, the inputs come back as they were', () => {
  const text = 'Lisinopril caused angioedema and cough.';
  const spans: Span[] = [...drugs(text, ['Lisinopril']), { label: 'ADE', start: 18, end: 28, text: 'angioedema', score: 0.7 }];
  const out = addCuedAdes(text, spans);
  assert.deepEqual(
    out.map((s) => [s.label, s.text, s.score]),
    [
      ['DRUG', 'Lisinopril', 0.99],
      ['ADE', 'angioedema', 0.7],
      ['ADE', 'cough', CUED_ADE_SCORE],
    ],
  );
  assert.equal(out[0], spans[0]);
  assert.equal(out[1], spans[1]);
  // an effect the model labelled with other bounds is not labelled twice
  const wider: Span[] = [...drugs(text, ['Lisinopril']), { label: 'ADE', start: 18, end: 38, text: 'angioedema and cough', score: 0.6 }];
  assert.equal(addCuedAdes(text, wider).length, 2);
  // DRUG spans are never added
  assert.ok(addCuedAdes('ALLERGIES: Sulfa (rash).', []).every((s) => s.label === 'ADE'));
});

test('applyContextRules: negation, risk and review-of-systems context still win over an added ADE', () => {
  const cases: [string, string[]][] = [
    ['She denies rash secondary to penicillin.', ['penicillin']],
    ['If she develops hives secondary to Bactrim, she will call.', ['Bactrim']],
    ['Watch for lisinopril-induced cough.', ['lisinopril']],
    ['REVIEW OF SYSTEMS:\nSKIN: No rash caused by amoxicillin.\n', ['amoxicillin']],
  ];
  for (const [text, names] of cases) {
    const spans = drugs(text, names);
    assert.equal(findCuedAdes(text, spans).length, 1, `the cue rules fire on: ${text}`);
    assert.deepEqual(
      applyContextRules(text, spans).filter((s) => s.label === 'ADE'),
      [],
      text,
    );
  }
  const text = 'Augmentin caused diarrhea. She denies nausea.';
  const at = text.indexOf('nausea');
  const spans = [...drugs(text, ['Augmentin']), { label: 'ADE', start: at, end: at + 6, text: 'nausea', score: 0.8 }];
  assert.deepEqual(
    applyContextRules(text, spans).map((s) => s.text),
    ['Augmentin', 'diarrhea'],
  );
});

test('pure and deterministic: the same input gives the same output, repeatedly', () => {
  const text = 'ALLERGIES:\nMORPHINE (NAUSEA AND VOMITING).\nLisinopril-induced cough.';
  const spans = drugs(text, ['MORPHINE', 'Lisinopril']);
  const a = addCuedAdes(text, spans);
  assert.deepEqual(addCuedAdes(text, spans), a);
  assert.deepEqual(a.filter((s) => s.label === 'ADE').map((s) => s.text), ['NAUSEA', 'VOMITING', 'cough']);
  assert.equal(spans.length, 2, 'the input array is not modified');
});
