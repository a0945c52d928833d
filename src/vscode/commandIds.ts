/** Every command id in one place; package.json's `contributes.commands` lists the same ids. */
export const CommandIds = {
  labelSelection: 'sidelight.labelSelection',
  labelDiscontinuous: 'sidelight.labelDiscontinuous',
  labelAllOccurrences: 'sidelight.labelAllOccurrences',
  removeLabel: 'sidelight.removeLabel',
  changeLabel: 'sidelight.changeLabel',
  adjustBoundaries: 'sidelight.adjustBoundaries',
  acceptPrediction: 'sidelight.acceptPrediction',
  rejectPrediction: 'sidelight.rejectPrediction',
  relabelPrediction: 'sidelight.relabelPrediction',
  nextPrediction: 'sidelight.nextPrediction',
  reviewQueue: 'sidelight.reviewQueue',
  reviewQueueAccept: 'sidelight.reviewQueueAccept',
  reviewQueueReject: 'sidelight.reviewQueueReject',
  reviewQueueRelabel: 'sidelight.reviewQueueRelabel',
  reviewQueueSkip: 'sidelight.reviewQueueSkip',
  reviewQueueStop: 'sidelight.reviewQueueStop',
  previousPrediction: 'sidelight.previousPrediction',
  markDone: 'sidelight.markDone',
  adjudicateNote: 'sidelight.adjudicateNote',
  undoLabel: 'sidelight.undoLabel',
  redoLabel: 'sidelight.redoLabel',
  preAnnotate: 'sidelight.preAnnotate',
  preAnnotateNote: 'sidelight.preAnnotateNote',
  findSideEffectNotes: 'sidelight.findSideEffectNotes',
  sideEffectLeadsInNote: 'sidelight.sideEffectLeadsInNote',
  importAnnotations: 'sidelight.importAnnotations',
  exportAnnotations: 'sidelight.exportAnnotations',
  sync: 'sidelight.sync',
  showConflicts: 'sidelight.showConflicts',
  keepConflictVersion: 'sidelight.keepConflictVersion',
  linkTo: 'sidelight.linkTo',
  removeRelation: 'sidelight.removeRelation',
  setAttribute: 'sidelight.setAttribute',
  openPanel: 'sidelight.openPanel',
  showLog: 'sidelight.showLog',
  toggleHighlights: 'sidelight.toggleHighlights',
  trainModel: 'sidelight.trainModel',
  useModel: 'sidelight.useModel',
  pushModel: 'sidelight.pushModel',
  openNoteWithPredictions: 'sidelight.openNoteWithPredictions',
  openWalkthrough: 'sidelight.openWalkthrough',
} as const;

export type CommandId = (typeof CommandIds)[keyof typeof CommandIds];

/** Commands only the extension's own views call (a tree item's click): registered, never contributed. */
export const InternalCommandIds = {
  revealSpan: 'sidelight.revealSpan',
  /** A hover's Accept / Reject on a suggested relation: `{ relation, status }`. */
  reviewRelation: 'sidelight.reviewRelation',
} as const;
