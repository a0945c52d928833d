import { gitUserName } from '../../core/gitAuthor';
import * as vscode from 'vscode';
import { AnnotationStore } from '../../core/annotations/annotationStore';
import { AnnotationRelation, AnnotationSpan, Sidecar, spanEnd, spanStart } from '../../core/annotations/sidecar';
import { blindRelations, blindSidecar, blindView } from '../../core/annotations/votes';
import { ANNOTATIONS_DIR } from '../../core/workspaceLayout';
import { errorMessage } from '../../core/errors';
import type { ConfigurationService } from '../configuration';
import { Disposable } from '../dispose';
import { afterChanges, mayBeReload, savedAsWritten } from '../../core/annotations/documentOnDisk';
import { isNotFound } from '../../core/fs/notFound';
import { isNote } from '../highlights/noteFilter';
import { showError } from '../log';
import type { FolderChanges, WorkspaceWatcher } from '../workspaceWatcher';
import { readNoteText } from '../../core/annotations/noteFiles';
import { countText } from '../localize';

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
  /** Saves seen per note uri: a save between a change and the check of the file makes it the user's. */
  private readonly saves = new Map<string, number>();
  /** Per note uri: the check against the file that follows a burst of changes (see checkAgainstDisk). */
  private readonly diskChecks = new Map<string, { maybeReload: boolean; timer: NodeJS.Timeout }>();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly config: ConfigurationService,
    watcher: WorkspaceWatcher,
  ) {
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
    this._register(watcher.onDidChange((e) => void this.changedOnDisk(e)));
    // Blind mode or the author changes what every view shows: they all redraw from this event.
    this._register(config.onDidChange((e) => {
      if (e && !e.affectsConfiguration('sidelight.blindMode') && !e.affectsConfiguration('sidelight.author')) return;
      for (const folder of vscode.workspace.workspaceFolders ?? []) {
        const store = this.stores.get(folder.uri.toString());
        for (const note of store?.loadedNotes() ?? []) this.changed.fire(vscode.Uri.joinPath(folder.uri, ...note.split('/')));
      }
    }));
    // The watcher can miss a sidecar's change: the sidecars of the loaded notes (those in view first) are
    // also polled, so a pull or an import always shows.
    this._register(watcher.addPolled((folder) => this.loadedSidecars(folder)));
    this._register({ dispose: () => this.diskChecks.forEach((c) => clearTimeout(c.timer)) });
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
      store = new AnnotationStore(folder.uri.fsPath, { author: () => this.authorIn(folder), blind: () => this.config.for(folder).blindMode });
      store.onDidChange(({ note }) => this.changed.fire(vscode.Uri.joinPath(folder.uri, ...note.split('/'))));
      this.stores.set(key, store);
    }
    return store;
  }

  /** Who labels in `folder`: the `sidelight.author` setting, else git's user.name. */
  authorIn(folder: vscode.WorkspaceFolder): string {
    return this.config.for(folder).author || this.gitAuthor || 'unknown';
  }

  /** In blind mode, the annotator whose view every reader below gives (votes.ts); else undefined. */
  blindViewerIn(folder: vscode.WorkspaceFolder): string | undefined {
    return this.config.for(folder).blindMode ? this.authorIn(folder) : undefined;
  }

  private blindViewer(ref: NoteRef): string | undefined {
    return this.blindViewerIn(ref.folder);
  }

  /**
   * Spans of an open note, synchronously (for drawing); empty until loaded. In blind mode, and for every
   * reader below: the user's own labels and the model's, not their colleagues' (votes.ts).
   */
  spansOf(doc: vscode.TextDocument): readonly AnnotationSpan[] {
    const ref = this.ref(doc.uri);
    const spans = (ref && ref.store.peek(ref.rel)) ?? [];
    const me = ref && this.blindViewer(ref);
    return me === undefined ? spans : blindView(spans, me);
  }

  /** Relations of an open note, synchronously (for hovers); empty until loaded. */
  relationsOf(doc: vscode.TextDocument): readonly AnnotationRelation[] {
    const ref = this.ref(doc.uri);
    const relations = (ref && ref.store.peekRelations(ref.rel)) ?? [];
    const me = ref && this.blindViewer(ref);
    return me === undefined ? relations : blindRelations(relations, this.spansOf(doc), me);
  }

  /** A note's sidecar as the user sees it (loads it). */
  async sidecarView(ref: NoteRef): Promise<Readonly<Sidecar>> {
    const sidecar = await ref.store.get(ref.rel);
    const me = this.blindViewer(ref);
    return me === undefined ? sidecar : blindSidecar(sidecar, me);
  }

  /** Spans of any note (loads its sidecar). */
  async annotations(uri: vscode.Uri): Promise<readonly AnnotationSpan[]> {
    const ref = this.ref(uri);
    if (!ref) return [];
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc && !doc.isDirty) await ref.store.open(ref.rel, doc.getText());
    return (await this.sidecarView(ref)).spans;
  }

  /** Spans whose fragments cover `offset` (or touch it at their end). */
  spansAt(doc: vscode.TextDocument, offset: number): AnnotationSpan[] {
    return this.spansOf(doc).filter((s) => !s.flags.includes('orphan') && s.fragments.some(([a, b]) => a <= offset && offset <= b) && spanStart(s) <= offset && offset <= spanEnd(s));
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.flush().catch((e) => this.log.error(`saving annotations failed: ${errorMessage(e)}`))));
  }

  private async opened(doc: vscode.TextDocument): Promise<void> {
    if (!isNote(doc, this.config)) return;
    const ref = this.ref(doc.uri);
    if (!ref) return;
    try {
      // The text as on disk only: a dirty document's offsets are not the saved note's.
      const result = doc.isDirty ? undefined : await ref.store.open(ref.rel, doc.getText());
      if (!doc.isDirty) this.changed.fire(doc.uri);
      const orphans = result?.reanchored?.orphaned.length ?? 0;
      if (orphans) {
        void vscode.window.showWarningMessage(
          orphans === 1
            ? vscode.l10n.t('Sidelight: {0} changed outside the editor; 1 label could not be found again and is kept as an orphan (see the labels list).', ref.rel)
            : vscode.l10n.t('Sidelight: {0} changed outside the editor; {1} labels could not be found again and are kept as orphans (see the labels list).', ref.rel, countText(orphans)),
        );
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
    this.scheduleDiskCheck(e.document, ref, mayBeReload({ documentDirty: e.document.isDirty, reason: e.reason }));
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
      const decision = afterChanges(
        { closed: doc.isClosed, dirty: doc.isDirty, versionThen: version, versionNow: doc.version, savesThen: saves, savesNow: this.saves.get(key) ?? 0, text: doc.getText() },
        disk,
        maybeReload,
      );
      if (decision === 'ignore') return;
      if (decision === 'saved') {
        await ref.store.noteSaved(ref.rel, disk);
        return;
      }
      const orphans = await ref.store.reloaded(ref.rel, disk);
      if (orphans.length) {
        void vscode.window.showWarningMessage(
          orphans.length === 1
            ? vscode.l10n.t('Sidelight: {0} was changed by another program; 1 label lost its words and is kept as an orphan (see the labels list).', ref.rel)
            : vscode.l10n.t('Sidelight: {0} was changed by another program; {1} labels lost their words and are kept as orphans (see the labels list).', ref.rel, countText(orphans.length)),
        );
      }
    } catch (e) {
      if (!isNotFound(e)) this.reportBroken(e);
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
    if (!ref || !isNote(doc, this.config)) return;
    try {
      const text = doc.getText();
      const version = doc.version;
      const disk = await readNoteText(ref.folder.uri.fsPath, ref.rel);
      if (doc.version !== version || !savedAsWritten(text, disk)) return;
      await ref.store.noteSaved(ref.rel, text);
      await ref.store.save(ref.rel);
    } catch (e) {
      this.reportBroken(e);
    }
  }

  /**
   * Files changed on disk in a burst: a loaded note that is not open is read again (an open one is
   * handled by edited()), and the loaded notes whose sidecar changed are refreshed, once each. The store
   * recognises its own writes by their sha256, so those cost one read and change nothing.
   */
  private async changedOnDisk({ folder, changes }: FolderChanges): Promise<void> {
    const store = this.storeFor(folder);
    const open = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
    for (const [rel, type] of changes.files) {
      // A note created and changed within one burst is reported as created: re-read that too.
      if (type === 'deleted' || !store.peek(rel) || open.has(this.noteUri(folder, rel).toString())) continue;
      try {
        await store.open(rel);
      } catch (e) {
        this.reportBroken(e);
      }
    }
    const sidecars = changes.sidecarsOf(store.loadedNotes());
    if (sidecars.size) await this.refreshSidecars(folder, sidecars);
  }

  /** The loaded notes' sidecars, those of the notes in view first. */
  private loadedSidecars(folder: vscode.WorkspaceFolder): string[] {
    const store = this.stores.get(folder.uri.toString());
    if (!store) return [];
    const visible = new Set(vscode.window.visibleTextEditors.map((e) => e.document.uri.toString()));
    const inView = (note: string) => Number(visible.has(this.noteUri(folder, note).toString()));
    return store
      .loadedNotes()
      .sort((a, b) => inView(b) - inView(a))
      .map((note) => `${ANNOTATIONS_DIR}/${note}.json`);
  }

  private noteUri(folder: vscode.WorkspaceFolder, note: string): vscode.Uri {
    return vscode.Uri.joinPath(folder.uri, ...note.split('/'));
  }

  private async refreshSidecars(folder: vscode.WorkspaceFolder, notes: Set<string>): Promise<void> {
    const store = this.storeFor(folder);
    for (const note of notes) {
      try {
        // Loaded notes only (others are read when next used): reloaded, or merged when they hold unsaved changes.
        if (!(await store.refreshFromDisk(note))) continue;
        const uri = this.noteUri(folder, note);
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        // Re-anchors the pulled spans if they were labelled on another version of the note.
        if (doc && !doc.isDirty) await store.open(note, doc.getText());
        this.log.info(`${ANNOTATIONS_DIR}/${note}.json changed on disk: labels read again`);
      } catch (e) {
        this.reportBroken(e);
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
    showError(this.log, errorMessage(e));
  }

  private async readGitAuthor(): Promise<void> {
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!cwd) return;
    this.gitAuthor = await gitUserName(cwd);
  }
}
