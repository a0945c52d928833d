import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { orderQueue, QueueItem } from '../../core/annotations/reviewQueue';
import { count } from '../../core/plural';
import { Disposable } from '../dispose';
import { LabellingContext } from './labellingContext';
import { notesOf } from './preAnnotateCommand';
import { matchesPrediction } from './reviewState';
import { relabelPrediction, reviewPrediction } from './reviewPredictionCommands';

/** The context key that turns on the queue's single-key bindings (package.json). */
const ACTIVE = 'sidelight.reviewQueueActive';

export type QueueAction = 'accept' | 'reject' | 'relabel' | 'skip';

/** A queue item with the note's file. */
type Entry = QueueItem & { uri: vscode.Uri };

/** What the queue command returns (tests, scripts): how many items it holds and which is shown. */
export interface QueueState {
  total: number;
  position: number;
  current?: QueueItem;
  /** The whole queue, in order (for scripts and tests). */
  items: QueueItem[];
}

/**
 * *Review uncertain predictions*: the pending suggestions and live predictions of the workspace's notes
 * (or one folder), least certain first, one at a time: the note opens with the item selected and centred,
 * and single keys decide (`a` accept, `x` reject, `l` change label, `s` skip, `Escape` stop; active only
 * while the queue is, so typing elsewhere is untouched once it stops). Decisions go through the ordinary
 * review commands, so they are labels like any other (undo, sync, export). The queue is rebuilt from the
 * store at each start: what was decided is not offered again (resumable across restarts).
 * Keys pressed with no time between them are applied one after another, each to the item shown when it
 * was pressed (a promise chain), never two to one item.
 */
export class ReviewQueueController extends Disposable {
  private items: Entry[] = [];
  private position = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** What the context key says now. */
  private active = false;
  private readonly status = this._register(vscode.window.createStatusBarItem('sidelight.reviewQueue', vscode.StatusBarAlignment.Left, 90));

  constructor(private readonly ctx: LabellingContext) {
    super();
    this.status.name = vscode.l10n.t('Sidelight review queue');
    this._register({ dispose: () => void vscode.commands.executeCommand('setContext', ACTIVE, false) });
  }

  /**
   * Builds the queue (every folder, or the folder or subfolder given, e.g. from the explorer) and shows its
   * first item. Each folder's items are ordered by its own threshold, then folders follow each other.
   */
  async start(scope?: vscode.Uri): Promise<QueueState> {
    const inScope = (uri: vscode.Uri) => !scope || uri.fsPath === scope.fsPath || uri.fsPath.startsWith(scope.fsPath.endsWith(path.sep) ? scope.fsPath : `${scope.fsPath}${path.sep}`);
    this.items = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Sidelight: finding what to review'), cancellable: true }, async (_p, token) => {
      const out: Entry[] = [];
      for (const folder of vscode.workspace.workspaceFolders ?? []) {
        const items: Entry[] = [];
        for (const uri of await notesOf(this.ctx, folder)) {
          if (token.isCancellationRequested) break;
          if (inScope(uri)) items.push(...(await this.itemsOf(folder, uri)));
        }
        out.push(...orderQueue(items, this.ctx.config.for(folder).highlights.threshold));
      }
      return out;
    });
    this.position = 0;
    await this.show();
    return this.state();
  }

  /** Decides the item shown (or skips it), then shows the next. Queued behind any decision still running. */
  act(action: QueueAction): Promise<QueueState> {
    const run = this.chain.then(() => this.apply(action));
    this.chain = run.catch(() => undefined);
    return run;
  }

  async stop(): Promise<QueueState> {
    await this.chain;
    const state = this.state();
    this.items = [];
    this.position = 0;
    this.status.hide();
    this.active = false;
    await vscode.commands.executeCommand('setContext', ACTIVE, false);
    return state;
  }

  state(): QueueState {
    const plain = ({ uri: _uri, ...item }: Entry): QueueItem => item;
    const current = this.items[this.position];
    return { total: this.items.length, position: this.position, current: current && plain(current), items: this.items.map(plain) };
  }

  private async apply(action: QueueAction): Promise<QueueState> {
    const item = this.items[this.position];
    if (!item) return this.state();
    // The item is on screen unless the user went elsewhere meanwhile: the review commands act on the active note.
    if (vscode.window.activeTextEditor?.document.uri.toString() !== item.uri.toString()) await this.reveal(item);
    const arg = item.kind === 'suggestion' ? item.id : { label: item.label, start: item.start, end: item.end, text: item.text, score: item.score };
    if (action === 'accept') await reviewPrediction(this.ctx, 'accepted', arg);
    else if (action === 'reject') await reviewPrediction(this.ctx, 'rejected', arg);
    // A dismissed label pick decides nothing: the item stays.
    else if (action === 'relabel' && !(await relabelPrediction(this.ctx, arg))) return this.state();
    this.position++;
    await this.show();
    return this.state();
  }

  /** The note's items: its pending suggestions, and the model's predictions nobody decided on. */
  private async itemsOf(folder: vscode.WorkspaceFolder, uri: vscode.Uri): Promise<Entry[]> {
    const ref = this.ctx.annotations.ref(uri);
    if (!ref) return [];
    const sidecar = await this.ctx.annotations.sidecarView(ref);
    if (sidecar.done) return [];
    const text = await fs.readFile(uri.fsPath, 'utf8');
    const config = this.ctx.config.for(folder).highlights;
    const out: Entry[] = sidecar.spans
      .filter((s) => s.status === 'suggested' && !s.flags.includes('orphan') && s.fragments.length === 1)
      .map((s) => ({ note: ref.rel, label: s.label, start: s.fragments[0][0], end: s.fragments[0][1], text: s.quote.text, score: s.score ?? 1, kind: 'suggestion' as const, id: s.id, uri }));
    if (!config.enabled) return out;
    const model = await this.ctx.models.modelFor(folder);
    if (!model) return out;
    for (const p of (await model.predictor.predict(text)).spans) {
      if ((p.score ?? 1) < config.minScore || sidecar.spans.some((a) => matchesPrediction(a, p))) continue;
      out.push({ note: ref.rel, label: p.label, start: p.start, end: p.end, text: p.text, score: p.score ?? 1, kind: 'prediction', uri });
    }
    return out;
  }

  private async reveal({ uri, start, end }: Entry): Promise<vscode.TextEditor> {
    const editor = vscode.window.activeTextEditor?.document.uri.toString() === uri.toString() ? vscode.window.activeTextEditor : await vscode.window.showTextDocument(uri, { preserveFocus: false });
    const range = new vscode.Range(editor.document.positionAt(start), editor.document.positionAt(end));
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
    return editor;
  }

  private async show(): Promise<void> {
    const item = this.items[this.position];
    // Set on change only: each setContext is a round trip to the workbench.
    if (this.active !== !!item) {
      this.active = !!item;
      await vscode.commands.executeCommand('setContext', ACTIVE, this.active);
    }
    if (!item) {
      this.status.hide();
      if (this.items.length) void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: review queue finished ({0}).', count(this.items.length, 'item')));
      else void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: nothing to review: every suggestion and prediction has been decided.'));
      return;
    }
    await this.reveal(item);
    this.status.text = vscode.l10n.t('$(checklist) Review {0}/{1}', this.position + 1, this.items.length);
    this.status.tooltip = vscode.l10n.t(
      'Sidelight review queue, least certain first: {0} "{1}" (score {2}, {3}).\na accept · x reject · l change label · s skip · Escape stop',
      item.label,
      item.text,
      item.score.toFixed(2),
      item.kind,
    );
    this.status.show();
  }
}
