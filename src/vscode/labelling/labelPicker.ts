import * as vscode from 'vscode';
import { LabelDefinition, LabelSchema } from '../../core/annotations/labelSchema';
import { quickPickAnswer } from '../quickPickAnswer';

interface LabelItem extends vscode.QuickPickItem {
  def: LabelDefinition;
}

/**
 * The quick pick of labels: colour swatch, key and definition on each row, in the schema's order (rows
 * never move, in every picker); the last label used is the active row, so Enter repeats it; typing a
 * label's key picks it at once (brat-style one-key labelling).
 */
export class LabelPicker {
  private lastLabel: string | undefined;

  async pick(schema: LabelSchema, title: string): Promise<LabelDefinition | undefined> {
    const items: LabelItem[] = schema.labels.map((def) => ({
      label: `$(circle-filled) ${def.name}`,
      description: def.key ? vscode.l10n.t('key {0} · {1}', def.key, def.color) : def.color,
      detail: def.definition,
      def,
    }));
    const qp = vscode.window.createQuickPick<LabelItem>();
    qp.title = title;
    qp.placeholder = vscode.l10n.t("Type a label's key, or choose a label");
    qp.items = items;
    const last = items.find((i) => i.def.name === this.lastLabel);
    if (last) qp.activeItems = [last];
    qp.matchOnDetail = false;
    // Started from outside a text editor (a walkthrough button, a view), the focus moves on after the click:
    // the walkthrough marks its step done and selects the next one, which would close the picker at once.
    qp.ignoreFocusOut = vscode.window.activeTextEditor === undefined;
    const chosen = await quickPickAnswer<LabelItem, LabelDefinition>(qp, (answer) => [
      qp.onDidChangeValue((value) => {
        const byKey = value.length === 1 ? schema.labels.find((l) => l.key === value) : undefined;
        if (byKey) answer(byKey);
      }),
      qp.onDidAccept(() => answer(qp.selectedItems[0]?.def ?? qp.activeItems[0]?.def)),
    ]);
    if (chosen) this.lastLabel = chosen.name;
    return chosen;
  }
}
