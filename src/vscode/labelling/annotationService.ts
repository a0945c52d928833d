import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { AnnotationStore } from '../../core/annotations/annotationStore';
import { ANNOTATIONS_DIR, AnnotationSpan, sidecarPathFor, spanEnd, spanStart } from '../../core/annotations/sidecar';
import { errorMessage } from '../../core/errors';
import { readConfig } from '../configuration';
import { Disposable } from '../dispose';
import { isNote } from '../highlights/noteFilter';
import { readNoteText } from '../../core/annotations/noteFiles';
import { count } from '../../core/plural';

/** How long sidecar events must stop before the notes are refreshed (a sync writes many in a burst). */
const SIDECAR_QUIET_MS = 200;
const SIDECAR_MAX_WAIT_MS = 2000;
/** How often the sidecars of the notes in view are looked at, in case the watcher missed a change. */
const SIDECAR_POLL_MS = 2000;
const SIDECAR_POLL_MAX = 500;
/** Quiet time after changes before the document is compared with its file. */
const DISK_CHECK_MS = 50;

/** A note as the labelling layer sees it: its folder's store and its workspace-relative path. */
export interface NoteRef {
  store: AnnotationStore;
  rel: string;
  folder: vscode.WorkspaceFolder;
}

/**
 * One AnnotationStore per workspace folder, fed by the editor: opened notes are re-anchored if they
 * changed on disk, every edit moves the spans (in memory), a save writes the sidecar, renames and
 * deletions carry the sidecar along, and a change made outside the editor re-anchors from the quotes.
 * A sidecar written by someone else (`sidelight sync` or `git pull` in a terminal, `sidelight import`) is
 * read again for a loaded note, or merged into its unsaved label changes (AnnotationStore.refreshFromDisk).
 */
export class AnnotationService extends Disposable {
  private readonly stores = new Map<string, AnnotationStore>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires with the note's uri when its annotations changed. */
  readonly onDidChange = this.changed.event;
  private gitAuthor: string | undefined;
  /** Sidecars seen changing on disk, by folder uri then note, handled together after a quiet moment. */
  private readonly sidecarsChanged = new Map<string, { folder: vscode.WorkspaceFolder; notes: Set<string> }>();
  private sidecarTimer: NodeJS.Timeout | undefined;
  private sidecarBatchStart = 0;
  /** Saves seen per note uri: a save between a change and the check of the file makes it the user's. */
  private readonly saves = new Map<string, number>();
  /** Per folder and loaded note: the sidecar's mtime and size when last polled (see pollSidecars). */
  private readonly sidecarStamps = new Map<string, string>();
  /** Per note uri: the check against the file that follows a burst of changes (see checkAgainstDisk). */
  private readonly diskChecks = new Map<string, { maybeReload: boolean; timer: NodeJS.Timeout }>();

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    void this.readGitAuthor();
    this._register(vscode.workspace.onDidOpenTextDocument((d) => void this.opened(d)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this.edited(e)));
    this._register(vscode.workspace.onDidSaveTextDocument((d) => void this.saved(d)));
    this._register(vscode.workspace.onDidRenameFiles((e) => void this.renamed(e)));
    this._register(vscode.workspace.onDidDeleteFiles((e) => void this.deleted(e)));
    this._register(
      vscode.workspace.onDidCloseTextDocument((d) => this.saves.delete(d.uri.toString())),
    );
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*'));
    this._register(watcher.onDidChange((uri) => void this.changedOnDisk(uri)));
    // Folders too: when a pull or a checkout creates a whole tree at once, the watcher may report only its
    // top folder and none of the files in it (seen with code-server's watcher).
    const sidecars = this._register(vscode.workspace.createFileSystemWatcher(`**/${ANNOTATIONS_DIR}{,/**}`));
    for (const event of [sidecars.onDidCreate, sidecars.onDidChange, sidecars.onDidDelete]) this._register(event((uri) => this.sidecarChanged(uri)));
    this._register({ dispose: () => clearTimeout(this.sidecarTimer) });
    this._register({ dispose: () => this.diskChecks.forEach((c) => clearTimeout(c.timer)) });
    // The file watcher can miss events (code-server's drops some under a burst of writes, and then may
    // report nothing more for a while): the sidecars of the loaded notes (those in view first) are also
    // looked at every couple of seconds, a stat each, so a pull or an import always shows.
    const poll = setInterval(() => void this.pollSidecars(), SIDECAR_POLL_MS);
    this._register({ dispose: () => clearInterval(poll) });
    this._register({ dispose: () => void this.flushAll().finally(() => this.stores.forEach((s) => s.dispose())) });
    for (const d of vscode.workspace.textDocuments) void this.opened(d);
  }

  /** The store and relative path of a note, or undefined when the file is not a note of a folder. */
  ref(uri: vscode.Uri): NoteRef | undefined {
    if (uri.scheme !== 'file') return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return undefined;
    const rel = vscode.workspace.asRelativePath(uri, false).split('\\').join('/');
    if (rel.startsWith('.sidelight/')) return undefined;
    return { store: this.storeFor(folder), rel, folder };
  }

  storeFor(folder: vscode.WorkspaceFolder): AnnotationStore {
    const key = folder.uri.toString();
    let store = this.stores.get(key);
    if (!store) {
      store = new AnnotationStore(folder.uri.fsPath, { author: () => readConfig(folder.uri).author || this.gitAuthor || 'unknown' });
      store.onDidChange(({ note }) => this.changed.fire(vscode.Uri.joinPath(folder.uri, ...note.split('/'))));
      this.stores.set(key, store);
    }
    return store;
  }

  /** Spans of an open note, synchronously (for drawing); empty until loaded. */
  spansOf(doc: vscode.TextDocument): readonly AnnotationSpan[] {
    const ref = this.ref(doc.uri);
    return (ref && ref.store.peek(ref.rel)) ?? [];
  }

  /** Spans of any note (loads its sidecar). */
  async annotations(uri: vscode.Uri): Promise<readonly AnnotationSpan[]> {
    const ref = this.ref(uri);
    if (!ref) return [];
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc && !doc.isDirty) await ref.store.open(ref.rel, doc.getText());
    return (await ref.store.get(ref.rel)).spans;
  }

  /** Spans whose fragments cover `offset` (or touch it at their end). */
  spansAt(doc: vscode.TextDocument, offset: number): AnnotationSpan[] {
    return this.spansOf(doc).filter((s) => !s.flags.includes('orphan') && s.fragments.some(([a, b]) => a <= offset && offset <= b) && spanStart(s) <= offset && offset <= spanEnd(s));
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.flush().catch((e) => this.log.error(`saving annotations failed: ${errorMessage(e)}`))));
  }

  private async opened(doc: vscode.TextDocument): Promise<void> {
    if (!isNote(doc, readConfig)) return;
    const ref = this.ref(doc.uri);
    if (!ref) return;
    try {
      // The text as on disk only: a dirty document's offsets are not the saved note's.
      const result = doc.isDirty ? undefined : await ref.store.open(ref.rel, doc.getText());
      if (!doc.isDirty) this.changed.fire(doc.uri);
      const orphans = result?.reanchored?.orphaned.length ?? 0;
      if (orphans) {
        void vscode.window.showWarningMessage(`Sidelight: ${ref.rel} changed outside the editor; ${count(orphans, 'label')} could not be found again and ${orphans === 1 ? 'is' : 'are'} kept as ${orphans === 1 ? 'an orphan' : 'orphans'} (see the labels list).`);
      }
    } catch (e) {
      this.reportBroken(e);
    }
  }

  /**
   * Every change moves the spans at once, synchronously: nothing asynchronous may run between two changes
   * that arrive with no time between them (keys typed by a script, auto-repeat), or it would act on a text
   * that is already gone. Whether the document then holds the file's text (VS Code reloaded a note changed
   * on disk, or an undo went back to the saved text: neither is a save) is settled a moment later, from
   * the file itself: the dirty flag alone cannot say (the first key after a save arrives with it false).
   */
  private edited(e: vscode.TextDocumentChangeEvent): void {
    if (!e.contentChanges.length) return;
    const ref = this.ref(e.document.uri);
    if (!ref) return;
    ref.store.applyEdits(
      ref.rel,
      e.contentChanges.map((c) => ({ offset: c.rangeOffset, deletedLength: c.rangeLength, insertedText: c.text })),
      e.document.getText(),
    );
    // A reload from disk has no reason and leaves the document clean (so does that first key: the file decides).
    this.scheduleDiskCheck(e.document, ref, !e.document.isDirty && e.reason === undefined);
  }

  private scheduleDiskCheck(doc: vscode.TextDocument, ref: NoteRef, maybeReload: boolean): void {
    const key = doc.uri.toString();
    const pending = this.diskChecks.get(key);
    clearTimeout(pending?.timer);
    const check = { maybeReload: maybeReload || !!pending?.maybeReload, timer: setTimeout(() => void this.checkAgainstDisk(doc, ref, check.maybeReload), DISK_CHECK_MS) };
    this.diskChecks.set(key, check);
  }

  /**
   * After changes, once they stop: if the document is clean and holds exactly the file's text with no
   * change or save since, the spans' offsets are the file's. A change that looked like a reload makes the
   * labels whose own words another program rewrote be looked up again by their quotes
   * (AnnotationStore.reloaded) instead of following the rewrite; an undo back to the saved text is as a
   * save (AnnotationStore.noteSaved). Otherwise the changes were the user's, and the next save anchors them.
   */
  private async checkAgainstDisk(doc: vscode.TextDocument, ref: NoteRef, maybeReload: boolean): Promise<void> {
    const key = doc.uri.toString();
    this.diskChecks.delete(key);
    if (doc.isClosed || doc.isDirty) return;
    const version = doc.version;
    const saves = this.saves.get(key) ?? 0;
    try {
      const disk = await readNoteText(ref.folder.uri.fsPath, ref.rel);
      if (doc.isClosed || doc.isDirty || doc.version !== version || (this.saves.get(key) ?? 0) !== saves || doc.getText() !== disk) return;
      if (!maybeReload) {
        await ref.store.noteSaved(ref.rel, disk);
        return;
      }
      const orphans = await ref.store.reloaded(ref.rel, disk);
      if (orphans.length) {
        void vscode.window.showWarningMessage(`Sidelight: ${ref.rel} was changed by another program; ${count(orphans.length, 'label')} lost ${orphans.length === 1 ? 'its' : 'their'} words and ${orphans.length === 1 ? 'is' : 'are'} kept as ${orphans.length === 1 ? 'an orphan' : 'orphans'} (see the labels list).`);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.reportBroken(e);
    }
  }

  /**
   * The sidecar's offsets must be those of the note as written. Keys typed while the file was written
   * (auto-save, a script) are already in the document but not in the file: then this save is not the
   * text the spans follow, and the next save, which has them, writes the sidecar.
   */
  private async saved(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    this.saves.set(key, (this.saves.get(key) ?? 0) + 1);
    const ref = this.ref(doc.uri);
    if (!ref || !isNote(doc, readConfig)) return;
    try {
      const text = doc.getText();
      const version = doc.version;
      const disk = await readNoteText(ref.folder.uri.fsPath, ref.rel);
      // A file in another encoding never reads back as the document's text: trust the save then.
      const asWritten = disk === text || (disk.includes('\ufffd') && !text.includes('\ufffd'));
      if (doc.version !== version || !asWritten) return;
      await ref.store.noteSaved(ref.rel, text);
      await ref.store.save(ref.rel);
    } catch (e) {
      this.reportBroken(e);
    }
  }

  private async changedOnDisk(uri: vscode.Uri): Promise<void> {
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) return; // handled by edited()
    const ref = this.ref(uri);
    if (!ref || !ref.store.peek(ref.rel)) return;
    try {
      await ref.store.open(ref.rel);
    } catch (e) {
      this.reportBroken(e);
    }
  }

  /**
   * A sidecar was created, changed or deleted on disk. Cheap per event (a sync can touch 1,000 sidecars):
   * the note is remembered, and once events stop for a moment each loaded note is refreshed once. The
   * store recognises its own writes by their sha256, so those cost one read and change nothing.
   */
  private sidecarChanged(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return;
    const rel = vscode.workspace.asRelativePath(uri, false).split('\\').join('/');
    const prefix = `${ANNOTATIONS_DIR}/`;
    if (rel !== ANNOTATIONS_DIR && !rel.startsWith(prefix)) return;
    const key = folder.uri.toString();
    let pending = this.sidecarsChanged.get(key);
    if (!pending) this.sidecarsChanged.set(key, (pending = { folder, notes: new Set() }));
    if (rel.endsWith('.json')) pending.notes.add(rel.slice(prefix.length, -'.json'.length));
    else {
      // A folder: every loaded note whose sidecar would be inside it.
      const under = rel === ANNOTATIONS_DIR ? '' : `${rel.slice(prefix.length)}/`;
      for (const note of this.storeFor(folder).loadedNotes()) if (note.startsWith(under)) pending.notes.add(note);
    }
    if (!this.sidecarTimer) this.sidecarBatchStart = Date.now();
    else if (Date.now() - this.sidecarBatchStart > SIDECAR_MAX_WAIT_MS) return; // a long burst: do not wait for its end
    clearTimeout(this.sidecarTimer);
    this.sidecarTimer = setTimeout(() => void this.refreshSidecars(), SIDECAR_QUIET_MS);
  }

  /** Loaded notes' sidecars looked at per tick at most (a stat each): the visible notes first. */
  private async pollSidecars(): Promise<void> {
    const visible = new Set(vscode.window.visibleTextEditors.map((e) => e.document.uri.toString()));
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const store = this.stores.get(folder.uri.toString());
      if (!store) continue;
      const notes = store.loadedNotes();
      const uri = (note: string) => vscode.Uri.joinPath(folder.uri, ...note.split('/'));
      notes.sort((a, b) => Number(visible.has(uri(b).toString())) - Number(visible.has(uri(a).toString())));
      for (const note of notes.slice(0, SIDECAR_POLL_MAX)) {
        const file = sidecarPathFor(folder.uri.fsPath, note);
        let stamp = 'none';
        try {
          const st = await fs.stat(file);
          stamp = `${st.mtimeMs}:${st.size}`;
        } catch {
          // no sidecar (yet): 'none'
        }
        const key = `${folder.uri.toString()}\u0000${note}`;
        const before = this.sidecarStamps.get(key);
        this.sidecarStamps.set(key, stamp);
        if (before !== undefined && before !== stamp) this.sidecarChanged(vscode.Uri.file(file));
      }
    }
  }

  private async refreshSidecars(): Promise<void> {
    this.sidecarTimer = undefined;
    const batches = [...this.sidecarsChanged.values()];
    this.sidecarsChanged.clear();
    for (const { folder, notes } of batches) {
      const store = this.storeFor(folder);
      for (const note of notes) {
        try {
          // Loaded notes only (others are read when next used): reloaded, or merged when they hold unsaved changes.
          if (!(await store.refreshFromDisk(note))) continue;
          const uri = vscode.Uri.joinPath(folder.uri, ...note.split('/'));
          const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
          // Re-anchors the pulled spans if they were labelled on another version of the note.
          if (doc && !doc.isDirty) await store.open(note, doc.getText());
          this.log.info(`${ANNOTATIONS_DIR}/${note}.json changed on disk: labels read again`);
        } catch (e) {
          this.reportBroken(e);
        }
      }
    }
  }

  private async renamed(e: vscode.FileRenameEvent): Promise<void> {
    for (const { oldUri, newUri } of e.files) {
      const from = this.ref(oldUri);
      const to = this.ref(newUri);
      if (!from || !to || from.folder !== to.folder) continue;
      try {
        const stat = await vscode.workspace.fs.stat(newUri);
        if (stat.type === vscode.FileType.Directory) {
          for (const note of await from.store.listNotes()) {
            if (note.startsWith(`${from.rel}/`)) await from.store.moveNote(note, `${to.rel}/${note.slice(from.rel.length + 1)}`);
          }
        } else {
          await from.store.moveNote(from.rel, to.rel);
        }
      } catch (err) {
        this.reportBroken(err);
      }
    }
  }

  private async deleted(e: vscode.FileDeleteEvent): Promise<void> {
    for (const uri of e.files) {
      const ref = this.ref(uri);
      if (!ref) continue;
      try {
        for (const note of await ref.store.listNotes()) {
          if (note === ref.rel || note.startsWith(`${ref.rel}/`)) await ref.store.deleteNote(note);
        }
      } catch (err) {
        this.reportBroken(err);
      }
    }
  }

  private reportBroken(e: unknown): void {
    this.log.error(errorMessage(e));
    void vscode.window.showErrorMessage(`Sidelight: ${errorMessage(e)}`, 'Show log').then((c) => c && this.log.show(true));
  }

  private async readGitAuthor(): Promise<void> {
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!cwd) return;
    this.gitAuthor = await new Promise<string | undefined>((resolve) =>
      execFile('git', ['config', 'user.name'], { cwd, timeout: 2000 }, (err, out) => resolve(err ? undefined : out.trim() || undefined)),
    );
  }
}
