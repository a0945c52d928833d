import * as vscode from 'vscode';
import { attributesFor, AttributeDefinition, RelationTypeDefinition } from '../../core/annotations/labelSchema';
import { attributeValue, attributeValueProblem, LinkCandidate, linkCandidates, relationLines, relationTypesFrom } from '../../core/annotations/relationRules';
import { AnnotationRelation, AnnotationSpan, quoteDisplay, spanStart } from '../../core/annotations/sidecar';
import { quickPickAnswer } from '../quickPickAnswer';
import { activeNote, LabellingContext } from './labellingContext';
import { pickSpan } from './spanPicker';

/** `Link to…` from a hover link or a test: which span, and optionally the type and the other end. */
interface LinkRequest {
  span?: string;
  type?: string;
  to?: string;
}

/** `Set attribute…` from a hover link or a test: `value: null` clears it. */
interface AttributeRequest {
  span?: string;
  name?: string;
  value?: string | null;
}

const asObject = <T>(arg: unknown): T => (typeof arg === 'string' ? ({ span: arg } as T) : ((arg ?? {}) as T));

/** The labelled span a command acts on: the one named, else the one under the cursor (asked when several). */
async function spanHere(ctx: LabellingContext, editor: vscode.TextEditor, id: string | undefined, question: string): Promise<AnnotationSpan | undefined> {
  const doc = editor.document;
  if (id !== undefined) {
    const span = ctx.annotations.spansOf(doc).find((s) => s.id === id);
    if (!span) void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: that label is no longer in this note.'));
    return span;
  }
  const here = ctx.annotations.spansAt(doc, doc.offsetAt(editor.selection.active)).filter((s) => s.status !== 'rejected');
  if (!here.length) return void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: put the cursor on a label first (no label under the cursor).'));
  return pickSpan(here, question);
}

/**
 * A pick where a row's one-character key, typed, chooses it at once (as in the label picker). While the
 * active row changes, `preview` shows it (the link's other end, selected in the editor).
 */
async function pickByKey<T>(items: (vscode.QuickPickItem & { key?: string; value: T })[], title: string, placeholder: string, preview?: (value: T) => void): Promise<T | undefined> {
  const qp = vscode.window.createQuickPick<(typeof items)[number]>();
  qp.title = title;
  qp.placeholder = placeholder;
  qp.items = items;
  qp.matchOnDescription = true;
  // Started from a hover link the focus can move on after the click, which would close the pick at once.
  qp.ignoreFocusOut = true;
  return quickPickAnswer<(typeof items)[number], T>(qp, (answer) => [
    qp.onDidChangeValue((v) => {
      const byKey = v.length === 1 ? items.find((i) => i.key === v) : undefined;
      if (byKey) answer(byKey.value);
    }),
    qp.onDidChangeActive(([item]) => item && preview?.(item.value)),
    qp.onDidAccept(() => answer((qp.selectedItems[0] ?? qp.activeItems[0])?.value)),
  ]);
}

/**
 * *Link to…*: a relation from the span under the cursor (`caused_by` from an ADE) to a span of the labels
 * its type allows, nearest first, each previewed in the editor as it becomes the active row. The relation
 * type is asked (by its key) only when several may start at the span's label. One undo step.
 */
export async function linkTo(ctx: LabellingContext, arg?: unknown): Promise<AnnotationRelation | undefined> {
  const request = asObject<LinkRequest>(arg);
  const { editor, ref } = activeNote(ctx);
  const from = await spanHere(ctx, editor, request.span, vscode.l10n.t('Sidelight: link which label?'));
  if (!from) return undefined;
  const schema = await ctx.labels.schemaFor(ref.folder);
  const types = relationTypesFrom(schema, from.label).filter((t) => request.type === undefined || t.name === request.type);
  if (!types.length) {
    return void vscode.window.showInformationMessage(
      vscode.l10n.t('Sidelight: no relation starts at {0} in .sidelight/labels.json (its "relations" list says which labels each type links).', from.label),
    );
  }
  const type =
    types.length === 1
      ? types[0]
      : await pickByKey(
          types.map((t) => ({ label: t.name.replace(/_/g, ' '), description: vscode.l10n.t('key {0} · {1} → {2}', t.key, t.from.join('/'), t.to.join('/')), detail: t.definition, key: t.key, value: t })),
          vscode.l10n.t('Link {0} "{1}" by', from.label, quoteDisplay(from.quote)),
          vscode.l10n.t("Type a relation's key, or choose one"),
        );
  if (!type) return undefined;
  const spans = ctx.annotations.spansOf(editor.document);
  const relations = ctx.annotations.relationsOf(editor.document);
  const candidates = linkCandidates(type, from, spans, relations);
  const to = request.to !== undefined ? candidates.find((c) => c.span.id === request.to)?.span : await pickCandidate(editor, from, type, candidates);
  if (!to) {
    if (!candidates.length) void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: no {0} label in this note to link to: label the other end first.', type.to.join(vscode.l10n.t(' or '))));
    return undefined;
  }
  const relation = await ref.store.addRelation(ref.rel, { type: type.name, from: from.id, to: to.id });
  vscode.window.setStatusBarMessage(
    vscode.l10n.t('Sidelight: {0} "{1}" {2} "{3}"', from.label, quoteDisplay(from.quote), type.name.replace(/_/g, ' '), quoteDisplay(to.quote)),
    4000,
  );
  return relation;
}

async function pickCandidate(editor: vscode.TextEditor, from: AnnotationSpan, type: RelationTypeDefinition, candidates: LinkCandidate[]): Promise<AnnotationSpan | undefined> {
  if (!candidates.length) return undefined;
  const doc = editor.document;
  const before = editor.selections;
  const lineOf = (s: AnnotationSpan) => doc.positionAt(spanStart(s)).line + 1;
  const show = (s: AnnotationSpan) => {
    const range = new vscode.Range(doc.positionAt(s.fragments[0][0]), doc.positionAt(s.fragments[s.fragments.length - 1][1]));
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  };
  const chosen = await pickByKey(
    candidates.map((c) => ({
      label: `${c.span.label} "${quoteDisplay(c.span.quote)}"`,
      description: c.linked ? vscode.l10n.t('line {0} · already linked', lineOf(c.span)) : vscode.l10n.t('line {0}', lineOf(c.span)),
      value: c.span,
    })),
    `${from.label} "${quoteDisplay(from.quote)}" ${type.name.replace(/_/g, ' ')}…`,
    vscode.l10n.t('Nearest first; the active one is selected in the note'),
    show,
  );
  editor.selections = before;
  return chosen;
}

/** *Remove relation…*: one of the relations of the span under the cursor (asked when several). One undo step. */
export async function removeRelation(ctx: LabellingContext, arg?: unknown): Promise<number> {
  const request = asObject<{ span?: string; relation?: string }>(arg);
  const { editor, ref } = activeNote(ctx);
  const doc = editor.document;
  const relations = ctx.annotations.relationsOf(doc);
  let id = request.relation;
  if (id === undefined) {
    const span = await spanHere(ctx, editor, request.span, vscode.l10n.t('Sidelight: unlink which label?'));
    if (!span) return 0;
    const lines = relationLines(span, ctx.annotations.spansOf(doc), relations, vscode.l10n);
    if (!lines.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: {0} "{1}" has no relation.', span.label, quoteDisplay(span.quote)));
      return 0;
    }
    id = lines.length === 1 ? lines[0].relation.id : (await vscode.window.showQuickPick(lines.map((l) => ({ label: l.text, id: l.relation.id })), { title: vscode.l10n.t('Remove which relation?') }))?.id;
    if (id === undefined) return 0;
  }
  return ref.store.removeRelations(ref.rel, [id]);
}

/**
 * *Set attribute…*: an attribute the schema gives the span's label (`assertion`), then its value, from the
 * schema's values (or typed, for a free-valued one); "Clear" goes back to the default. One undo step.
 */
export async function setAttribute(ctx: LabellingContext, arg?: unknown): Promise<AnnotationSpan | undefined> {
  const request = asObject<AttributeRequest>(arg);
  const { editor, ref } = activeNote(ctx);
  const span = await spanHere(ctx, editor, request.span, vscode.l10n.t('Sidelight: set an attribute of which label?'));
  if (!span) return undefined;
  const schema = await ctx.labels.schemaFor(ref.folder);
  const defs = attributesFor(schema, span.label).filter((d) => request.name === undefined || d.name === request.name);
  if (!defs.length) {
    return void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: {0} has no attribute in .sidelight/labels.json (its "attributes" list).', span.label));
  }
  const def =
    defs.length === 1
      ? defs[0]
      : await pickByKey(
          defs.map((d) => ({ label: d.name, description: describeValue(span, d), detail: d.definition, value: d })),
          vscode.l10n.t('Set an attribute of {0} "{1}"', span.label, quoteDisplay(span.quote)),
          vscode.l10n.t('Choose an attribute'),
        );
  if (!def) return undefined;
  const value = request.value !== undefined ? request.value : await askValue(span, def);
  if (value === undefined) return undefined;
  if (value !== null) {
    const problem = attributeValueProblem(def, value, vscode.l10n);
    if (problem) throw new Error(problem);
  }
  const [updated] = await ref.store.setAttribute(ref.rel, [span.id], def.name, value ?? undefined);
  const now = value ?? vscode.l10n.t('{0} (the default)', def.default ?? vscode.l10n.t('unset'));
  vscode.window.setStatusBarMessage(vscode.l10n.t('Sidelight: {0} of "{1}" is {2}', def.name, quoteDisplay(span.quote), now), 4000);
  return updated;
}

function describeValue(span: AnnotationSpan, def: AttributeDefinition): string {
  const value = attributeValue(span, def);
  if (value === undefined) return vscode.l10n.t('not set');
  return span.attributes?.[def.name] === undefined ? vscode.l10n.t('{0} (default)', value) : value;
}

/** The new value (null: clear it), or undefined when the user dismissed the question. */
async function askValue(span: AnnotationSpan, def: AttributeDefinition): Promise<string | null | undefined> {
  const current = span.attributes?.[def.name];
  const title = vscode.l10n.t('{0} of {1} "{2}"', def.name, span.label, quoteDisplay(span.quote));
  if (!def.values) {
    const typed = await vscode.window.showInputBox({ title, value: current ?? '', prompt: vscode.l10n.t('{0}; empty clears it', def.definition ?? def.name) });
    return typed === undefined ? undefined : typed.trim() || null;
  }
  const items = def.values.map((v, i) => ({
    label: v.replace(/_/g, ' '),
    description: [i < 9 ? vscode.l10n.t('key {0}', i + 1) : '', v === current ? vscode.l10n.t('current') : '', v === def.default ? vscode.l10n.t('default') : ''].filter(Boolean).join(' · '),
    key: i < 9 ? String(i + 1) : undefined,
    value: v as string | null,
  }));
  if (current !== undefined) {
    const description = def.default ? vscode.l10n.t('back to the default ({0})', def.default) : vscode.l10n.t('back to the default');
    items.push({ label: vscode.l10n.t('Clear'), description, key: undefined, value: null });
  }
  return pickByKey(items, title, vscode.l10n.t("Type a value's number, or choose one"));
}

/** Accept or reject a suggested relation (a hover's links): `{ relation, status }`. One undo step. */
export async function reviewRelation(ctx: LabellingContext, arg?: unknown): Promise<number> {
  const { relation, status } = (arg ?? {}) as { relation?: string; status?: string };
  if (typeof relation !== 'string' || (status !== 'accepted' && status !== 'rejected')) throw new Error('reviewRelation needs { relation, status: "accepted" | "rejected" }');
  const { ref } = activeNote(ctx);
  return ref.store.setRelationStatus(ref.rel, [relation], status);
}
