// Builds everything `npm start`, `npm test` and the .vsix need:
// the wasm engine (when its build script exists), four esbuild bundles, and the tsc output for tests.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

if (existsSync(join(root, 'scripts/build-wasm.mjs'))) run(process.execPath, ['scripts/build-wasm.mjs']);

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};
const node = { ...common, platform: 'node', target: 'node20', format: 'cjs' };
await Promise.all([
  build({ ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  build({ ...node, entryPoints: ['src/engine/worker.ts'], outfile: 'dist/worker.js' }),
  build({ ...node, entryPoints: ['src/formats/h5worker.ts'], outfile: 'dist/h5worker.js' }),
  build({
    ...node,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({
    ...common,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
  }),
]);

// h5wasm (Keras files) ships ES modules only; the worker loads its node build from dist/h5wasm/.
mkdirSync(join(root, 'dist/h5wasm'), { recursive: true });
for (const file of ['hdf5_hl.js', 'hdf5_util.js']) {
  copyFileSync(join(root, 'node_modules/h5wasm/dist/node', file), join(root, 'dist/h5wasm', file));
}
writeFileSync(join(root, 'dist/h5wasm/package.json'), '{ "type": "module" }\n');

// Tests and benchmarks run from tsc's output (out/), which also type-checks src/ and test/.
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'webview/tsconfig.json']);
