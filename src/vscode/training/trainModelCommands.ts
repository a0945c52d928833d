import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { packageRoot } from '../../core/model/defaultModel';
import { MODELS_DIR, pinLocalModel } from '../../core/sync/modelArtifacts';
import { formatComparison } from '../../core/training/compareModels';
import { TrainingCancelled, TrainResult } from '../../core/training/trainRun';
import { readConfig } from '../configuration';
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
async function pythonFor(folder: vscode.WorkspaceFolder): Promise<string> {
  const set = readConfig(folder.uri).python;
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

/** `options.epochs` (from a caller of the command, e.g. a test) overrides the recipe's default. */
export async function trainModelCommand(log: vscode.LogOutputChannel, options?: unknown): Promise<TrainResult | undefined> {
  const epochs = typeof (options as { epochs?: unknown } | undefined)?.epochs === 'number' ? (options as { epochs: number }).epochs : undefined;
  const folder = targetFolder();
  if (!folder) {
    void vscode.window.showInformationMessage('Sidelight: open a folder with labelled notes to train a model.');
    return undefined;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Sidelight: training runs a Python program; trust this workspace first.');
    return undefined;
  }
  const workspaceDir = folder.uri.fsPath;
  const python = await pythonFor(folder);
  log.info(`train: ${folder.name} with ${python}`);
  let result: TrainResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Sidelight: training a model from your labels', cancellable: true },
      (progress, token) =>
        runCliTrain({ workspaceDir, python, epochs, modelPath: readConfig(folder.uri).modelPath }, token, (line) => {
          log.info(`train: ${line}`);
          if (/epoch \d+/.test(line)) progress.report({ message: line.replace(/^\s*\d\d:\d\d:\d\d /, '') });
        }),
    );
  } catch (e) {
    if (e instanceof TrainingCancelled) {
      void vscode.window.showInformationMessage(`Sidelight: ${e.message}.`);
      return undefined;
    }
    throw e;
  }
  log.info(`train: ${result.name}@${result.version} written to ${result.bundleDir}\n${formatComparison(result.comparison)}`);
  const ade = result.comparison.find((r) => r.label === 'ADE' && r.mode === 'lenient');
  const summary = ade ? ` ADE lenient F1 on ${count(result.heldOut, 'held-out note')}: ${ade.old.f1.toFixed(2)} → ${ade.new.f1.toFixed(2)}.` : '';
  void vscode.window
    .showInformationMessage(`Sidelight: trained ${result.name}@${result.version} on ${count(result.train, 'note')}.${summary}`, 'Use this model', 'Show comparison')
    .then((choice) => {
      if (choice === 'Use this model') void vscode.commands.executeCommand('sidelight.useModel', result.name, result.version);
      if (choice === 'Show comparison') log.show(true);
    });
  return result;
}

/**
 * Runs `sidelight train --json` (the CLI shipped beside the extension) as a child process: the run, its
 * model loads and the judging of the held-out notes stay out of the extension host; a cancel is Ctrl-C.
 */
function runCliTrain(
  opts: { workspaceDir: string; python: string; epochs?: number; modelPath: string },
  token: vscode.CancellationToken,
  onLine: (line: string) => void,
): Promise<TrainResult> {
  const args = [path.join(packageRoot(__dirname), 'dist', 'cli.js'), 'train', '--workspace', opts.workspaceDir, '--python', opts.python, '--json'];
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
        return reject(new Error(message || `training failed (exit ${code}); see the log`));
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as TrainResult);
      } catch {
        reject(new Error('training ended without its result; see the log'));
      }
    });
  });
}

/** Pins a bundle of `.sidelight/models/` (by name and version, or picked from those there) for the folder. */
export async function useModelCommand(log: vscode.LogOutputChannel, name?: unknown, version?: unknown): Promise<string | undefined> {
  const folder = targetFolder();
  if (!folder) return undefined;
  const workspaceDir = folder.uri.fsPath;
  let pick = typeof name === 'string' && typeof version === 'string' ? { name, version } : undefined;
  if (!pick) {
    const found: { name: string; version: string }[] = [];
    const root = path.join(workspaceDir, MODELS_DIR);
    for (const n of await fs.readdir(root).catch(() => [] as string[])) {
      for (const v of await fs.readdir(path.join(root, n)).catch(() => [] as string[])) if (!v.startsWith('.')) found.push({ name: n, version: v });
    }
    if (!found.length) {
      void vscode.window.showInformationMessage('Sidelight: no trained or pulled model in .sidelight/models yet (Train model from labels).');
      return undefined;
    }
    const chosen = await vscode.window.showQuickPick(found.reverse().map((m) => ({ label: `${m.name}@${m.version}`, m })), { placeHolder: 'Pin which model for this workspace?' });
    if (!chosen) return undefined;
    pick = chosen.m;
  }
  await pinLocalModel(workspaceDir, pick.name, pick.version);
  log.info(`pinned ${pick.name}@${pick.version} in .sidelight/model.lock`);
  void vscode.window.setStatusBarMessage(`Sidelight: now using ${pick.name}@${pick.version}`, 4000);
  return `${pick.name}@${pick.version}`;
}
