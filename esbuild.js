// Bundles the extension host entry, the CLI and the webview (from the official generator template).
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints errors in the form the `$esbuild-watch` problem matcher reads. */
const esbuildProblemMatcherPlugin = {
  name: 'esbuild-problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      result.errors.forEach(({ text, location }) => {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      });
      console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'silent',
  plugins: watch ? [esbuildProblemMatcherPlugin] : [],
};

/**
 * The AWS SDK is bundled on its own (dist/awsSdk.js, from src/vendor/awsSdk.ts) and required from there at
 * first use of an S3 remote, so that loading the extension or the CLI does not parse it.
 */
const awsSdkApart = {
  name: 'aws-sdk-apart',
  setup(build) {
    build.onResolve({ filter: /[\\/]vendor[\\/]awsSdk$/ }, () => ({ path: './awsSdk.js', external: true }));
  },
};

const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // onnxruntime-node carries native binaries: it ships in node_modules, not in the bundle.
  external: ['vscode', 'onnxruntime-node'],
  plugins: [...common.plugins, awsSdkApart],
};

async function main() {
  const contexts = await Promise.all([
    esbuild.context({ ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' }),
    esbuild.context({
      ...node,
      entryPoints: ['src/cli/main.ts'],
      outfile: 'dist/cli.js',
      banner: { js: '#!/usr/bin/env node' },
    }),
    esbuild.context({ ...node, plugins: common.plugins, entryPoints: ['src/vendor/awsSdk.ts'], outfile: 'dist/awsSdk.js' }),
    // The model runs in a worker thread (onnxruntime-node's run blocks its thread).
    esbuild.context({ ...node, entryPoints: ['src/core/model/modelWorker.ts'], outfile: 'dist/modelWorker.js' }),
    esbuild.context({
      ...common,
      entryPoints: ['webview/main.ts'],
      outfile: 'dist/webview/main.js',
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
    }),
  ]);
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
  } else {
    await Promise.all(contexts.map((c) => c.rebuild()));
    await Promise.all(contexts.map((c) => c.dispose()));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
