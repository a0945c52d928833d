import * as vscode from 'vscode';
import { TextEdit, trackFragments } from '../../core/annotations/offsetTracking';
import { Fragment } from '../../core/annotations/sidecar';

/**
 * The fragments a user means by a selection: trimmed of surrounding white space and trailing sentence
 * punctuation (the guideline's spans never include them), and widened to whole words when the selection
 * cuts one (a half-selected word is a slip, not a sub-word label). Empty selections give nothing.
 */
export function selectionFragment(doc: vscode.TextDocument, sel: vscode.Selection | vscode.Range): Fragment | undefined {
  const text = doc.getText();
  let s = doc.offsetAt(sel.start);
  let e = doc.offsetAt(sel.end);
  if (s === e) {
    // An empty selection labels the word under the cursor.
    const word = doc.getWordRangeAtPosition(sel.start);
    if (!word) return undefined;
    s = doc.offsetAt(word.start);
    e = doc.offsetAt(word.end);
  }
  const isWord = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
  while (s > 0 && isWord(text[s - 1]) && isWord(text[s])) s--;
  while (e < text.length && isWord(text[e]) && isWord(text[e - 1])) e++;
  while (s < e && /\s/.test(text[s])) s++;
  while (e > s && /[\s.,;:!?]/.test(text[e - 1])) e--;
  return e > s ? [s, e] : undefined;
}

/**
 * Runs `wait` (a quick pick) while following the document's edits, then gives each item's fragments as
 * they are now: keys typed while the pick was open (a fast typist, a macro) move the selection as they move
 * labels. An item whose text an edit rewrote or deleted meanwhile comes back undefined.
 */
export async function keepingPlace<T>(doc: vscode.TextDocument, items: Fragment[][], wait: Promise<T>): Promise<{ result: T; items: (Fragment[] | undefined)[] }> {
  const edits: TextEdit[] = [];
  const sub = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.document === doc) for (const c of e.contentChanges) edits.push({ offset: c.rangeOffset, deletedLength: c.rangeLength, insertedText: c.text });
  });
  try {
    const result = await wait;
    return { result, items: items.map((f) => (edits.length ? trackFragments(f, edits) : f)) };
  } finally {
    sub.dispose();
  }
}
