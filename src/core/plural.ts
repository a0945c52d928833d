/**
 * "1 span", "3 spans", "0 notes": a count with its noun in the right number, instead of "span(s)".
 * `plural` is for nouns that do not just take an "s" ("entity" → "entities").
 */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}
