import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { InputError } from '../errors';
import { writeFileAtomic } from '../fs/atomicWrite';
import { withFileLock } from '../fs/fileLock';
import type { Doc } from './formats/types';
import { sameFragments } from './fragments';
import { AnnotationRelation, parseSidecar, serializeSidecar, Sidecar, SpanStatus, sidecarPathFor } from './sidecar';

/**
 * The relations and span attributes an import read, added to a note's sidecar after its spans were
 * imported. Like spans, only what is not there yet is added: a relation with the same type and ends is a
 * duplicate, and an attribute a span already has keeps its value (a person's decision is not overwritten).
 */

export interface LinkOrigin {
  source: string;
  status: SpanStatus;
  author: string;
  /** ISO time stamped on what is added or changed. */
  now: string;
  newId?: () => string;
}

export interface LinkResult {
  relationsAdded: number;
  relationsDuplicate: number;
  attributesSet: number;
  /** Attribute values left as they were because the span already had another value. */
  attributesKept: number;
}

export const NO_LINKS: LinkResult = { relationsAdded: 0, relationsDuplicate: 0, attributesSet: 0, attributesKept: 0 };

export function docHasLinks(doc: Doc): boolean {
  return (doc.relations ?? []).length > 0 || doc.spans.some((s) => s.attributes !== undefined && Object.keys(s.attributes).length > 0);
}

/**
 * Returns the sidecar with `doc`'s relations and attributes added (a new object; the input is not
 * changed). Each of `doc.spans` is the sidecar's span with the same label and fragments (the import added
 * it or found it there); a doc span with none is reported in the error.
 */
export function addLinks(sidecar: Sidecar, doc: Doc, origin: LinkOrigin): { sidecar: Sidecar; result: LinkResult } {
  const result: LinkResult = { ...NO_LINKS };
  const spans = sidecar.spans.map((s) => ({ ...s }));
  const ids = doc.spans.map((d) => {
    const found = spans.find((s) => s.label === d.label && sameFragments(s.fragments, d.fragments));
    if (!found) throw new InputError(sidecar.note, `the imported ${d.label} span at [${d.fragments.map((f) => f.join(', ')).join('; ')}] is not in the sidecar; its relations and attributes were not imported`);
    return found;
  });
  doc.spans.forEach((d, i) => {
    const span = ids[i];
    for (const [name, value] of Object.entries(d.attributes ?? {})) {
      const current = span.attributes?.[name];
      if (current === value) continue;
      if (current !== undefined) {
        result.attributesKept++;
        continue;
      }
      span.attributes = { ...span.attributes, [name]: value };
      span.updatedAt = origin.now;
      span.author = origin.author;
      result.attributesSet++;
    }
  });
  const relations: AnnotationRelation[] = [...(sidecar.relations ?? [])];
  for (const r of doc.relations ?? []) {
    const from = ids[r.from].id;
    const to = ids[r.to].id;
    if (relations.some((x) => x.type === r.type && x.from === from && x.to === to)) {
      result.relationsDuplicate++;
      continue;
    }
    relations.push({ id: (origin.newId ?? randomUUID)(), type: r.type, from, to, source: origin.source, status: origin.status, author: origin.author, createdAt: origin.now, updatedAt: origin.now });
    result.relationsAdded++;
  }
  return { sidecar: { ...sidecar, spans, relations }, result };
}

/**
 * Adds `doc`'s relations and attributes to the note's sidecar file, under the sidecar's lock (the one the
 * annotation store and the sync hold while they replace it), with an atomic write. The store then takes
 * the file as another writer's version (`AnnotationStore.refreshFromDisk`, or its merge on its next save).
 */
export async function addLinksToSidecarFile(workspaceDir: string, note: string, doc: Doc, origin: LinkOrigin): Promise<LinkResult> {
  const file = sidecarPathFor(workspaceDir, note);
  return withFileLock(file, async () => {
    const raw = await fs.readFile(file, 'utf8');
    const current = parseSidecar(raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw, file);
    const { sidecar, result } = addLinks(current, doc, origin);
    if (result.relationsAdded > 0 || result.attributesSet > 0) await writeFileAtomic(file, serializeSidecar(sidecar));
    return result;
  });
}
