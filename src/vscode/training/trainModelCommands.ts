import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { packageRoot } from '../../core/model/defaultModel';
import { pinLocalModel, pushModel } from '../../core/sync/modelArtifacts';
import type { Remote } from '../../core/sync/remote';
import { publishTeamPin } from '../../core/sync/teamModelPin';
import { MODELS_DIR } from '../../core/workspaceLayout';
import { formatComparison } from '../../core/training/compareModels';
import { missingPythonModules, Recipe, RECIPES, TrainingCancelled, TrainResult } from '../../core/training/trainRun';
import type { ConfigurationService, SidelightConfig } from '../configuration';
import { CommandIds } from '../commandIds';
import { count } from '../../core/plural';

/**
 * "Train model from labels" and "Use a trained model": the CLI's `sidelight train` as a cancellable
 * progress notification (a child process: nothing of the run is in the extension host), its log in the
 * output channel, and the comparison offered with *Use this model*, which pins the new bundle in
 * `.sidelight/model.lock`: the model service watches that file, so highlights switch without a reload.
 */

/** The folder of the active note, else the first workspace folder. */
function targetFolder(): vscode.WorkspaceFolder | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  return (active && vscode.workspace.getWorkspaceFolder(active)) || vscode.workspace.workspaceFolders?.[0];
}

/** `sidelight.python`, else the interpreter the Python extension has selected for the folder, else python3. */
async function pythonFor(folder: vscode.WorkspaceFolder, config: SidelightConfig): Promise<string> {
  const set = config.python;
  if (set) return set;
  try {
    const ext = vscode.extensions.getExtension<{ settings?: { getExecutionDetails?(uri: vscode.Uri): { execCommand?: string[] } } }>('ms-python.python');
    const api = ext?.isActive ? ext.exports : await ext?.activate();
    const cmd = api?.settings?.getExecutionDetails?.(folder.uri).execCommand?.[0];
    if (cmd) return cmd;
  } catch {
    // No Python extension, or it failed: fall back to the PATH's python3.
  }
  return 'python3';
}

/**
 * The recipe: the one a caller names, else, when the Python can run both (it has the encoder's packages
 * too), the user's pick, the BiLSTM-CRF first; else the BiLSTM-CRF, whose run then says what is missing.
 * Undefined when the pick was dismissed.
 */
async function chooseRecipe(python: string, requested: unknown, log: vscode.LogOutputChannel): Promise<Recipe | undefined> {
  if (typeof requested === 'string') {
    if (!(RECIPES as readonly string[]).includes(requested)) throw new Error(vscode.l10n.t('unknown recipe {0} (known: {1})', JSON.stringify(requested), RECIPES.join(', ')));
    return requested as Recipe;
  }
  let encoderMissing: string | undefined;
  try {
    encoderMissing = await missingPythonModules(python, 'encoder');
  } catch (e) {
    // A Python that does not start: the run names it.
    encoderMissing = e instanceof Error ? e.message : String(e);
  }
  if (encoderMissing) {
    log.info(`train: the encoder recipe is not offered: ${encoderMissing}`);
    return 'bilstm-crf';
  }
  const picks: (vscode.QuickPickItem & { recipe: Recipe })[] = [
    { label: 'BiLSTM-CRF', description: vscode.l10n.t('default'), detail: vscode.l10n.t('trained from scratch on your notes: minutes, small model'), recipe: 'bilstm-crf' },
    {
      label: vscode.l10n.t('Encoder'),
      description: vscode.l10n.t('all-MiniLM-L6-v2 fine-tuned'),
      detail: vscode.l10n.t('a pretrained transformer fine-tuned on your notes: slower, larger model'),
      recipe: 'encoder',
    },
  ];
  return (await vscode.window.showQuickPick(picks, { placeHolder: vscode.l10n.t('Train which kind of model?') }))?.recipe;
}

/** `options.epochs` and `options.recipe` (from a caller of the command, e.g. a test) override the defaults and the pick. */
export async function trainModelCommand(log: vscode.LogOutputChannel, configuration: ConfigurationService, options?: unknown): Promise<TrainResult | undefined> {
  const opts = (options ?? {}) as { epochs?: unknown; recipe?: unknown };
  const epochs = typeof opts.epochs === 'number' ? opts.epochs : undefined;
  const folder = targetFolder();
  if (!folder) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: open a folder with labelled notes to train a model.'));
    return undefined;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Sidelight: training runs a Python program; trust this workspace first.'));
    return undefined;
  }
  const workspaceDir = folder.uri.fsPath;
  const config = configuration.for(folder);
  const python = await pythonFor(folder, config);
  const recipe = await chooseRecipe(python, opts.recipe, log);
  if (!recipe) return undefined;
  log.info(`train: ${folder.name}, ${recipe}, with ${python}`);
  let result: TrainResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Sidelight: training a model from your labels'), cancellable: true },
      (progress, token) =>
        runCliTrain({ workspaceDir, python, recipe, epochs, modelPath: config.modelPath }, token, (line) => {
          log.info(`train: ${line}`);
          if (/epoch \d+/.test(line)) progress.report({ message: line.replace(/^\s*\d\d:\d\d:\d\d /, '') });
        }),
    );
  } catch (e) {
    if (e instanceof TrainingCancelled) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: {0}.', e.message));
      return undefined;
    }
    throw e;
  }
  log.info(`train: ${result.name}@${result.version} written to ${result.bundleDir}\n${formatComparison(result.comparison)}`);
  const ade = result.comparison.find((r) => r.label === 'ADE' && r.mode === 'lenient');
  const summary = ade ? vscode.l10n.t(' ADE lenient F1 on {0}: {1} → {2}.', count(result.heldOut, 'held-out note'), ade.old.f1.toFixed(2), ade.new.f1.toFixed(2)) : '';
  // The comparison (old vs new per label, with intervals) is in the panel's model card, with the same two actions.
  void vscode.commands.executeCommand(CommandIds.openPanel);
  // The buttons are compared by their (translated) titles: the answer is the title of the button clicked.
  const use = vscode.l10n.t('Use this model');
  const push = vscode.l10n.t('Push and pin for the team');
  const trained = vscode.l10n.t('Sidelight: trained {0} on {1}.{2}', `${result.name}@${result.version}`, count(result.train, 'note'), summary);
  void vscode.window.showInformationMessage(trained, use, push).then((choice) => {
    if (choice === use) void vscode.commands.executeCommand(CommandIds.useModel, result.name, result.version);
    if (choice === push) void vscode.commands.executeCommand(CommandIds.pushModel, result.name, result.version);
  });
  return result;
}

/**
 * Runs `sidelight train --json` (the CLI shipped beside the extension) as a child process: the run, its
 * model loads and the judging of the held-out notes stay out of the extension host; a cancel is Ctrl-C.
 */
function runCliTrain(
  opts: { workspaceDir: string; python: string; recipe: Recipe; epochs?: number; modelPath: string },
  token: vscode.CancellationToken,
  onLine: (line: string) => void,
): Promise<TrainResult> {
  const args = [path.join(packageRoot(__dirname), 'dist', 'cli.js'), 'train', '--workspace', opts.workspaceDir, '--recipe', opts.recipe, '--python', opts.python, '--json'];
  if (opts.epochs) args.push('--epochs', String(opts.epochs));
  if (opts.modelPath) args.push('--model', opts.modelPath);
  return new Promise((resolve, reject) => {
    // ELECTRON_RUN_AS_NODE: VS Code desktop's execPath is Electron, which then runs as plain Node.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const parts = (pending + d).split('\n');
      pending = parts.pop() ?? '';
      parts.filter((l) => l.trim()).forEach(onLine);
    });
    const cancel = token.onCancellationRequested(() => child.kill('SIGINT'));
    child.on('error', (e) => {
      cancel.dispose();
      reject(e);
    });
    child.on('close', (code) => {
      cancel.dispose();
      if (code === 130) return reject(new TrainingCancelled());
      if (code !== 0) {
        const message = stderr.trim().split('\n').filter((l) => l.startsWith('sidelight train:')).pop()?.replace(/^sidelight train: /, '');
        return reject(new Error(message || vscode.l10n.t('training failed (exit {0}); see the log', String(code))));
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as TrainResult);
      } catch {
        reject(new Error(vscode.l10n.t('training ended without its result; see the log')));
      }
    });
  });
}

/** The model named by a command's arguments, else one picked from those in `.sidelight/models/`. */
async function localModel(workspaceDir: string, name: unknown, version: unknown, placeHolder: string): Promise<{ name: string; version: string } | undefined> {
  if (typeof name === 'string' && typeof version === 'string') return { name, version };
  const found: { name: string; version: string }[] = [];
  const root = path.join(workspaceDir, MODELS_DIR);
  for (const n of await fs.readdir(root).catch(() => [] as string[])) {
    for (const v of await fs.readdir(path.join(root, n)).catch(() => [] as string[])) if (!v.startsWith('.')) found.push({ name: n, version: v });
  }
  if (!found.length) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: no trained or pulled model in .sidelight/models yet (Train model from labels).'));
    return undefined;
  }
  return (await vscode.window.showQuickPick(found.reverse().map((m) => ({ label: `${m.name}@${m.version}`, m })), { placeHolder }))?.m;
}

/** Pins a bundle of `.sidelight/models/` (by name and version, or picked from those there) for the folder. */
export async function useModelCommand(log: vscode.LogOutputChannel, name?: unknown, version?: unknown): Promise<string | undefined> {
  const folder = targetFolder();
  if (!folder) return undefined;
  const pick = await localModel(folder.uri.fsPath, name, version, vscode.l10n.t('Pin which model for this workspace?'));
  if (!pick) return undefined;
  await pinLocalModel(folder.uri.fsPath, pick.name, pick.version);
  log.info(`pinned ${pick.name}@${pick.version} in .sidelight/model.lock`);
  void vscode.window.setStatusBarMessage(vscode.l10n.t('Sidelight: now using {0}', `${pick.name}@${pick.version}`), 4000);
  return `${pick.name}@${pick.version}`;
}

/**
 * *Push and pin for the team*: uploads a bundle of `.sidelight/models/` as a new immutable version on the
 * folder's remote (refused if that version exists with other content), pins it here, and publishes the pin
 * on the remote, where every teammate's next sync adopts it and fetches the model.
 */
export async function pushModelCommand(log: vscode.LogOutputChannel, remoteFor: (folder: vscode.WorkspaceFolder) => Promise<Remote | undefined>, name?: unknown, version?: unknown): Promise<string | undefined> {
  const folder = targetFolder();
  if (!folder) return undefined;
  if (!vscode.workspace.isTrusted) throw new Error(vscode.l10n.t('pushing a model contacts the remote; trust this workspace first'));
  const remote = await remoteFor(folder);
  if (!remote) throw new Error(vscode.l10n.t('no remote configured: set "remote" in .sidelight/config.json or the sidelight.remote setting'));
  try {
    const pick = await localModel(folder.uri.fsPath, name, version, vscode.l10n.t('Push which model and pin it for the team?'));
    if (!pick) return undefined;
    const label = `${pick.name}@${pick.version}`;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Sidelight: pushing {0}', label), cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => abort.abort());
      try {
        let reported = 0;
        await pushModel(path.join(folder.uri.fsPath, MODELS_DIR, pick.name, pick.version), remote, {
          signal: abort.signal,
          onProgress: (p) => {
            const pct = p.total ? Math.floor((100 * p.loaded) / p.total) : 0;
            if (pct > reported) progress.report({ increment: pct - reported });
            reported = pct;
          },
        });
        const lock = await pinLocalModel(folder.uri.fsPath, pick.name, pick.version);
        await publishTeamPin(remote, lock, abort.signal);
      } finally {
        cancel.dispose();
      }
    });
    log.info(`pushed ${label} to ${remote.url} and pinned it for the team`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidelight: {0} is on {1} and pinned for the team; teammates get it on their next sync.', label, remote.url));
    return label;
  } finally {
    remote.close();
  }
}
