import type * as vscode from 'vscode';
import type { PanelState, SyncSummaryText } from '../../protocol/panelProtocol';

/**
 * What the Sidelight panel needs from the rest of the extension. The view provider only renders and
 * relays; whoever implements this decides where labels, the model and the sync state come from
 * (`WorkspacePanelDataSource` takes them from the extension's live services).
 */
export interface PanelDataSource {
  /** The whole state the panel shows, built fresh. */
  getState(): Promise<PanelState>;
  /** Fires when the state may have changed (labels saved, sync finished, settings changed, …). */
  readonly onDidChange: vscode.Event<void>;
  /** Runs a sync and returns one line saying what it did; throws (with a message for the user) on failure. */
  sync(): Promise<SyncSummaryText>;
  /** Opens a note at a span left in conflict by a sync. */
  openConflict(note: string, spanId: string): Promise<void>;
  /** Keeps this version of a span left in conflict by a sync: the other versions are removed. */
  keepConflictVersion(note: string, spanId: string): Promise<void>;
  /** Opens a note (workspace-relative path). */
  openNote(note: string): Promise<void>;
  /** Pins a model of `.sidelight/models/` for this workspace. */
  useModel(name: string, version: string): Promise<void>;
  /** Pushes a model of `.sidelight/models/` to the remote and pins it for the team. */
  pushModel(name: string, version: string): Promise<void>;
}
