/**
 * Whether a finished prediction run is stale and must never be drawn: it was cancelled (a newer run
 * started), the text changed since it started (its offsets are another text's), or the note's highlight
 * state it was started for was replaced (the note was closed, hidden or reset meanwhile).
 */
export function isStalePrediction(run: { cancelled: boolean; textVersionAtStart: number; textVersionNow: number; stillCurrent: boolean }): boolean {
  return run.cancelled || run.textVersionNow !== run.textVersionAtStart || !run.stillCurrent;
}
