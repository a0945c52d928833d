import * as vscode from 'vscode';
import { inConflict } from '../../core/annotations/conflictVersions';
import { Span } from '../../core/span';
import { CommandIds } from '../commandIds';
import { AnnotationService } from '../labelling/annotationService';
import { unreviewedPredictionsOf } from '../labelling/reviewState';
import { LabelSchemaService } from '../labelSchemaService';
import { HighlightController } from './highlightController';

const LINK_COMMANDS = [CommandIds.acceptPrediction, CommandIds.rejectPrediction, CommandIds.relabelPrediction, CommandIds.removeLabel, CommandIds.changeLabel, CommandIds.keepConflictVersion];

function link(title: string, command: string, arg: unknown): string {
  return `[${title}](command:${command}?${encodeURIComponent(JSON.stringify([arg]))})`;
}

/**
 * Hover on a span: for a prediction, its label, score, model name@version and the label's definition,
 * with Accept / Reject / Change label; for a stored label, its status, source, author and flags, with
 * Remove / Change label (and Keep this one on a version of a sync conflict), or, while it is a suggestion
 * (pre-annotated, not yet reviewed), with Accept / Reject / Change label as for a prediction.
 */
export class SpanHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly highlights: HighlightController,
    private readonly annotations: AnnotationService,
    private readonly labels: LabelSchemaService,
  ) {}

  async provideHover(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const offset = doc.offsetAt(position);
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    const predictions = unreviewedPredictionsOf(this.highlights, this.annotations, doc).filter((s) => s.start <= offset && offset < s.end);
    const labelled = this.annotations.spansAt(doc, offset).filter((s) => s.fragments.some(([a, b]) => a <= offset && offset < b));
    if (!predictions.length && !labelled.length) return undefined;
    const model = this.highlights.predictionsOf(doc)?.model;
    const parts: vscode.MarkdownString[] = [];
    let range: vscode.Range | undefined;
    for (const span of predictions) {
      const md = this.markdown();
      md.appendMarkdown(`**${escape(span.label)}** predicted · score ${(span.score ?? 0).toFixed(2)}`);
      if (model) md.appendMarkdown(` · model \`${model.name}@${model.version}\``);
      md.appendMarkdown('\n\n');
      md.appendText(await this.definition(folder, span.label));
      md.appendMarkdown(`\n\n${link('Accept', CommandIds.acceptPrediction, span)} · ${link('Reject', CommandIds.rejectPrediction, span)} · ${link('Change label', CommandIds.relabelPrediction, span)}`);
      parts.push(md);
      range ??= this.range(doc, span);
    }
    for (const span of labelled) {
      const md = this.markdown();
      const flags = span.flags.length ? ` · ${span.flags.join(', ')}` : '';
      const score = span.status === 'suggested' && span.score !== undefined ? ` · score ${span.score.toFixed(2)}` : '';
      md.appendMarkdown(`**${escape(span.label)}** ${span.status}${score} · ${escape(span.source)} · ${escape(span.author)}${flags}\n\n`);
      md.appendText(await this.definition(folder, span.label));
      // A stored suggestion (pre-annotated) is reviewed like a live prediction: the same commands, given
      // its id. Reject keeps it as a rejected span (a negative example), which Remove would lose.
      const actions =
        span.status === 'suggested'
          ? [link('Accept', CommandIds.acceptPrediction, span.id), link('Reject', CommandIds.rejectPrediction, span.id), link('Change label', CommandIds.relabelPrediction, span.id)]
          : [link('Remove', CommandIds.removeLabel, span.id), link('Change label', CommandIds.changeLabel, span.id)];
      // A version of a sync conflict: keeping it removes the other version(s) and ends the conflict.
      if (inConflict(span)) actions.unshift(link('Keep this one', CommandIds.keepConflictVersion, span.id));
      md.appendMarkdown(`\n\n${actions.join(' · ')}`);
      parts.push(md);
      range ??= new vscode.Range(doc.positionAt(span.fragments[0][0]), doc.positionAt(span.fragments[span.fragments.length - 1][1]));
    }
    return new vscode.Hover(parts, range);
  }

  private markdown(): vscode.MarkdownString {
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: LINK_COMMANDS };
    return md;
  }

  private range(doc: vscode.TextDocument, span: Span): vscode.Range {
    return new vscode.Range(doc.positionAt(span.start), doc.positionAt(span.end));
  }

  private async definition(folder: vscode.WorkspaceFolder | undefined, label: string): Promise<string> {
    return (await this.labels.label(folder, label))?.definition || `No definition for "${label}" in .sidelight/labels.json.`;
  }
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
