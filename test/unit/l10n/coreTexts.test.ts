import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { describeLeftOut } from '../../../src/core/annotations/exportSummary';
import { planDetails, planMessage, planTitle, type OccurrencePlan } from '../../../src/core/annotations/occurrences';
import { attributeValueProblem, relationLines } from '../../../src/core/annotations/relationRules';
import type { AnnotationSpan } from '../../../src/core/annotations/sidecar';
import { englishL10n, type L10n } from '../../../src/core/l10n';
import { compareLabels, describeDisagreement } from '../../../src/core/model/labelAgreement';
import { describeSyncResult, devSetTitle, syncInfo, workspaceMetrics } from '../../../src/core/panel/panelViewModel';
import { describeCounts } from '../../../src/core/sync/syncReport';
import { repoRoot } from '../../harness/paths';

/**
 * The texts src/core builds for the extension go through the L10n they are given (the extension passes
 * vscode.l10n). A pseudo-translation marks every message it translates with ⟦…⟧ and fails on a message the
 * English bundle lacks, so a text that bypasses it shows as unmarked words, and one built at run time fails.
 */
const bundle = JSON.parse(readFileSync(path.join(repoRoot, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
const pseudo: L10n = {
  t: (message, ...args) => {
    assert.ok(message in bundle, `not in l10n/bundle.l10n.json: ${JSON.stringify(message)}`);
    return `⟦${englishL10n.t(message, ...args)}⟧`;
  },
};

/** The text with every marked part taken out: what no translation would reach. */
function unmarked(text: string): string {
  let out = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '⟦') depth++;
    else if (ch === '⟧') depth--;
    else if (depth === 0) out += ch;
  }
  assert.equal(depth, 0, text);
  return out;
}

const plan: OccurrencePlan = { needle: 'lidocaine', label: 'DRUG', ignoreCase: true, occurrences: [], toLabel: [], added: 1, accepted: 1, already: 1, skipped: 4, notChosen: 2 };
plan.toLabel = [
  { fragment: [0, 9], text: 'lidocaine', action: 'add', spanIds: [] },
  { fragment: [20, 29], text: 'Lidocaine', action: 'accept', spanIds: ['s1'] },
];

test('the label-all-occurrences texts are translated whole, and stay English by default', () => {
  assert.equal(planTitle(plan, pseudo), "⟦Label 2 more occurrences of 'lidocaine' as DRUG, ignoring case⟧");
  assert.equal(unmarked(planDetails(plan, pseudo)), ' ·  ·  · ');
  assert.equal(unmarked(planMessage(plan, pseudo)), '.');
  assert.equal(
    planMessage(plan),
    "Sidelight: labelled 2 occurrences of 'lidocaine' as DRUG (ignoring case) (1 new, 1 suggestion accepted); 4 skipped (overlapping another span); 1 already labelled; 2 left unlabelled (not chosen).",
  );
});

test("the panel's texts built in the core are translated", () => {
  assert.equal(describeSyncResult({ pushed: 2, pulled: 1, conflicts: 1, models: 1, deleted: 1, errors: [] }, pseudo).text, '⟦Synced: ⟦↑ 2 pushed⟧, ⟦↓ 1 pulled⟧, ⟦1 deleted⟧, ⟦1 model(s)⟧, ⟦1 conflict⟧⟧');
  assert.equal(unmarked(describeSyncResult({ pushed: 0, pulled: 0, conflicts: 2, errors: ['a.json: denied'] }, pseudo).text), '');
  assert.equal(unmarked(describeSyncResult(undefined, pseudo).text), '');
  const reason = (m: ReturnType<typeof workspaceMetrics>) => (m.available ? '' : m.reason);
  assert.equal(reason(workspaceMetrics(new Map(), new Map(), [], pseudo)), '⟦no labels in this workspace yet⟧');
  const info = syncInfo({ kind: 'restricted' }, [], pseudo);
  assert.equal(info.available ? '' : info.reason, '⟦unavailable in restricted mode: trust this workspace to sync⟧');
  assert.equal(devSetTitle('notes_dev', pseudo), '⟦Clinical notes (MTSamples, hand-labelled), dev split⟧');
  // A set the pipeline does not name is data, shown as it is.
  assert.equal(devSetTitle('my_set', pseudo), 'my set');
});

test('the label disagreement, export and sync summaries and relation lines are translated', () => {
  const disagreement = describeDisagreement(compareLabels(['ADE', 'DRUG', 'DOSE'], ['ADE', 'DRUG', 'ROUTE', 'FREQ']), 'm@1', pseudo)!;
  assert.equal(unmarked(disagreement), ' ');
  assert.match(disagreement, /⟦"ROUTE" and "FREQ"⟧/);
  assert.equal(unmarked(describeLeftOut({ skipped: { suggested: 3, rejected: 1, orphan: 2, relations: 1 }, notesLeftOut: { unreviewed: 1, inProgress: 2 } }, pseudo)), ', , , , , ');
  assert.equal(describeLeftOut({ skipped: { suggested: 0, rejected: 0, orphan: 0 }, notesLeftOut: { unreviewed: 0, inProgress: 0 } }, pseudo), '⟦nothing⟧');
  assert.equal(unmarked(describeCounts({ pushed: 3, pulled: 2, conflicts: 1, deleted: 1, unchanged: 0, models: 2 }, 25, pseudo)), ', , , , ');
  assert.equal(describeCounts({ pushed: 0, pulled: 0, conflicts: 0, deleted: 0, unchanged: 4, models: 0 }, 0, pseudo), '⟦already up to date⟧');
  assert.equal(unmarked(attributeValueProblem({ name: 'assertion', values: ['present', 'absent'] }, 'maybe', pseudo)!), '');

  const drug = { id: 'd', label: 'DRUG', status: 'accepted', flags: ['orphan'], quote: { text: 'lisinopril' } } as unknown as AnnotationSpan;
  const rash = { id: 'r', label: 'ADE', status: 'accepted', flags: [], quote: { text: 'rash' } } as unknown as AnnotationSpan;
  const relations = [
    { id: 'x', type: 'caused_by', from: 'r', to: 'd', status: 'accepted' },
    { id: 'y', type: 'caused_by', from: 'gone', to: 'r', status: 'accepted' },
  ] as never;
  assert.deepEqual(
    relationLines(rash, [drug, rash], relations, pseudo).map((l) => l.text),
    ['caused by ⟦lisinopril (orphaned)⟧', '⟦⟦a label that is no longer there⟧ caused by this⟧'],
  );
});
