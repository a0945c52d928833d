import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { readConfig } from '../configuration';
import { LabellingContext } from './labellingContext';

/**
 * Pre-annotates every note of the workspace with the model: its predictions become `suggested` spans to
 * review (accepted or rejected later). Already-present spans (same label and fragments, including
 * rejected ones) are not added again. Shows progress; cancellable between notes.
 */
export async function preAnnotate(ctx: LabellingContext): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!vscode.workspace.isTrusted) throw new Error('pre-annotation needs the model, which restricted mode does not load');
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Sidelight: pre-annotating notes', cancellable: true },
    async (progress, token) => {
      let notes = 0;
      let added = 0;
      let failed = 0;
      for (const folder of folders) {
        const config = readConfig(folder.uri);
        const files = await vscode.workspace.findFiles(
          new vscode.RelativePattern(folder, `{${config.include.join(',')}}`),
          new vscode.RelativePattern(folder, `{${config.exclude.join(',')}}`),
        );
        const model = await ctx.models.modelFor(folder);
        if (!model) throw new Error(`no model for ${folder.name}: ${JSON.stringify(ctx.models.stateOf(folder))}`);
        const source = `model:${model.info.name}@${model.info.version}`;
        const store = ctx.annotations.storeFor(folder);
        for (const uri of files) {
          if (token.isCancellationRequested) break;
          const ref = ctx.annotations.ref(uri);
          if (!ref) continue;
          progress.report({ message: ref.rel, increment: 100 / Math.max(1, files.length) });
          try {
            const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
            const text = open ? open.getText() : await fs.readFile(uri.fsPath, 'utf8');
            if (!open || !open.isDirty) await store.open(ref.rel, text);
            const { spans } = await model.predictor.predict(text);
            const result = await store.importSpans(
              ref.rel,
              text,
              spans.map((s) => ({ label: s.label, fragments: [[s.start, s.end]], score: s.score, source, status: 'suggested' as const })),
            );
            added += result.added.length;
            notes++;
          } catch (e) {
            failed++;
            ctx.log.error(`pre-annotating ${ref.rel}: ${errorMessage(e)}`);
          }
        }
        await store.flush();
      }
      const cancelled = token.isCancellationRequested ? ' (cancelled)' : '';
      void vscode.window.showInformationMessage(
        `Sidelight: ${added} suggestion(s) added in ${notes} note(s)${cancelled}${failed ? `; ${failed} note(s) failed, see the log` : ''}.`,
      );
    },
  );
}
