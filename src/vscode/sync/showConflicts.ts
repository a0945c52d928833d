import * as vscode from 'vscode';
import type { ConflictRelation, ConflictSpan } from '../../core/sync/openConflicts';
import { LABELS_FILE, LABELS_REMOTE_COPY } from '../../core/workspaceLayout';
import { CommandIds } from '../commandIds';
import type { AnnotationService } from '../labelling/annotationService';
import type { ConflictVersionRef } from '../labelling/keepConflictVersionCommand';
import type { SyncService } from './syncService';

interface ConflictItem extends vscode.QuickPickItem {
  folder: vscode.WorkspaceFolder;
  span?: ConflictSpan;
  relation?: ConflictRelation;
}

/**
 * `sidelight.showConflicts`: every version of a span that a sync kept in two versions, in a quick pick;
 * picking one opens the note with the span selected and offers "Keep this one" (the other version is
 * removed and the conflict is over). A labels.json conflict opens a diff of the local file against the
 * remote's copy.
 */
export async function showConflicts(sync: SyncService, annotations: Pick<AnnotationService, 'annotations' | 'ref'>): Promise<void> {
  const items: ConflictItem[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const found = await sync.conflictsOf(folder);
    const where = (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? `${folder.name}: ` : '';
    if (found.labelsConflict) {
      items.push({
        folder,
        label: vscode.l10n.t('$(warning) labels.json changed on both sides'),
        description: `${where}${LABELS_REMOTE_COPY.split('\\').join('/')}`,
        detail: vscode.l10n.t('Opens a diff: merge what you want into labels.json, then delete labels.remote.json.'),
      });
    }
    for (const span of found.spans) {
      items.push({
        folder,
        span,
        label: `$(warning) ${span.label} "${span.text.length > 60 ? `${span.text.slice(0, 60)}…` : span.text}"`,
        description: `${where}${span.note}  ${span.start}–${span.end}`,
        detail: `${versionOf(span.remoteCopy, span.author)}; ${otherVersion(span, found.spans)}`,
      });
    }
    for (const relation of found.relations) {
      const other = found.relations.find((o) => o.note === relation.note && o.id === relation.otherId);
      items.push({
        folder,
        relation,
        label: `$(warning) ${relation.type.replace(/_/g, ' ')}: "${clip(relation.fromText)}" → "${clip(relation.toText)}"`,
        description: `${where}${relation.note}`,
        detail: `${relationVersionOf(relation.remoteCopy, relation.author)}; ${
          other
            ? vscode.l10n.t('the other version: {0} "{1}" → "{2}"', other.type.replace(/_/g, ' '), clip(other.fromText), clip(other.toText))
            : vscode.l10n.t('the other version is no longer in the note')
        }`,
      });
    }
  }
  if (!items.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: no open sync conflicts.'));
    return;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Sidelight: sync conflicts — both versions were kept; pick one to see it and keep it'),
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  if (picked.relation) return keepRelation(picked.folder, picked.relation, annotations);
  if (!picked.span) {
    const local = vscode.Uri.joinPath(picked.folder.uri, ...LABELS_FILE.split(/[\\/]/));
    const remote = vscode.Uri.joinPath(picked.folder.uri, ...LABELS_REMOTE_COPY.split(/[\\/]/));
    await vscode.commands.executeCommand('vscode.diff', remote, local, vscode.l10n.t('labels.json: remote ↔ local'));
    return;
  }
  const uri = vscode.Uri.joinPath(picked.folder.uri, ...picked.span.note.split('/'));
  const editor = await vscode.window.showTextDocument(uri);
  // The editor's copy of the span has followed unsaved edits; the sidecar's offsets are those of the saved note.
  const live = (await annotations.annotations(uri)).find((s) => s.id === picked.span!.id);
  const start = live ? live.fragments[0][0] : picked.span.start;
  const end = live ? live.fragments[live.fragments.length - 1][1] : picked.span.end;
  const range = new vscode.Range(editor.document.positionAt(start), editor.document.positionAt(end));
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  const keep = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('$(check) Keep this one'), description: vscode.l10n.t('{0} "{1}": the other version is removed', picked.span.label, picked.span.text), keep: true },
      { label: vscode.l10n.t('$(eye) Only show it'), keep: false },
    ],
    {
      title: picked.span.remoteCopy
        ? vscode.l10n.t('Sidelight: the remote version of a conflicting label in {0}', picked.span.note)
        : vscode.l10n.t('Sidelight: the local version of a conflicting label in {0}', picked.span.note),
    },
  );
  const version: ConflictVersionRef = { uri: uri.toString(), id: picked.span.id };
  if (keep?.keep) await vscode.commands.executeCommand(CommandIds.keepConflictVersion, version);
}

/** The other version of a conflicting span, for a person: its label and words (ids mean nothing to them). */
function otherVersion(span: ConflictSpan, all: readonly ConflictSpan[]): string {
  const other = all.find((o) => o.note === span.note && o.id === span.otherId);
  if (!other) return vscode.l10n.t('the other version is no longer in the note');
  const same = other.label === span.label && other.start === span.start && other.end === span.end;
  const by = other.author ? vscode.l10n.t(' by {0}', other.author) : '';
  if (same) return vscode.l10n.t('the other version is the same {0} "{1}"{2}', other.label, clip(other.text), by);
  return vscode.l10n.t('the other version: {0} "{1}" at {2}–{3}{4}', other.label, clip(other.text), other.start, other.end, by);
}

/** Which version of a conflicting span a row is, and whose. */
function versionOf(remote: boolean | undefined, author: string | undefined): string {
  if (remote) return author ? vscode.l10n.t('the remote version by {0}', author) : vscode.l10n.t('the remote version');
  return author ? vscode.l10n.t('the local version by {0}', author) : vscode.l10n.t('the local version');
}

/** Which version of a conflicting relation a row is, and whose. */
function relationVersionOf(remote: boolean | undefined, author: string | undefined): string {
  if (remote) return author ? vscode.l10n.t('the remote version of a relation by {0}', author) : vscode.l10n.t('the remote version of a relation');
  return author ? vscode.l10n.t('the local version of a relation by {0}', author) : vscode.l10n.t('the local version of a relation');
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Shows a conflicting relation's first span and offers to keep this version (the other one goes). */
async function keepRelation(folder: vscode.WorkspaceFolder, relation: ConflictRelation, annotations: Pick<AnnotationService, 'ref'>): Promise<void> {
  const uri = vscode.Uri.joinPath(folder.uri, ...relation.note.split('/'));
  const editor = await vscode.window.showTextDocument(uri);
  const range = new vscode.Range(editor.document.positionAt(relation.start), editor.document.positionAt(relation.end));
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  const keep = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('$(check) Keep this one'), description: vscode.l10n.t('"{0}" → "{1}": the other version is removed', clip(relation.fromText), clip(relation.toText)), keep: true },
      { label: vscode.l10n.t('$(eye) Only show it'), keep: false },
    ],
    {
      title: relation.remoteCopy
        ? vscode.l10n.t('Sidelight: the remote version of a conflicting relation in {0}', relation.note)
        : vscode.l10n.t('Sidelight: the local version of a conflicting relation in {0}', relation.note),
    },
  );
  const ref = annotations.ref(uri);
  if (keep?.keep && ref) await ref.store.keepRelationVersion(ref.rel, relation.id);
}
