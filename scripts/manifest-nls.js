#!/usr/bin/env node
// Moves the user-facing strings of package.json (titles, descriptions, names) into package.nls.json and
// leaves `%key%` references in their place, the form VS Code translates (package.nls.<locale>.json beside
// it). Run it after adding a command, setting, view or walkthrough step: `npm run nls`; the unit test
// test/unit/manifest/nls.test.ts fails while a literal string is left. Written here because the official
// tool (@vscode/l10n-dev) extracts the strings of the code, not those of the manifest.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const manifestPath = path.join(root, 'package.json');
const nlsPath = path.join(root, 'package.nls.json');

/** Every user-facing string of the manifest: [key, holder object, property] (an array index for arrays). */
function userStrings(pkg) {
  const c = pkg.contributes;
  const out = [
    ['displayName', pkg, 'displayName'],
    ['description', pkg, 'description'],
  ];
  for (const cmd of c.commands ?? []) {
    const id = cmd.command.replace(/^sidelight\./, '');
    out.push([`command.${id}.title`, cmd, 'title'], ['command.category', cmd, 'category']);
  }
  if (c.configuration) out.push(['configuration.title', c.configuration, 'title']);
  for (const [name, prop] of Object.entries(c.configuration?.properties ?? {})) {
    const id = name.replace(/^sidelight\./, '');
    for (const field of ['description', 'markdownDescription', 'deprecationMessage']) out.push([`config.${id}.${field}`, prop, field]);
    for (const field of ['enumDescriptions', 'markdownEnumDescriptions']) {
      (prop[field] ?? []).forEach((_, i) => out.push([`config.${id}.${field}.${i}`, prop[field], i]));
    }
  }
  for (const color of c.colors ?? []) out.push([`color.${color.id}.description`, color, 'description']);
  for (const [where, containers] of Object.entries(c.viewsContainers ?? {})) {
    for (const container of containers) out.push([`viewContainer.${where}.${container.id}.title`, container, 'title']);
  }
  for (const views of Object.values(c.views ?? {})) for (const view of views) out.push([`view.${view.id}.name`, view, 'name']);
  for (const w of c.walkthroughs ?? []) {
    out.push([`walkthrough.${w.id}.title`, w, 'title'], [`walkthrough.${w.id}.description`, w, 'description']);
    for (const step of w.steps) {
      const key = `walkthrough.${w.id}.${step.id}`;
      out.push([`${key}.title`, step, 'title'], [`${key}.description`, step, 'description']);
      if (step.media) out.push([`${key}.altText`, step.media, 'altText']);
    }
  }
  for (const sub of c.submenus ?? []) out.push([`submenu.${sub.id}.label`, sub, 'label']);
  return out.filter(([, holder, prop]) => typeof holder[prop] === 'string');
}

function main() {
  const pkg = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const nls = fs.existsSync(nlsPath) ? JSON.parse(fs.readFileSync(nlsPath, 'utf8')) : {};
  const moved = new Set();
  for (const [key, holder, prop] of userStrings(pkg)) {
    const value = holder[prop];
    if (/^%[^%]+%$/.test(value)) continue;
    if (key in nls && nls[key] !== value) throw new Error(`package.nls.json: "${key}" is "${nls[key]}", package.json says "${value}"`);
    nls[key] = value;
    holder[prop] = `%${key}%`;
    moved.add(key);
  }
  const sorted = Object.fromEntries(Object.keys(nls).sort().map((k) => [k, nls[k]]));
  fs.writeFileSync(nlsPath, JSON.stringify(sorted, null, 2) + '\n');
  fs.writeFileSync(manifestPath, JSON.stringify(pkg, null, 2) + '\n');
  console.log(`manifest-nls: moved ${moved.size} of ${Object.keys(sorted).length} strings to package.nls.json`);
}

if (require.main === module) main();
module.exports = { userStrings };
