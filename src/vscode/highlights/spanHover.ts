import * as vscode from 'vscode';
import { inConflict } from '../../core/annotations/conflictVersions';
import { Span } from '../../core/span';
import { attributesFor } from '../../core/annotations/labelSchema';
import { attributeValue, relationLines } from '../../core/annotations/relationRules';
import { AnnotationSpan, spanEnd, spanStart } from '../../core/annotations/sidecar';
import { CommandIds, InternalCommandIds } from '../commandIds';
import { AnnotationService } from '../labelling/annotationService';
import { unreviewedPredictionsOf } from '../labelling/reviewState';
import { LabelSchemaService } from '../labelSchemaService';
import { HighlightController } from './highlightController';
import { suggestedAssertion } from '../../core/model/assertions';

const LINK_COMMANDS = [
  CommandIds.acceptPrediction,
  CommandIds.rejectPrediction,
  CommandIds.relabelPrediction,
  CommandIds.removeLabel,
  CommandIds.changeLabel,
  CommandIds.keepConflictVersion,
  CommandIds.linkTo,
  CommandIds.removeRelation,
  CommandIds.setAttribute,
  InternalCommandIds.revealSpan,
  InternalCommandIds.reviewRelation,
];

function link(title: string, command: string, ...args: unknown[]): string {
  return `[${title}](command:${command}?${encodeURIComponent(JSON.stringify(args))})`;
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
      md.appendMarkdown(vscode.l10n.t('**{0}** predicted · score {1}', escape(span.label), (span.score ?? 0).toFixed(2)));
      if (model) md.appendMarkdown(vscode.l10n.t(' · model `{0}`', `${model.name}@${model.version}`));
      md.appendMarkdown('\n\n');
      md.appendText(await this.definition(folder, span.label));
      md.appendMarkdown(
        `\n\n${link(vscode.l10n.t('Accept'), CommandIds.acceptPrediction, span)} · ${link(vscode.l10n.t('Reject'), CommandIds.rejectPrediction, span)} · ${link(vscode.l10n.t('Change label'), CommandIds.relabelPrediction, span)}`,
      );
      parts.push(md);
      range ??= this.range(doc, span);
    }
    for (const span of labelled) {
      const md = this.markdown();
      const flags = span.flags.length ? ` · ${span.flags.join(', ')}` : '';
      const score = span.status === 'suggested' && span.score !== undefined ? vscode.l10n.t(' · score {0}', span.score.toFixed(2)) : '';
      md.appendMarkdown(`**${escape(span.label)}** ${span.status}${score} · ${escape(span.source)} · ${escape(span.author)}${flags}\n\n`);
      md.appendText(await this.definition(folder, span.label));
      md.appendMarkdown(await this.relationsAndAttributes(doc, folder, span));
      // A stored suggestion (pre-annotated) is reviewed like a live prediction: the same commands, given
      // its id. Reject keeps it as a rejected span (a negative example), which Remove would lose.
      const actions =
        span.status === 'suggested'
          ? [
              link(vscode.l10n.t('Accept'), CommandIds.acceptPrediction, span.id),
              link(vscode.l10n.t('Reject'), CommandIds.rejectPrediction, span.id),
              link(vscode.l10n.t('Change label'), CommandIds.relabelPrediction, span.id),
            ]
          : [
              link(vscode.l10n.t('Remove'), CommandIds.removeLabel, span.id),
              link(vscode.l10n.t('Change label'), CommandIds.changeLabel, span.id),
              link(vscode.l10n.t('Link to…'), CommandIds.linkTo, span.id),
              link(vscode.l10n.t('Set attribute…'), CommandIds.setAttribute, span.id),
            ];
      // A version of a sync conflict: keeping it removes the other version(s) and ends the conflict.
      if (inConflict(span)) actions.unshift(link(vscode.l10n.t('Keep this one'), CommandIds.keepConflictVersion, span.id));
      md.appendMarkdown(`\n\n${actions.join(' · ')}`);
      parts.push(md);
      range ??= new vscode.Range(doc.positionAt(span.fragments[0][0]), doc.positionAt(span.fragments[span.fragments.length - 1][1]));
    }
    return new vscode.Hover(parts, range);
  }

  /**
   * The span's relations, each a link to its other end ("← caused by lisinopril, line 12"; a relation whose
   * other end is gone says so and can be removed), and its attributes with the schema's defaults.
   */
  private async relationsAndAttributes(doc: vscode.TextDocument, folder: vscode.WorkspaceFolder | undefined, span: AnnotationSpan): Promise<string> {
    const lines: string[] = [];
    for (const r of relationLines(span, this.annotations.spansOf(doc), this.annotations.relationsOf(doc), vscode.l10n)) {
      if (r.relation.status === 'rejected') continue;
      const arrow = r.relation.from === span.id ? '→' : '←';
      if (r.other && !r.other.flags.includes('orphan')) {
        const line = doc.positionAt(spanStart(r.other)).line + 1;
        const review =
          r.relation.status === 'suggested'
            ? vscode.l10n.t(
                ' · suggested · {0} · {1}',
                link(vscode.l10n.t('Accept'), InternalCommandIds.reviewRelation, { relation: r.relation.id, status: 'accepted' }),
                link(vscode.l10n.t('Reject'), InternalCommandIds.reviewRelation, { relation: r.relation.id, status: 'rejected' }),
              )
            : '';
        lines.push(vscode.l10n.t('{0} {1}, line {2}{3}', arrow, link(escape(r.text), InternalCommandIds.revealSpan, doc.uri, spanStart(r.other), spanEnd(r.other)), line, review));
      } else {
        lines.push(`${arrow} ${escape(r.text)} · ${link(vscode.l10n.t('Remove'), CommandIds.removeRelation, { relation: r.relation.id })}`);
      }
    }
    const schema = await this.labels.schemaFor(folder);
    const values = attributesFor(schema, span.label)
      .map((def) => [def.name, attributeValue(span, def)] as const)
      .filter((e): e is readonly [string, string] => e[1] !== undefined);
    for (const [name, value] of Object.entries(span.attributes ?? {})) if (!values.some(([n]) => n === name)) values.push([name, value]);
    if (values.length) lines.push(values.map(([name, value]) => `${escape(name)}: **${escape(value)}**`).join(' · '));
    // The context rules' assertion ("denies …" → absent), reviewed like a suggestion: Reject records the
    // default as the person's decision, so it is not suggested again.
    const suggested = suggestedAssertion(doc.getText(), span, schema);
    if (suggested) {
      const set = (value: string | undefined) => ({ span: span.id, name: suggested.name, value });
      lines.push(
        vscode.l10n.t(
          'suggested {0}: **{1}** (context rules) · {2} · {3}',
          escape(suggested.name),
          escape(suggested.value),
          link(vscode.l10n.t('Accept'), CommandIds.setAttribute, set(suggested.value)),
          link(vscode.l10n.t('Reject'), CommandIds.setAttribute, set(suggested.current ?? 'present')),
        ),
      );
    }
    return lines.length ? `\n\n${lines.join('  \n')}` : '';
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
    return (await this.labels.label(folder, label))?.definition || vscode.l10n.t('No definition for "{0}" in .sidelight/labels.json.', label);
  }
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
