import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CommandIds, InternalCommandIds } from '../../../src/vscode/commandIds';
import { repoRoot } from '../../harness/paths';

interface Manifest {
  activationEvents?: string[];
  contributes: { commands: { command: string }[]; menus?: Record<string, { command: string }[]>; keybindings?: { command: string }[] };
}

async function manifest(): Promise<Manifest> {
  return JSON.parse(await fs.readFile(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
}

test('CommandIds lists exactly the commands package.json contributes', async () => {
  const contributed = (await manifest()).contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(Object.values(CommandIds).sort(), contributed);
});

test('menus and keybindings name contributed commands only; internal commands are not contributed', async () => {
  const m = await manifest();
  const contributed = new Set(m.contributes.commands.map((c) => c.command));
  for (const [menu, items] of Object.entries(m.contributes.menus ?? {})) {
    for (const item of items) assert.ok(contributed.has(item.command), `menu ${menu} names ${item.command}, which is not contributed`);
  }
  for (const k of m.contributes.keybindings ?? []) assert.ok(contributed.has(k.command), `a keybinding names ${k.command}, which is not contributed`);
  for (const id of Object.values(InternalCommandIds)) assert.ok(!contributed.has(id), `${id} is internal but contributed`);
});

test('the sources name commands through CommandIds, never as string literals', async () => {
  const offenders: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(file);
      else if (entry.name.endsWith('.ts') && entry.name !== 'commandIds.ts') {
        const text = await fs.readFile(file, 'utf8');
        for (const m of text.matchAll(/(?:registerCommand|executeCommand)(?:<[^>]*>)?\(\s*'(sidelight\.[^']+)'/g)) offenders.push(`${path.relative(repoRoot, file)}: ${m[1]}`);
        for (const m of text.matchAll(/command:\s*'(sidelight\.[^']+)'/g)) offenders.push(`${path.relative(repoRoot, file)}: ${m[1]}`);
      }
    }
  };
  await walk(path.join(repoRoot, 'src'));
  assert.deepEqual(offenders, []);
});
