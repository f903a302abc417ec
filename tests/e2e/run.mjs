#!/usr/bin/env node
// Runs the end-to-end journeys: `node tests/e2e/run.mjs [file-filter...] [-- node --test options]`.
// Needs dist/ (`make dist`) and the emulator's release binary (`make emulator`); runs offline.
// Env: AVATAR_DIST, AVATAR_EMULATOR_BIN, AVATAR_E2E_CONCURRENCY (default 2), AVATAR_E2E_SPEED,
// AVATAR_SCREENSHOTS_DIR (default docs/screenshots), AVATAR_E2E_KEEP=1 (keep emulator temp dirs).

import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const started = Date.now();

// Dependencies from the lock file, from npm's cache when offline.
if (!fs.existsSync(path.join(here, 'node_modules', 'playwright-core'))) {
  console.log('==> npm ci (tests/e2e)');
  const npm = (extra) => spawnSync('npm', ['ci', '--no-audit', '--no-fund', ...extra], { cwd: here, stdio: 'inherit' });
  if (npm(['--offline']).status !== 0 && npm(['--prefer-offline']).status !== 0) process.exit(2);
}

const emulator =
  process.env.AVATAR_EMULATOR_BIN ||
  path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'release', 'avatar-emulator');
const dist = process.env.AVATAR_DIST || path.join(repo, 'dist');
const missing = [];
if (!fs.existsSync(emulator)) missing.push(`the emulator binary ${emulator} (make emulator)`);
if (!fs.existsSync(path.join(dist, 'index.html'))) missing.push(`the built app ${dist}/index.html (make dist)`);
if (missing.length) {
  console.error(`e2e: missing ${missing.join(' and ')}`);
  process.exit(2);
}

const dash = process.argv.indexOf('--');
const filters = process.argv.slice(2, dash === -1 ? undefined : dash);
const passthrough = dash === -1 ? [] : process.argv.slice(dash + 1);
const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`e2e: no test file matches ${filters.join(' ')}`);
  process.exit(2);
}

fs.rmSync(path.join(here, 'test-results'), { recursive: true, force: true });

// The sample media, made once for the whole run.
const { warmSamples } = await import('./harness.mjs');
const samplesDir = process.env.AVATAR_E2E_SAMPLES_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'avatar-e2e-samples-'));
const warmStart = Date.now();
const sampleCount = await warmSamples(samplesDir);
console.log(`==> e2e: ${sampleCount} sample files ready in ${((Date.now() - warmStart) / 1000).toFixed(1)} s`);
const concurrency = process.env.AVATAR_E2E_CONCURRENCY || '2';
const args = [
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=./summary-reporter.mjs', '--test-reporter-destination=stdout',
  ...passthrough,
  ...files,
];
console.log(`==> e2e: ${files.length} files, concurrency ${concurrency}, app ${path.relative(repo, dist) || dist}, emulator ${path.relative(repo, emulator)}`);
const child = spawn(process.execPath, args, { cwd: here, stdio: 'inherit', env: { ...process.env, AVATAR_E2E_SAMPLES_DIR: samplesDir } });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  if (!process.env.AVATAR_E2E_SAMPLES_DIR) fs.rmSync(samplesDir, { recursive: true, force: true });
  console.log(`e2e suite took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(code ?? (signal ? 1 : 0));
});
