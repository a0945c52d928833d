import * as vscode from 'vscode';
import { AnnotationSpan } from '../../core/annotations/sidecar';
import { Span } from '../../core/span';
import { HighlightController } from '../highlights/highlightController';
import { AnnotationService } from './annotationService';

/** A prediction is reviewed once an annotation with its label and range exists (accepted or rejected). */
export function matchesPrediction(a: AnnotationSpan, p: Span): boolean {
  return a.label === p.label && a.fragments.length === 1 && a.fragments[0][0] === p.start && a.fragments[0][1] === p.end;
}

export function unreviewedPredictionsOf(highlights: HighlightController, annotations: AnnotationService, doc: vscode.TextDocument): Span[] {
  const spans = annotations.spansOf(doc);
  return highlights.visiblePredictions(doc).filter((p) => !spans.some((a) => matchesPrediction(a, p)));
}
