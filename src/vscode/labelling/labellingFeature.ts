import * as vscode from 'vscode';
import { inConflict } from '../../core/annotations/conflictVersions';
import { ASSERTION_ATTRIBUTE } from '../../core/annotations/labelSchema';
import { AnnotationSpan, quoteDisplay } from '../../core/annotations/sidecar';
import { CommandIds, InternalCommandIds } from '../commandIds';
import type { ConfigurationService } from '../configuration';
import { Disposable } from '../dispose';
import { SpanLook } from '../highlights/decorationStyles';
import { HighlightController } from '../highlights/highlightController';
import { ModelService } from '../highlights/modelService';
import { LabelSchemaService } from '../labelSchemaService';
import { toAnnotatedSpan } from './annotatedSpan';
import { AnnotationService } from './annotationService';
import { exportAnnotations, importAnnotations } from './importExportCommands';
import { LabelPicker } from './labelPicker';
import { keepConflictVersion } from './keepConflictVersionCommand';
import { labelAllOccurrences } from './labelAllOccurrencesCommand';
import { labelSelection } from './labelSelectionCommand';
import { CursorContext } from './cursorContext';
import { LabellingContext, predictionAt } from './labellingContext';
import { LabelsTreeView, spanIdOf } from './labelsTreeView';
import { preAnnotate, preAnnotateActiveNote } from './preAnnotateCommand';
import { linkTo, removeRelation, reviewRelation, setAttribute } from './relationCommands';
import { matchesPrediction } from './reviewState';
import { ReviewQueueController } from './reviewQueueController';
import { findSideEffectNotes, pickLead } from './sideEffectLeadsCommands';
import { adjudicateNote } from './adjudicateCommand';
import { gotoUnreviewed, relabelPrediction, reviewPrediction } from './reviewPredictionCommands';
import { adjustBoundaries, changeLabel, markDone, removeLabel, undoLabelling } from './spanEditCommands';

const LOOK: Record<AnnotationSpan['status'], SpanLook | undefined> = { accepted: 'human', suggested: 'predicted', rejected: undefined };


/**
 * Inline labelling: the commands, the drawing of labels (through the highlight machinery), the labels
 * list, and code actions. Works without a model; the parts that act on predictions use it when present.
 */
export class LabellingFeature extends Disposable {
  readonly ctx: LabellingContext;

  constructor(
    annotations: AnnotationService,
    labels: LabelSchemaService,
    highlights: HighlightController,
    models: ModelService,
    log: vscode.LogOutputChannel,
    config: ConfigurationService,
    register: (id: string, handler: (...args: never[]) => unknown) => void,
  ) {
    super();
    const ctx: LabellingContext = { annotations, labels, highlights, models, picker: new LabelPicker(), log, config };
    this.ctx = ctx;
    highlights.setExtraSpans((doc) => {
      const spans = annotations.spansOf(doc);
      return {
        spans: spans
          .filter((a) => !a.flags.includes('orphan') && LOOK[a.status])
          .map((a) => ({ span: toAnnotatedSpan(a), look: a.status === 'accepted' && a.attributes?.[ASSERTION_ATTRIBUTE] === 'absent' ? 'absent' : LOOK[a.status]! })),
        isReviewed: (p) => spans.some((a) => matchesPrediction(a, p)),
        isRejected: (p) => spans.some((a) => a.status === 'rejected' && matchesPrediction(a, p)),
      };
    });
    this._register(annotations.onDidChange((uri) => highlights.redraw(vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()))));

    register(CommandIds.labelSelection, () => labelSelection(ctx));
    register(CommandIds.labelDiscontinuous, () => labelSelection(ctx, true));
    register(CommandIds.labelAllOccurrences, (options?: unknown) => labelAllOccurrences(ctx, options));
    // From a row of *Labels in this note* VS Code passes the row; from code actions and tests, the span id.
    register(CommandIds.removeLabel, (id?: unknown) => removeLabel(ctx, spanIdOf(id)));
    register(CommandIds.changeLabel, (id?: unknown) => changeLabel(ctx, spanIdOf(id)));
    register(CommandIds.adjustBoundaries, (id?: unknown) => adjustBoundaries(ctx, spanIdOf(id)));
    register(CommandIds.keepConflictVersion, (target?: unknown) => keepConflictVersion(ctx, target));
    register(CommandIds.linkTo, (request?: unknown) => linkTo(ctx, request));
    register(CommandIds.removeRelation, (request?: unknown) => removeRelation(ctx, request));
    register(CommandIds.setAttribute, (request?: unknown) => setAttribute(ctx, request));
    register(CommandIds.acceptPrediction, (p?: unknown) => reviewPrediction(ctx, 'accepted', p));
    register(CommandIds.rejectPrediction, (p?: unknown) => reviewPrediction(ctx, 'rejected', p));
    register(CommandIds.relabelPrediction, (p?: unknown) => relabelPrediction(ctx, p));
    register(CommandIds.nextPrediction, () => gotoUnreviewed(ctx, 1));
    const queue = this._register(new ReviewQueueController(ctx));
    // From the explorer's context menu VS Code passes the folder; from the palette, nothing.
    register(CommandIds.reviewQueue, (folder?: unknown) => queue.start(folder instanceof vscode.Uri ? folder : undefined));
    register(CommandIds.reviewQueueAccept, () => queue.act('accept'));
    register(CommandIds.reviewQueueReject, () => queue.act('reject'));
    register(CommandIds.reviewQueueRelabel, () => queue.act('relabel'));
    register(CommandIds.reviewQueueSkip, () => queue.act('skip'));
    register(CommandIds.reviewQueueStop, () => queue.stop());
    register(CommandIds.previousPrediction, () => gotoUnreviewed(ctx, -1));
    register(CommandIds.markDone, (options?: unknown) => markDone(ctx, options));
    register(CommandIds.adjudicateNote, (options?: unknown) => adjudicateNote(ctx, options));
    register(CommandIds.undoLabel, () => undoLabelling(ctx));
    register(CommandIds.redoLabel, () => undoLabelling(ctx, true));
    register(CommandIds.preAnnotate, () => preAnnotate(ctx));
    register(CommandIds.preAnnotateNote, () => preAnnotateActiveNote(ctx));
    register(CommandIds.findSideEffectNotes, () => findSideEffectNotes(ctx));
    register(CommandIds.sideEffectLeadsInNote, () => pickLead(ctx));
    register(CommandIds.importAnnotations, () => importAnnotations(ctx));
    register(CommandIds.exportAnnotations, (request?: unknown) => exportAnnotations(ctx, request));
    this._register(
      vscode.commands.registerCommand(InternalCommandIds.revealSpan, async (uri: vscode.Uri, start: number, end: number) => {
        const editor = await vscode.window.showTextDocument(uri);
        const range = new vscode.Range(editor.document.positionAt(start), editor.document.positionAt(end));
        editor.selection = new vscode.Selection(range.start, range.end);
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }),
    );
    this._register(vscode.commands.registerCommand(InternalCommandIds.reviewRelation, (request?: unknown) => reviewRelation(ctx, request)));
    this._register(new LabelsTreeView(annotations));
    this._register(new CursorContext(ctx));
    this._register(vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new LabelCodeActions(ctx), { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }));
  }
}

/** The light bulb offers what the hover offers. */
class LabelCodeActions implements vscode.CodeActionProvider {
  constructor(private readonly ctx: LabellingContext) {}

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range): vscode.CodeAction[] {
    const offset = doc.offsetAt(range.start);
    const actions: vscode.CodeAction[] = [];
    const make = (title: string, command: string, arg: unknown) => {
      const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
      a.command = { command, title, arguments: [arg] };
      actions.push(a);
    };
    const p = predictionAt(this.ctx, doc, offset);
    if (p) {
      make(vscode.l10n.t('Sidelight: accept {0} "{1}"', p.label, p.text), CommandIds.acceptPrediction, p);
      make(vscode.l10n.t('Sidelight: reject {0} "{1}"', p.label, p.text), CommandIds.rejectPrediction, p);
      make(vscode.l10n.t('Sidelight: change the label of "{0}"', p.text), CommandIds.relabelPrediction, p);
    }
    for (const s of this.ctx.annotations.spansAt(doc, offset)) {
      const text = quoteDisplay(s.quote);
      if (s.status === 'suggested') {
        make(vscode.l10n.t('Sidelight: accept {0} "{1}"', s.label, text), CommandIds.acceptPrediction, s.id);
        make(vscode.l10n.t('Sidelight: reject {0} "{1}"', s.label, text), CommandIds.rejectPrediction, s.id);
        make(vscode.l10n.t('Sidelight: change the label of "{0}"', text), CommandIds.relabelPrediction, s.id);
        continue;
      }
      if (inConflict(s)) make(vscode.l10n.t('Sidelight: keep this version of {0} "{1}" (sync conflict)', s.label, text), CommandIds.keepConflictVersion, s.id);
      make(vscode.l10n.t('Sidelight: link {0} "{1}" to…', s.label, text), CommandIds.linkTo, s.id);
      make(vscode.l10n.t('Sidelight: set an attribute of {0} "{1}"…', s.label, text), CommandIds.setAttribute, s.id);
      make(vscode.l10n.t('Sidelight: remove {0} "{1}"', s.label, text), CommandIds.removeLabel, s.id);
      make(vscode.l10n.t('Sidelight: change the label of "{0}"', text), CommandIds.changeLabel, s.id);
    }
    return actions;
  }
}
