/**
 * Whether a model and a workspace's label schema (`.sidelight/labels.json`) speak of the same labels. The
 * model's labels are the entity types of its `id2label` (B-ADE/I-ADE → ADE); a label only one side has is
 * a problem either way: predictions the schema cannot show (no colour, key or definition, and accepting
 * them adds a label the team never defined), or a schema label the model will never suggest.
 */
export interface LabelAgreement {
  /** Labels the model predicts that the schema lacks, in the model's order. */
  onlyInModel: string[];
  /** Schema labels the model never predicts, in the schema's order. */
  onlyInSchema: string[];
  /** True when both lists are empty. */
  agree: boolean;
}

export function compareLabels(modelLabels: readonly string[], schemaLabels: readonly string[]): LabelAgreement {
  const onlyInModel = unique(modelLabels).filter((l) => !schemaLabels.includes(l));
  const onlyInSchema = unique(schemaLabels).filter((l) => !modelLabels.includes(l));
  return { onlyInModel, onlyInSchema, agree: !onlyInModel.length && !onlyInSchema.length };
}

/**
 * One or two sentences for a user, with what to do; undefined when they agree. `model` names the model
 * (`name@version`).
 */
export function describeDisagreement(a: LabelAgreement, model: string): string | undefined {
  if (a.agree) return undefined;
  const parts: string[] = [];
  if (a.onlyInModel.length) {
    parts.push(
      `The model ${model} predicts ${list(a.onlyInModel)}, which .sidelight/labels.json does not define: add ${a.onlyInModel.length === 1 ? 'it' : 'them'} to labels.json (a colour, a key and a definition) or use a model trained on this schema.`,
    );
  }
  if (a.onlyInSchema.length) {
    parts.push(
      `${a.onlyInModel.length ? 'And it' : `The model ${model}`} never predicts ${list(a.onlyInSchema)} from labels.json: label ${a.onlyInSchema.length === 1 ? 'it' : 'them'} by hand, then train a model on your labels (Sidelight: Train model from labels).`,
    );
  }
  return parts.join(' ');
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function list(labels: string[]): string {
  const q = labels.map((l) => `"${l}"`);
  return q.length === 1 ? q[0] : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}
