import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { Span } from '../../core/span';
import type { ConfigurationService } from '../configuration';
import { ModelService } from '../highlights/modelService';

/** How many notes the search reads before it settles for the best seen: a click must answer within a second or so. */
const MAX_NOTES_TRIED = 25;

/** A note to show a new user, and the prediction to put in view (undefined when the model found none). */
export interface NoteToShow {
  uri: vscode.Uri;
  focus?: Span;
}

/** The folder's notes (`sidelight.include` minus `sidelight.exclude`), in path order so the pick is stable. */
export async function notesOf(folder: vscode.WorkspaceFolder, config: ConfigurationService, limit = 1000): Promise<vscode.Uri[]> {
  const c = config.for(folder);
  const include = c.include.length === 1 ? c.include[0] : `{${c.include.join(',')}}`;
  const exclude = c.exclude.length ? (c.exclude.length === 1 ? c.exclude[0] : `{${c.exclude.join(',')}}`) : undefined;
  const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, include), exclude ? new vscode.RelativePattern(folder, exclude) : undefined, limit);
  return found.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

/**
 * The first note in which the model predicts a side effect at or above the threshold, with that
 * prediction; else the note with the most confident predictions; else the first note. Predicting here
 * fills the model's chunk cache, so the note's highlights are drawn as soon as its editor opens.
 */
export async function findNoteWithPredictions(folder: vscode.WorkspaceFolder, models: ModelService, config: ConfigurationService): Promise<NoteToShow | undefined> {
  const notes = await notesOf(folder, config);
  if (!notes.length) return undefined;
  const model = await models.modelFor(folder);
  if (!model) return { uri: notes[0] };
  const threshold = config.for(folder).highlights.threshold;
  let best: { uri: vscode.Uri; focus: Span; count: number } | undefined;
  for (const uri of notes.slice(0, MAX_NOTES_TRIED)) {
    const text = await fs.readFile(uri.fsPath, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const confident = (await model.predictor.predict(text)).spans.filter((s) => (s.score ?? 1) >= threshold);
    const ade = confident.find((s) => s.label === 'ADE');
    if (ade) return { uri, focus: ade };
    if (confident.length && (!best || confident.length > best.count)) best = { uri, focus: confident[0], count: confident.length };
  }
  return best ?? { uri: notes[0] };
}
