#!/usr/bin/env node
// Browser benchmarks: `node tests/e2e/bench/run.mjs [startup|list|live|chaos|wire|lighthouse ...]`.
// Uses the e2e harness (needs dist/ and the emulator's release build, like the
// suite). Writes a markdown section to $AVATAR_BENCH_OUT (default stdout), the
// rows of the table of targets to $AVATAR_BENCH_SUMMARY and the raw numbers to
// $AVATAR_BENCH_JSON if set.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeBrowser, warmSamples } from '../harness.mjs';

const all = ['startup', 'list', 'live', 'chaos', 'wire', 'lighthouse'];
const wanted = process.argv.slice(2).filter((a) => all.includes(a));
const names = wanted.length ? wanted : all;

const ownSamples = !process.env.AVATAR_E2E_SAMPLES_DIR;
const samplesDir = process.env.AVATAR_E2E_SAMPLES_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'avatar-bench-samples-'));
process.env.AVATAR_E2E_SAMPLES_DIR = samplesDir;
await warmSamples(samplesDir);

// One at a time: even live and chaos, which mostly wait on the emulator's
// clock, disturb each other when run together (chaos's 20 ffmpeg renders
// delayed live's tasks past their planned run time: 1.22× the predicted
// requests, against 1.02× alone).
const sections = {};
const summaries = {};
const raw = {};
async function one(name) {
  const started = Date.now();
  try {
    const mod = await import(`./${name}.mjs`);
    const result = await mod.run();
    raw[name] = { ...result, markdown: undefined, summary: undefined };
    sections[name] = result.markdown;
    summaries[name] = result.summary || '';
  } catch (err) {
    raw[name] = { error: String(err.stack || err) };
    sections[name] = `### ${name}\n\nFailed: \`${String(err.message || err).split('\n')[0]}\`\n`;
    summaries[name] = `| Browser benchmark "${name}" | | failed to run | **not measured** |\n`;
  }
  console.error(`bench ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
for (const name of names) await one(name);
await closeBrowser();

const markdown = `## Browser benchmarks

The release \`dist/\` served from loopback, the emulator's release build, headless Chromium
(\`/usr/bin/chromium\`) driven by playwright-core through the e2e harness (\`tests/e2e/harness.mjs\`).
Reproduce: \`make dist emulator && cargo build --release -p avatar-bench && node tests/e2e/bench/run.mjs\`.

${names.map((n) => sections[n]).join('\n')}`;
if (process.env.AVATAR_BENCH_OUT) fs.writeFileSync(process.env.AVATAR_BENCH_OUT, markdown);
else process.stdout.write(markdown);
if (process.env.AVATAR_BENCH_SUMMARY) fs.appendFileSync(process.env.AVATAR_BENCH_SUMMARY, names.map((n) => summaries[n]).join(''));
if (process.env.AVATAR_BENCH_JSON) fs.writeFileSync(process.env.AVATAR_BENCH_JSON, JSON.stringify(raw, null, 2));
if (ownSamples) fs.rmSync(samplesDir, { recursive: true, force: true });
process.exit(Object.values(raw).some((r) => r.error) ? 1 : 0);
