import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { suggestedLinks } from '../../core/annotations/relationRules';
import { errorMessage } from '../../core/errors';
import { isNote } from '../highlights/noteFilter';
import { activeNote, LabellingContext } from './labellingContext';
import { count } from '../../core/plural';
import { countText } from '../localize';

/** What a Pre-annotate run did (returned by the command, for tests and scripts). */
export interface PreAnnotateSummary {
  /** Suggestions added. */
  added: number;
  /** `caused_by` links suggested between them (from each new ADE suggestion to its drug). */
  links: number;
  /** Notes pre-annotated. */
  notes: number;
  /** Notes left alone because they are marked done. */
  skippedDone: number;
  /** Predictions left out because they overlap a span the note already has. */
  overlapping: number;
  failed: number;
  cancelled: boolean;
  /** The completion message shown. */
  message: string;
}

/** Notes to pre-annotate, by workspace folder. */
interface PreAnnotateTarget {
  folder: vscode.WorkspaceFolder;
  notes: vscode.Uri[];
}

/**
 * Pre-annotates every note of the workspace with the model: its predictions become `suggested` spans to
 * review (accepted or rejected later). Notes marked done are skipped (they are reviewed completely). A
 * prediction that overlaps any span the note already has, whatever its status (accepted, rejected,
 * suggested; from the model, a human or an import), is not added: the note already holds a decision
 * about that text, e.g. a suggestion whose boundaries the user adjusted, or a rejection. Shows progress;
 * cancellable between notes.
 */
export async function preAnnotate(ctx: LabellingContext): Promise<PreAnnotateSummary> {
  if (!vscode.workspace.isTrusted) throw new Error(vscode.l10n.t('pre-annotation needs the model, which restricted mode does not load'));
  const targets: PreAnnotateTarget[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) targets.push({ folder, notes: await notesOf(ctx, folder) });
  return preAnnotateNotes(ctx, targets, vscode.l10n.t('Sidelight: pre-annotating notes'), preAnnotateMessage);
}

/** The folder's notes, as `sidelight.include` / `sidelight.exclude` say. */
export async function notesOf(ctx: LabellingContext, folder: vscode.WorkspaceFolder): Promise<vscode.Uri[]> {
  const config = ctx.config.for(folder);
  return vscode.workspace.findFiles(new vscode.RelativePattern(folder, `{${config.include.join(',')}}`), new vscode.RelativePattern(folder, `{${config.exclude.join(',')}}`));
}

/**
 * "Pre-annotate this note": the same as `preAnnotate` (same rules: a note marked done is left alone, no
 * suggestion overlaps an existing span), for the active editor's note only. The note must be one that
 * Sidelight highlights (`sidelight.include` / `sidelight.exclude`).
 */
export async function preAnnotateActiveNote(ctx: LabellingContext): Promise<PreAnnotateSummary> {
  if (!vscode.workspace.isTrusted) throw new Error(vscode.l10n.t('pre-annotation needs the model, which restricted mode does not load'));
  const { editor, ref } = activeNote(ctx);
  if (!isNote(editor.document, ctx.config)) throw new Error(vscode.l10n.t('{0} is not a note (see the settings sidelight.include and sidelight.exclude)', ref.rel));
  return preAnnotateNotes(ctx, [{ folder: ref.folder, notes: [editor.document.uri] }], vscode.l10n.t('Sidelight: pre-annotating {0}', ref.rel), (s) => preAnnotateNoteMessage(ref.rel, s));
}

/** The loop both commands share: per note, skip it if done, else predict and add the suggestions. */
async function preAnnotateNotes(
  ctx: LabellingContext,
  targets: PreAnnotateTarget[],
  title: string,
  describe: (s: Omit<PreAnnotateSummary, 'message'>) => string,
): Promise<PreAnnotateSummary> {
  const total = targets.reduce((n, t) => n + t.notes.length, 0);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const summary: PreAnnotateSummary = { added: 0, links: 0, notes: 0, skippedDone: 0, overlapping: 0, failed: 0, cancelled: false, message: '' };
      for (const { folder, notes } of targets) {
        const model = await ctx.models.modelFor(folder);
        if (!model) throw new Error(vscode.l10n.t('no model for {0}: {1}', folder.name, JSON.stringify(ctx.models.stateOf(folder))));
        const source = `model:${model.info.name}@${model.info.version}`;
        const schema = await ctx.labels.schemaFor(folder);
        const store = ctx.annotations.storeFor(folder);
        for (const uri of notes) {
          if (token.isCancellationRequested) break;
          const ref = ctx.annotations.ref(uri);
          if (!ref) continue;
          progress.report({ message: ref.rel, increment: 100 / Math.max(1, total) });
          try {
            // Done as the user sees it: in blind mode a note a colleague finished is still theirs to label.
            if ((await ctx.annotations.sidecarView(ref)).done) {
              summary.skippedDone++;
              continue;
            }
            const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
            const text = open ? open.getText() : await fs.readFile(uri.fsPath, 'utf8');
            if (!open || !open.isDirty) await store.open(ref.rel, text);
            const { spans } = await model.predictor.predict(text);
            const result = await store.importSpans(
              ref.rel,
              text,
              spans.map((s) => ({ label: s.label, fragments: [[s.start, s.end]], score: s.score, source, status: 'suggested' as const })),
              { skipOverlapping: true },
            );
            summary.added += result.added.length;
            const links = suggestedLinks(text, (await store.get(ref.rel)).spans, new Set(result.added.map((s) => s.id)), schema);
            if (links.length) summary.links += (await store.addRelations(ref.rel, links.map((l) => ({ ...l, source, status: 'suggested' as const })))).length;
            summary.overlapping += result.overlapping;
            summary.notes++;
          } catch (e) {
            summary.failed++;
            ctx.log.error(`pre-annotating ${ref.rel}: ${errorMessage(e)}`);
          }
        }
        await store.flush();
      }
      summary.cancelled = token.isCancellationRequested;
      summary.message = describe(summary);
      void vscode.window.showInformationMessage(summary.message);
      return summary;
    },
  );
}

function preAnnotateMessage(s: Omit<PreAnnotateSummary, 'message'>): string {
  const links = linksText(s);
  const parts = [
    s.cancelled
      ? vscode.l10n.t('{0}{1} added in {2} (cancelled)', count(s.added, 'suggestion'), links, count(s.notes, 'note'))
      : vscode.l10n.t('{0}{1} added in {2}', count(s.added, 'suggestion'), links, count(s.notes, 'note')),
  ];
  if (s.skippedDone) parts.push(vscode.l10n.t('{0} marked done skipped', count(s.skippedDone, 'note')));
  if (s.failed) parts.push(vscode.l10n.t('{0} failed, see the log', count(s.failed, 'note')));
  return vscode.l10n.t('Sidelight: {0}.', parts.join('; '));
}

/** " (and 2 caused_by links)" after the count of suggestions, or nothing. */
function linksText(s: Omit<PreAnnotateSummary, 'message'>): string {
  return s.links ? vscode.l10n.t(' (and {0})', count(s.links, 'caused_by link')) : '';
}

function preAnnotateNoteMessage(note: string, s: Omit<PreAnnotateSummary, 'message'>): string {
  if (s.skippedDone) return vscode.l10n.t('Sidelight: {0} is marked done, so Pre-annotate left it alone (Mark note done / not done un-marks it).', note);
  if (s.failed) return vscode.l10n.t('Sidelight: pre-annotating {0} failed, see the log.', note);
  if (s.cancelled) return vscode.l10n.t('Sidelight: pre-annotating {0} was cancelled.', note);
  const overlapping = !s.overlapping
    ? ''
    : s.overlapping === 1
      ? vscode.l10n.t('; 1 prediction left out: it overlaps a span the note already has')
      : vscode.l10n.t('; {0} predictions left out: they overlap a span the note already has', countText(s.overlapping));
  return vscode.l10n.t('Sidelight: {0}{1} added in {2}{3}.', count(s.added, 'suggestion'), linksText(s), note, overlapping);
}
