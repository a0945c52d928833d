import { InputError } from '../../errors';
import { bratFormat } from './brat';
import { conllFormat } from './conll';
import { jsonlFormat } from './jsonl';
import { spacyFormat } from './spacy';
import { AnnotationFormat } from './types';

export * from './types';

/** The formats of `sidelight import/export --format F`, each declaring its offset unit. */
export const FORMATS: Readonly<Record<FormatName, AnnotationFormat>> = {
  jsonl: jsonlFormat,
  brat: bratFormat,
  spacy: spacyFormat,
  conll: conllFormat,
};

export type FormatName = 'jsonl' | 'brat' | 'spacy' | 'conll';
export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

export function getFormat(name: string): AnnotationFormat {
  const format = Object.hasOwn(FORMATS, name) ? (FORMATS as Record<string, AnnotationFormat>)[name] : undefined;
  if (!format) throw new InputError('--format', `unknown format ${JSON.stringify(name)}; one of ${FORMAT_NAMES.join(', ')}`);
  return format;
}
