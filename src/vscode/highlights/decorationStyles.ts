import * as vscode from 'vscode';
import { LabelDefinition } from '../../core/annotations/labelSchema';
import { Disposable } from '../dispose';

/**
 * How a span is drawn: a confident prediction, a faint (low-score) one, a human label, or a human label
 * whose `assertion` is `absent` (a side effect that did not happen: "no rash").
 */
export type SpanLook = 'predicted' | 'faint' | 'human' | 'absent';

/** Labels with a contributed theme colour (package.json `contributes.colors`); others use their hex colour. */
const THEMED = new Set(['ADE', 'DRUG']);

function colorOf(label: LabelDefinition, alpha: string): string | vscode.ThemeColor {
  return THEMED.has(label.name) ? new vscode.ThemeColor(`sidelight.label.${label.name}`) : `${label.color}${alpha}`;
}

/** The opaque colour of underlines and frames: a theme colour per theme kind (high contrast included). */
function borderOf(label: LabelDefinition): string | vscode.ThemeColor {
  return THEMED.has(label.name) ? new vscode.ThemeColor(`sidelight.labelBorder.${label.name}`) : label.color;
}

/**
 * One decoration type per (label, look), rebuilt when the labels or the theme change. The looks differ by
 * shape, not colour alone, so they read in high-contrast themes and without telling red from blue: a
 * prediction (or pending suggestion) is tinted with a dashed underline, a faint (low-score) one only
 * dotted-underlined, a human label framed by a solid border in bold, an absent one struck through.
 */
export class DecorationStyles extends Disposable {
  private types = new Map<string, vscode.TextEditorDecorationType>();

  typeFor(label: LabelDefinition, look: SpanLook): vscode.TextEditorDecorationType {
    const key = `${label.name}\u0000${label.color}\u0000${look}`;
    let t = this.types.get(key);
    if (!t) {
      t = vscode.window.createTextEditorDecorationType(this.options(label, look));
      this.types.set(key, t);
    }
    return t;
  }

  /** Every type made so far (to clear the ones a new render does not use). */
  all(): vscode.TextEditorDecorationType[] {
    return [...this.types.values()];
  }

  reset(): void {
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
  }

  override dispose(): void {
    this.reset();
    super.dispose();
  }

  private options(label: LabelDefinition, look: SpanLook): vscode.DecorationRenderOptions {
    const color = colorOf(label, '55');
    const border = borderOf(label);
    const ruler = { overviewRulerColor: colorOf(label, 'cc'), overviewRulerLane: vscode.OverviewRulerLane.Right };
    switch (look) {
      case 'predicted':
        return { backgroundColor: color, borderStyle: 'none none dashed none', borderWidth: '0 0 2px 0', borderColor: border, ...ruler };
      case 'faint':
        return { borderStyle: 'none none dotted none', borderWidth: '0 0 2px 0', borderColor: border };
      case 'human':
        return { backgroundColor: color, border: '1px solid', borderColor: border, borderRadius: '2px', fontWeight: '600', ...ruler };
      case 'absent':
        // Struck through: readable without colour, and unlike any prediction's look.
        return { border: '1px dashed', borderColor: border, borderRadius: '2px', textDecoration: 'line-through', ...ruler };
    }
  }
}
