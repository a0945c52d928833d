import * as path from 'node:path';
import * as vscode from 'vscode';
import { FORMATS, FORMAT_NAMES, FormatName } from '../../core/annotations/formats';
import { exportWorkspace, importFile } from '../../core/annotations/importExport';
import { writeFileAtomic } from '../../core/fs/atomicWrite';
import { LabellingContext } from './labellingContext';

async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return folders.length <= 1 ? folders[0] : vscode.window.showWorkspaceFolderPick();
}

async function pickFormat(verb: string): Promise<FormatName | undefined> {
  const pick = await vscode.window.showQuickPick(
    FORMAT_NAMES.map((name) => ({ label: name, description: FORMATS[name].description, name })),
    { title: `${verb} annotations: format` },
  );
  return pick?.name;
}

export async function importAnnotations(ctx: LabellingContext): Promise<void> {
  const folder = await pickFolder();
  const format = folder && (await pickFormat('Import'));
  if (!folder || !format) return;
  const [file] =
    (await vscode.window.showOpenDialog({ canSelectFiles: format !== 'brat', canSelectFolders: format === 'brat', defaultUri: folder.uri, title: `Import ${format}` })) ?? [];
  if (!file) return;
  const store = ctx.annotations.storeFor(folder);
  const report = await importFile(folder.uri.fsPath, format, file.fsPath, { store });
  await store.flush();
  for (const e of report.errors) ctx.log.warn(e.message);
  void vscode.window.showInformationMessage(
    `Sidelight: imported ${report.added} span(s) into ${report.notes} note(s); ${report.duplicates} already present${report.errors.length ? `; ${report.errors.length} problem(s), see the log` : ''}.`,
  );
}

export async function exportAnnotations(ctx: LabellingContext): Promise<void> {
  const folder = await pickFolder();
  const format = folder && (await pickFormat('Export'));
  if (!folder || !format) return;
  // Exports read the notes from disk: save open notes so offsets and text agree.
  await vscode.workspace.saveAll(false);
  const store = ctx.annotations.storeFor(folder);
  await store.flush();
  const result = await exportWorkspace(folder.uri.fsPath, format, { store });
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(folder.uri, result.output.kind === 'text' ? `annotations.${format === 'conll' ? 'conll' : 'jsonl'}` : 'brat'),
    title: `Export ${format}`,
  });
  if (!target) return;
  if (result.output.kind === 'text') {
    await writeFileAtomic(target.fsPath, result.output.text);
  } else {
    for (const [rel, content] of result.output.files) await writeFileAtomic(path.join(target.fsPath, rel), content);
  }
  for (const e of result.errors) ctx.log.warn(e.message);
  void vscode.window.showInformationMessage(`Sidelight: exported ${result.spans} span(s) of ${result.notes} note(s) to ${vscode.workspace.asRelativePath(target)}.`);
}
