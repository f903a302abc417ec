// The live page against the emulator at provider speed (--speed 1): does it
// make the number of status requests the polling simulation predicts?

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { DEMO_KEY, browser, configFor, repoRoot, serveApp, startEmulator } from '../harness.mjs';
import { choose, generate, setKey, trySample, waitForCost, waitForStatus } from '../ui.mjs';
import { mean } from './stats.mjs';

/** The avatar-bench binary (built by .ci/bench). */
const benchBin =
  process.env.AVATAR_BENCH_BIN ||
  path.join(process.env.CARGO_TARGET_DIR || path.join(repoRoot, 'target'), 'release', 'avatar-bench');

/** Tasks per progress mode: 5 s at 720 px, about 56–88 s each at --speed 1. */
const TASKS = 2;

function predict(plannedMs, progress) {
  const out = execFileSync(benchBin, [
    'predict', '--model', 'avatar-pro', '--seconds', '5', '--long-edge', '720',
    '--true-ms', String(plannedMs), '--progress', progress,
  ]);
  return JSON.parse(String(out));
}

async function follow(progress) {
  const emu = await startEmulator({ speed: 1, progress, keys: { [DEMO_KEY]: 1_000 } });
  const app = await serveApp({ config: configFor(emu.origin) });
  const context = await (await browser()).newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const checks = new Map(); // task id → status requests
    page.on('request', (r) => {
      const m = /\/tasks\/([^/?#]+)/.exec(r.url());
      if (m && r.method() === 'GET') {
        const id = decodeURIComponent(m[1]);
        checks.set(id, (checks.get(id) || 0) + 1);
      }
    });
    await page.goto(app.url);
    await setKey(page, DEMO_KEY);
    await trySample(page);
    await choose(page, 'Duration', /^\s*5\b/);
    await choose(page, 'Resolution', /^\s*720/);
    await waitForCost(page, 8);
    const ids = [];
    for (let i = 0; i < TASKS; i++) ids.push(await generate(page));
    for (const id of ids) await waitForStatus(page, id, 'completed', 180_000);
    const visibility = await page.evaluate(() => document.visibilityState);
    const listed = await emu.tasks();
    return ids.map((id) => {
      const task = listed.find((t) => t.task_id === id);
      return { progress, id, planned: task?.planned_ms, requests: checks.get(id) || 0, predicted: predict(task?.planned_ms, progress), visibility };
    });
  } finally {
    await context.close();
    await app.close();
    await emu.stop();
  }
}

export async function run() {
  // Both modes at once: two emulators, two browser contexts, same minutes.
  const results = (await Promise.all([follow('rising'), follow('null')])).flat();
  const rows = results
    .map((r) => `| ${r.progress} | ${(r.planned / 1000).toFixed(1)} s | ${r.requests} | ${r.predicted.mean.toFixed(1)} (${r.predicted.min}–${r.predicted.max}) | ${r.requests >= r.predicted.min && r.requests <= r.predicted.max ? 'yes' : '**no**'} |`)
    .join('\n');
  const ratio = mean(results.map((r) => r.requests)) / mean(results.map((r) => r.predicted.mean));
  const within = results.filter((r) => r.requests >= r.predicted.min && r.requests <= r.predicted.max).length;
  return {
    results,
    summary: `| Live page requests vs simulation | as predicted | ${within} of ${results.length} tasks within the predicted range; live/predicted ${ratio.toFixed(2)}× | ${within === results.length ? 'met' : '**missed**'} |\n`,
    markdown: `### Live page vs simulation

The built page in Chromium against the emulator at \`--speed 1\` (provider minutes), ${TASKS} tasks of 5 s at
720 px per progress mode, a fresh profile (cold start). *Requests* counts the page's \`GET …/tasks/{id}\`
for the task; *predicted* is \`avatar-bench predict\` for the task's planned run time (mean and range over
200 draws of the schedule's jitter).

| progress | planned run time | requests | predicted | within range |
|---|---:|---:|---:|---|
${rows}

Live / predicted requests overall: **${ratio.toFixed(2)}×**.
`,
  };
}
