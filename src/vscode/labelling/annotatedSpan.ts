import { AnnotationSpan } from '../../core/annotations/sidecar';
import { Span } from '../../core/span';

/** A label as the API returns it (and as it is drawn): a Span plus its annotation fields. */
export interface AnnotatedSpan extends Span {
  id: string;
  status: AnnotationSpan['status'];
  source: string;
  flags: AnnotationSpan['flags'];
}

export function toAnnotatedSpan(a: AnnotationSpan): AnnotatedSpan {
  const start = a.fragments[0][0];
  const end = a.fragments[a.fragments.length - 1][1];
  return {
    id: a.id,
    label: a.label,
    start,
    end,
    // A discontinuous span's text is its fragments' texts joined by a space (the interchange rule).
    text: a.fragments.length > 1 ? a.fragments.map(([x, y]) => a.quote.text.slice(x - start, y - start)).join(' ') : a.quote.text,
    ...(a.fragments.length > 1 ? { fragments: a.fragments } : {}),
    ...(a.score !== undefined ? { score: a.score } : {}),
    status: a.status,
    source: a.source,
    flags: a.flags,
  };
}
