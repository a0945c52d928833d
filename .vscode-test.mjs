// The same integration suites through @vscode/test-cli + @vscode/test-electron, for machines that can
// download VS Code desktop (`npm run test:integration:electron`). Offline, `npm run test:integration`
// runs them in code-server instead (test/harness/runIntegration.ts).
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out/test/integration/**/*.test.js',
  version: '1.100.3',
  workspaceFolder: './demo/workspace',
  mocha: { ui: 'tdd', timeout: 60000 },
});
