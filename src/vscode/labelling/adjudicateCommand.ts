import * as vscode from 'vscode';
import { Disagreement, annotatorsOf, disagreements } from '../../core/annotations/adjudication';
import { quoteDisplay } from '../../core/annotations/sidecar';
import { count } from '../../core/plural';
import { LabellingContext, activeNote } from './labellingContext';

/**
 * *Sidelight: Adjudicate note*: the annotators' differing spans of the active note, one disagreement at a
 * time, drawn side by side in the editor (each span boxed in its annotator's look, with who labelled it
 * written after it), and a pick: accept one annotator's version, accept all, reject all, or skip.
 * Decisions are recorded as they are made (AnnotationStore.adjudicate: each one an undo step); once none is left the note is marked
 * adjudicated, and `sidelight export --gold` writes it. The adjudicator sees everyone's labels, blind mode
 * or not.
 *
 * `{ answers: ['accept:0' | 'accept:all' | 'reject' | 'skip', …] }` answers the picks in advance (tests,
 * scripts), one per disagreement in order.
 */

type Answer = { kind: 'accept'; index: number } | { kind: 'acceptAll' } | { kind: 'reject' } | { kind: 'skip' };

export interface AdjudicationResult {
  settled: number;
  left: number;
  adjudicated: boolean;
  message: string;
}

/**
 * One look per annotator (by their place in the note's list of annotators), differing by border style as
 * well as colour so that they stay apart in high-contrast themes and for colour-blind users. A span several
 * annotators accepted takes the first one's look; its label after it names them all.
 */
const LOOKS: readonly [style: string, color: string][] = [
  ['dashed', 'editorWarning.foreground'],
  ['dotted', 'editorInfo.foreground'],
  ['double', 'editorError.foreground'],
  ['solid', 'editorHint.foreground'],
];

function annotatorDecorations(): vscode.TextEditorDecorationType[] {
  return LOOKS.map(([style, color]) =>
    vscode.window.createTextEditorDecorationType({
      border: `2px ${style}`,
      borderColor: new vscode.ThemeColor(color),
      after: { margin: '0 0 0 0.4em', color: new vscode.ThemeColor(color), fontStyle: 'italic' },
    }),
  );
}

export async function adjudicateNote(ctx: LabellingContext, options?: unknown): Promise<AdjudicationResult | undefined> {
  const { editor, ref } = activeNote(ctx);
  const sidecar = await ref.store.get(ref.rel);
  const annotators = annotatorsOf(sidecar);
  if (annotators.length < 2) {
    const message = vscode.l10n.t('Sidelight: {0} has labels from fewer than two annotators: there is nothing to adjudicate.', ref.rel);
    void vscode.window.showInformationMessage(message);
    return { settled: 0, left: 0, adjudicated: false, message };
  }
  const given = answersOf(options);
  const open = disagreements(sidecar);
  let settled = 0;
  const looks = annotatorDecorations();
  try {
    for (let i = 0; i < open.length; i++) {
      const group = open[i];
      show(editor, looks, annotators, group);
      const answer = given ? given[i] : await ask(group, i, open.length, ref.rel);
      if (!answer) break;
      if (answer.kind === 'skip') continue;
      const decisions = group.spans.map((d, j) => ({
        id: d.span.id,
        verdict: answer.kind === 'acceptAll' || (answer.kind === 'accept' && answer.index === j) ? ('accepted' as const) : ('rejected' as const),
      }));
      await ref.store.adjudicate(ref.rel, decisions, false);
      settled++;
    }
  } finally {
    for (const look of looks) look.dispose();
  }
  const left = disagreements(await ref.store.get(ref.rel)).length;
  if (left === 0) await ref.store.adjudicate(ref.rel, [], true);
  const message =
    left === 0
      ? vscode.l10n.t('Sidelight: {0} is adjudicated ({1} between {2}); sidelight export --gold writes it.', ref.rel, count(settled, 'disagreement'), annotators.join(', '))
      : vscode.l10n.t('Sidelight: {0}: {1} settled, {2} left (run Adjudicate note again to go on).', ref.rel, count(settled, 'disagreement'), String(left));
  void vscode.window.showInformationMessage(message);
  return { settled, left, adjudicated: left === 0, message };
}

function answersOf(options: unknown): Answer[] | undefined {
  if (!options || typeof options !== 'object' || !Array.isArray((options as { answers?: unknown }).answers)) return undefined;
  return ((options as { answers: unknown[] }).answers).map((a): Answer => {
    if (a === 'accept:all') return { kind: 'acceptAll' };
    if (a === 'reject') return { kind: 'reject' };
    const m = typeof a === 'string' ? /^accept:(\d+)$/.exec(a) : null;
    return m ? { kind: 'accept', index: Number(m[1]) } : { kind: 'skip' };
  });
}

/** Boxes the disagreement's spans in their annotator's look, each followed by who labelled it; scrolls to it. */
function show(editor: vscode.TextEditor, looks: vscode.TextEditorDecorationType[], annotators: string[], group: Disagreement): void {
  const doc = editor.document;
  const byLook: vscode.DecorationOptions[][] = looks.map(() => []);
  for (const d of group.spans) {
    const look = Math.max(0, annotators.indexOf(d.acceptedBy[0])) % looks.length;
    d.span.fragments.forEach(([a, b], k) =>
      byLook[look].push({
        range: new vscode.Range(doc.positionAt(a), doc.positionAt(b)),
        renderOptions: k === d.span.fragments.length - 1 ? { after: { contentText: `⟨${d.acceptedBy.join(', ')}: ${d.span.label}⟩` } } : undefined,
      }),
    );
  }
  looks.forEach((look, i) => editor.setDecorations(look, byLook[i]));
  const range = new vscode.Range(doc.positionAt(group.start), doc.positionAt(group.end));
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

async function ask(group: Disagreement, i: number, n: number, note: string): Promise<Answer | undefined> {
  type Item = vscode.QuickPickItem & { answer: Answer };
  const items: Item[] = group.spans.map((d, j) => ({
    label: vscode.l10n.t('$(check) Accept {0}\'s: “{1}” ({2})', d.acceptedBy.join(' + '), quoteDisplay(d.span.quote), d.span.label),
    answer: { kind: 'accept', index: j },
  }));
  if (group.spans.length > 1) items.push({ label: group.spans.length === 2 ? vscode.l10n.t('$(checklist) Accept both') : vscode.l10n.t('$(checklist) Accept all'), answer: { kind: 'acceptAll' } });
  items.push({ label: group.spans.length === 1 ? vscode.l10n.t('$(close) Reject it') : vscode.l10n.t('$(close) Reject all'), answer: { kind: 'reject' } });
  items.push({ label: vscode.l10n.t('$(debug-step-over) Skip'), answer: { kind: 'skip' } });
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Adjudicate {0}: disagreement {1} of {2}', note, String(i + 1), String(n)),
    placeHolder: vscode.l10n.t('Which version is right? (Escape stops; what you decided is kept)'),
    ignoreFocusOut: true,
  });
  return picked?.answer;
}
