import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { AnnotationSpan, spanEnd, spanStart } from '../../core/annotations/sidecar';
import { errorMessage } from '../../core/errors';
import { DecidedSpan, Lead, noteLeads, NoteLeads, rankByLeads } from '../../core/model/sideEffectLeads';
import { count } from '../../core/plural';
import { quickPickAnswer } from '../quickPickAnswer';
import { activeNote, LabellingContext } from './labellingContext';
import { notesOf } from './preAnnotateCommand';

/** A note in the ranking (returned by the command, for tests and scripts). */
export interface RankedNote {
  /** The note's path in its workspace folder. */
  rel: string;
  uri: string;
  score: number;
  predicted: number;
  cueSentences: number;
}

/** The labels a person decided on: accepted or rejected (pending suggestions are the model's). */
function decidedSpans(spans: readonly AnnotationSpan[]): DecidedSpan[] {
  return spans
    .filter((s) => s.status !== 'suggested' && !s.flags.includes('orphan'))
    .map((s) => ({ label: s.label, start: spanStart(s), end: spanEnd(s), rejected: s.status === 'rejected' }));
}

async function leadsOf(ctx: LabellingContext, folder: vscode.WorkspaceFolder, text: string, spans: readonly AnnotationSpan[]): Promise<NoteLeads> {
  const model = await ctx.models.modelFor(folder);
  if (!model) throw new Error(vscode.l10n.t('no model for {0}: {1}', folder.name, JSON.stringify(ctx.models.stateOf(folder))));
  const { spans: predicted } = await model.predictor.predict(text);
  return noteLeads(text, predicted, decidedSpans(spans));
}

const leadsSummary = (n: NoteLeads) =>
  [n.predicted ? count(n.predicted, 'predicted side effect') : '', n.cueSentences ? count(n.cueSentences, 'sentence to check', 'sentences to check') : ''].filter(Boolean).join(' · ');

/**
 * *Find notes likely to hold side effects*: every note of the workspace that is not marked done, ranked by
 * its leads (src/core/model/sideEffectLeads.ts: the model's predicted side effects, and sentences with a
 * drug and causal wording where the model predicted none), highest first, in a pick; the chosen note opens
 * with *Sentences to check for side effects* on it. Shows progress; cancellable between notes. Returns the
 * ranking (empty when cancelled).
 */
export async function findSideEffectNotes(ctx: LabellingContext): Promise<RankedNote[]> {
  if (!vscode.workspace.isTrusted) throw new Error(vscode.l10n.t('finding side effects needs the model, which restricted mode does not load'));
  const scored = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Sidelight: reading notes for side effects'), cancellable: true },
    async (progress, token) => {
      const out: (RankedNote & { key: string; leads: NoteLeads })[] = [];
      for (const folder of vscode.workspace.workspaceFolders ?? []) {
        const notes = await notesOf(ctx, folder);
        for (const uri of notes) {
          if (token.isCancellationRequested) return undefined;
          const ref = ctx.annotations.ref(uri);
          if (!ref) continue;
          progress.report({ message: ref.rel, increment: 100 / Math.max(1, notes.length) });
          try {
            const sidecar = await ctx.annotations.sidecarView(ref);
            if (sidecar.done) continue;
            const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
            const text = open ? open.getText() : await fs.readFile(uri.fsPath, 'utf8');
            const leads = await leadsOf(ctx, folder, text, open ? ctx.annotations.spansOf(open) : sidecar.spans);
            out.push({ key: uri.toString(), rel: ref.rel, uri: uri.toString(), score: leads.score, predicted: leads.predicted, cueSentences: leads.cueSentences, leads });
          } catch (e) {
            ctx.log.error(`finding side effects in ${ref.rel}: ${errorMessage(e)}`);
          }
        }
      }
      return rankByLeads(out);
    },
  );
  if (!scored) return [];
  const ranking = scored.map(({ rel, uri, score, predicted, cueSentences }) => ({ rel, uri, score, predicted, cueSentences }));
  if (!scored.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: no note that is not marked done has a predicted side effect or a sentence to check.'));
    return ranking;
  }
  const chosen = await vscode.window.showQuickPick(
    scored.map((n) => ({ label: n.rel, description: leadsSummary(n.leads), note: n })),
    { title: vscode.l10n.t('Notes likely to hold side effects, most likely first'), placeHolder: vscode.l10n.t('Choose a note to open at its sentences to check'), matchOnDescription: true },
  );
  if (chosen) {
    await vscode.window.showTextDocument(vscode.Uri.parse(chosen.note.uri), { preview: false });
    await pickLead(ctx);
  }
  return ranking;
}

/**
 * *Sentences to check for side effects*: the active note's leads in text order, in a pick; the active row is
 * selected in the note as a preview; choosing one leaves it selected (to label part of it with *Label
 * selection*), dismissing the pick puts the selection back.
 */
export async function pickLead(ctx: LabellingContext): Promise<Lead | undefined> {
  if (!vscode.workspace.isTrusted) throw new Error(vscode.l10n.t('finding side effects needs the model, which restricted mode does not load'));
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  // Predicting takes a moment: keys typed meanwhile would shift the text under the leads, so read it again.
  let leads: NoteLeads | undefined;
  for (let tries = 0; tries < 5 && !leads; tries++) {
    const version = doc.version;
    const found = await leadsOf(ctx, ref.folder, doc.getText(), ctx.annotations.spansOf(doc));
    if (doc.version === version) leads = found;
  }
  if (!leads) throw new Error(vscode.l10n.t('{0} kept changing while its leads were found: try again', ref.rel));
  if (!leads.leads.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: nothing to check in {0}: no predicted side effect and no sentence with a drug and causal wording left unlabelled.', ref.rel));
    return undefined;
  }
  const rangeOf = (l: Lead) => new vscode.Range(doc.positionAt(l.start), doc.positionAt(l.end));
  const show = (l: Lead) => {
    const range = rangeOf(l);
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  };
  const before = editor.selections;
  const oneLine = (l: Lead) => doc.getText(rangeOf(l)).replace(/\s+/g, ' ');
  const items = leads.leads.map((l) => ({
    label: l.kind === 'predicted' ? `$(sparkle) ADE "${oneLine(l)}"` : `$(search) ${oneLine(l)}`,
    description:
      l.kind === 'predicted'
        ? vscode.l10n.t('line {0} · predicted, score {1}', rangeOf(l).start.line + 1, l.score.toFixed(2))
        : vscode.l10n.t('line {0} · "{1}"', rangeOf(l).start.line + 1, l.cue ?? ''),
    lead: l,
  }));
  const qp = vscode.window.createQuickPick<(typeof items)[number]>();
  qp.title = vscode.l10n.t('{0}: {1}', ref.rel, leadsSummary(leads));
  qp.placeholder = vscode.l10n.t('In text order; the active one is selected in the note');
  qp.items = items;
  qp.matchOnDescription = true;
  // The leads are offsets into the text as it was when the pick opened: an edit (typed, a script's, another
  // writer's) closes the pick instead of selecting the wrong words, and leaves the selection as the edit left it.
  const version = doc.version;
  const chosen = await quickPickAnswer<(typeof items)[number], Lead>(qp, (answer) => [
    vscode.workspace.onDidChangeTextDocument((e) => e.document === doc && e.contentChanges.length && answer(undefined)),
    qp.onDidChangeActive(([item]) => item && doc.version === version && show(item.lead)),
    qp.onDidAccept(() => answer((qp.selectedItems[0] ?? qp.activeItems[0])?.lead)),
  ]);
  // Edited, even just after Enter: nothing is selected by the old offsets, and the selection is the edit's.
  if (doc.version !== version) return undefined;
  if (chosen) show(chosen);
  else editor.selections = before;
  return chosen;
}
