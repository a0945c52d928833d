import * as path from 'node:path';
import * as vscode from 'vscode';
import { FORMATS, FORMAT_NAMES, FormatName } from '../../core/annotations/formats';
import { describeLeftOut } from '../../core/annotations/exportSummary';
import { ExportNotes, exportWorkspace, importFile, WorkspaceExport } from '../../core/annotations/importExport';
import { writeFileAtomic } from '../../core/fs/atomicWrite';
import { LabellingContext } from './labellingContext';
import { count } from '../../core/plural';

async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return folders.length <= 1 ? folders[0] : vscode.window.showWorkspaceFolderPick();
}

async function pickFormat(title: string): Promise<FormatName | undefined> {
  const pick = await vscode.window.showQuickPick(
    FORMAT_NAMES.map((name) => ({ label: name, description: FORMATS[name].description, name })),
    { title },
  );
  return pick?.name;
}

export async function importAnnotations(ctx: LabellingContext): Promise<void> {
  const folder = await pickFolder();
  const format = folder && (await pickFormat(vscode.l10n.t('Import annotations: format')));
  if (!folder || !format) return;
  const [file] =
    (await vscode.window.showOpenDialog({ canSelectFiles: format !== 'brat', canSelectFolders: format === 'brat', defaultUri: folder.uri, title: vscode.l10n.t('Import {0}', format) })) ?? [];
  if (!file) return;
  const store = ctx.annotations.storeFor(folder);
  const report = await importFile(folder.uri.fsPath, format, file.fsPath, { store });
  await store.flush();
  for (const e of report.errors) ctx.log.warn(e.message);
  const [added, notes] = [count(report.added, 'span'), count(report.notes, 'note')];
  void vscode.window.showInformationMessage(
    report.errors.length
      ? vscode.l10n.t('Sidelight: imported {0} into {1}; {2} already present; {3}, see the log.', added, notes, report.duplicates, count(report.errors.length, 'problem'))
      : vscode.l10n.t('Sidelight: imported {0} into {1}; {2} already present.', added, notes, report.duplicates),
  );
}

/** What the export command may be given (tests, other extensions, keybindings): skips those questions. */
interface ExportRequest {
  format?: FormatName;
  notes?: 'reviewed' | 'done';
  /** The file (a folder for brat) to write, as a path. */
  out?: string;
}

function exportRequest(arg: unknown): ExportRequest {
  if (typeof arg !== 'object' || arg === null) return {};
  const r = arg as Record<string, unknown>;
  return {
    format: FORMAT_NAMES.find((f) => f === r.format),
    notes: r.notes === 'reviewed' || r.notes === 'done' ? r.notes : undefined,
    out: typeof r.out === 'string' ? r.out : undefined,
  };
}

/**
 * Exports what was reviewed, never an unreviewed note as an empty row (which a training job reads as
 * "nothing to find here"): either every note marked done plus the accepted labels of notes in progress,
 * each row saying whether its note is done, or only the notes marked done. brat has no place for a note's
 * state, so it exports notes marked done only. The notification says what was left out. Returns it.
 */
export async function exportAnnotations(ctx: LabellingContext, arg?: unknown): Promise<string | undefined> {
  const request = exportRequest(arg);
  const folder = await pickFolder();
  const format = folder && (request.format ?? (await pickFormat(vscode.l10n.t('Export annotations: format'))));
  if (!folder || !format) return undefined;
  // Exports read the notes from disk: save open notes so offsets and text agree.
  await vscode.workspace.saveAll(false);
  const store = ctx.annotations.storeFor(folder);
  await store.flush();
  const run = (notes: ExportNotes) => exportWorkspace(folder.uri.fsPath, format, { store, notes });
  const canSayState = format !== 'brat';
  const reviewed = canSayState ? await run('reviewed') : undefined;
  const notes = request.notes ?? (reviewed ? await pickNotes(reviewed) : 'done');
  if (!notes) return undefined;
  const result = notes === 'reviewed' && reviewed ? reviewed : await run('done');
  const leftOut = vscode.l10n.t('Left out: {0}.', describeLeftOut(result, vscode.l10n));
  if (result.notes === 0) {
    const message = vscode.l10n.t('Sidelight: nothing reviewed to export yet: mark notes done (Ctrl+Alt+K) or accept labels. {0}', leftOut);
    void vscode.window.showWarningMessage(message);
    return message;
  }
  const target = request.out
    ? vscode.Uri.file(request.out)
    : await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(folder.uri, result.output.kind === 'text' ? `annotations.${format === 'conll' ? 'conll' : 'jsonl'}` : 'brat'),
        title: vscode.l10n.t('Export {0}', format),
      });
  if (!target) return undefined;
  if (result.output.kind === 'text') {
    await writeFileAtomic(target.fsPath, result.output.text);
  } else {
    for (const [rel, content] of result.output.files) await writeFileAtomic(path.join(target.fsPath, rel), content);
  }
  for (const e of result.errors) ctx.log.warn(e.message);
  const rows = result.notesInProgress
    ? vscode.l10n.t('{0} marked done, {1} in progress: each row says which', result.notesDone, result.notesInProgress)
    : canSayState
      ? vscode.l10n.t('all marked done')
      : vscode.l10n.t('all marked done; brat files cannot say whether a note is done, so only notes marked done were exported');
  const problems = result.errors.length ? ` ${vscode.l10n.t('{0}: see the log.', count(result.errors.length, 'problem'))}` : '';
  const message = vscode.l10n.t(
    'Sidelight: exported {0} of {1} ({2}) to {3}. {4}{5}',
    count(result.spans, 'label'),
    count(result.notes, 'note'),
    rows,
    vscode.workspace.asRelativePath(target),
    leftOut,
    problems,
  );
  void vscode.window.showInformationMessage(message);
  return message;
}

/** Which reviewed notes to export; the counts come from the export of reviewed notes already made. */
async function pickNotes(reviewed: WorkspaceExport): Promise<'reviewed' | 'done' | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      {
        label: vscode.l10n.t('Reviewed notes'),
        description: vscode.l10n.t(
          '{0} marked done, and the accepted labels of {1} in progress; each row says whether its note is done',
          reviewed.notesDone,
          reviewed.notesInProgress,
        ),
        notes: 'reviewed' as const,
      },
      {
        label: vscode.l10n.t('Only notes marked done'),
        description: vscode.l10n.t('{0}: their labels, and no label meaning no mention', count(reviewed.notesDone, 'note')),
        notes: 'done' as const,
      },
    ],
    { title: vscode.l10n.t('Export annotations: which notes (notes nobody reviewed are never exported)') },
  );
  return pick?.notes;
}
