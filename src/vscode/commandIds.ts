/** Every command id in one place; package.json's `contributes.commands` lists the same ids. */
export const CommandIds = {
  labelSelection: 'sidelight.labelSelection',
  sync: 'sidelight.sync',
  openPanel: 'sidelight.openPanel',
  showLog: 'sidelight.showLog',
} as const;

export type CommandId = (typeof CommandIds)[keyof typeof CommandIds];
