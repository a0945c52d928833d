/**
 * Whether an editor's document holds the note's file text: the decisions the editor makes after changes
 * and saves, kept free of the editor API. The spans' offsets are those of the file only when it does.
 */

/**
 * A change that may be VS Code reloading the note from disk (another program, a pull, a checkout changed
 * the file): it leaves the document clean and has no reason (not an undo or redo). The first key typed
 * after a save looks the same, so the file decides later (`afterChanges`).
 */
export function mayBeReload(change: { documentDirty: boolean; reason: unknown }): boolean {
  return !change.documentDirty && change.reason === undefined;
}

export interface DocumentSnapshot {
  closed: boolean;
  dirty: boolean;
  /** The document's version, and its save count, when the check started and now. */
  versionThen: number;
  versionNow: number;
  savesThen: number;
  savesNow: number;
  text: string;
}

/**
 * Once changes stop: `ignore` unless the document is clean, holds exactly the file's text, and nothing
 * changed or saved it while the file was read (a race with the editor, or with a pull writing the file,
 * decides nothing). Then `reloaded` when a change looked like a reload (labels whose own words another
 * program rewrote are looked up again: AnnotationStore.reloaded), else `saved` (an undo back to the saved
 * text is as a save: AnnotationStore.noteSaved).
 */
export function afterChanges(doc: DocumentSnapshot, diskText: string, mayHaveReloaded: boolean): 'ignore' | 'saved' | 'reloaded' {
  if (doc.closed || doc.dirty || doc.versionNow !== doc.versionThen || doc.savesNow !== doc.savesThen || doc.text !== diskText) return 'ignore';
  return mayHaveReloaded ? 'reloaded' : 'saved';
}

/**
 * After a save, whether the file holds the text the document had: keys typed while the file was written
 * are in the document but not the file (that save is then not the text the spans follow; the next one is).
 * A file in another encoding never reads back as the document's text (U+FFFD where bytes were not UTF-8):
 * the save is trusted then.
 */
export function savedAsWritten(documentText: string, diskText: string): boolean {
  return diskText === documentText || (diskText.includes('\ufffd') && !documentText.includes('\ufffd'));
}
