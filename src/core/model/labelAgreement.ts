import { englishL10n, type L10n } from '../l10n';

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
export function describeDisagreement(a: LabelAgreement, model: string, l10n: L10n = englishL10n): string | undefined {
  if (a.agree) return undefined;
  const parts: string[] = [];
  if (a.onlyInModel.length) {
    const labels = list(a.onlyInModel, l10n);
    parts.push(
      a.onlyInModel.length === 1
        ? l10n.t('The model {0} predicts {1}, which .sidelight/labels.json does not define: add it to labels.json (a colour, a key and a definition) or use a model trained on this schema.', model, labels)
        : l10n.t('The model {0} predicts {1}, which .sidelight/labels.json does not define: add them to labels.json (a colour, a key and a definition) or use a model trained on this schema.', model, labels),
    );
  }
  if (a.onlyInSchema.length) {
    const labels = list(a.onlyInSchema, l10n);
    const one = a.onlyInSchema.length === 1;
    parts.push(
      a.onlyInModel.length
        ? one
          ? l10n.t('And it never predicts {0} from labels.json: label it by hand, then train a model on your labels (Sidelight: Train model from labels).', labels)
          : l10n.t('And it never predicts {0} from labels.json: label them by hand, then train a model on your labels (Sidelight: Train model from labels).', labels)
        : one
          ? l10n.t('The model {0} never predicts {1} from labels.json: label it by hand, then train a model on your labels (Sidelight: Train model from labels).', model, labels)
          : l10n.t('The model {0} never predicts {1} from labels.json: label them by hand, then train a model on your labels (Sidelight: Train model from labels).', model, labels),
    );
  }
  return parts.join(' ');
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** `"ADE"`, `"ADE" and "DRUG"`, `"ADE", "DRUG" and "DOSE"`. */
function list(labels: string[], l10n: L10n): string {
  const q = labels.map((l) => `"${l}"`);
  return q.length === 1 ? q[0] : l10n.t('{0} and {1}', q.slice(0, -1).join(', '), q[q.length - 1]);
}
