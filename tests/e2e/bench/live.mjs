// The live page against the emulator at provider speed (--speed 1): does it
// make the number of status requests the polling simulation predicts?

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { DEMO_KEY, browser, configFor, repoRoot, serveApp, startEmulator } from '../harness.mjs';
import { generate, readyShortSample, waitForStatus } from '../ui.mjs';
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
    await readyShortSample(page, DEMO_KEY);
    const ids = [];
    for (let i = 0; i < TASKS; i++) ids.push(await generate(page, { again: true }));
    // The JS heap (after a forced GC) every 10 s while the page only polls:
    // it should stay flat (no timer or closure leaked per check).
    const cdp = await context.newCDPSession(page);
    const heap = [];
    const done = Promise.all(ids.map((id) => waitForStatus(page, id, 'completed', 180_000)));
    let finished = false;
    done.finally(() => (finished = true)).catch(() => {});
    while (!finished) {
      const completed = await page.locator('[data-task-id][data-status="completed"]').count();
      if (completed > 0) break;
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = await cdp.send('Runtime.getHeapUsage');
      heap.push({ usedSize, requests: [...checks.values()].reduce((a, b) => a + b, 0) });
      await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]).catch(() => {});
    }
    await done;
    const visibility = await page.evaluate(() => document.visibilityState);
    const listed = await emu.tasks();
    return ids.map((id) => {
      const task = listed.find((t) => t.task_id === id);
      return { progress, id, planned: task?.planned_ms, requests: checks.get(id) || 0, predicted: predict(task?.planned_ms, progress), visibility, heap };
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
  // Heap while polling (progress null runs longest): first sample → last before any completion.
  const samples = results.find((r) => r.progress === 'null')?.heap ?? [];
  const [first, last] = [samples[1] ?? samples[0], samples.at(-1)];
  const growth = first && last ? (last.usedSize - first.usedSize) / first.usedSize : NaN;
  const polls = first && last ? last.requests - first.requests : 0;
  const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
  const heapLine = first && last
    ? `JS heap while the page only polls (progress null, after a forced GC, every 10 s): ${kb(first.usedSize)} → ${kb(last.usedSize)} over ${polls} status checks (${(growth * 100).toFixed(1)}%).`
    : 'JS heap while polling: not enough samples.';
  const within = results.filter((r) => r.requests >= r.predicted.min && r.requests <= r.predicted.max).length;
  return {
    results,
    summary: `| JS heap while polling | flat | ${first && last ? `${kb(first.usedSize)} → ${kb(last.usedSize)} over ${polls} checks` : 'n/a'} | ${growth < 0.05 ? 'flat' : '**grows**'} |\n| Live page requests vs simulation | as predicted | ${within} of ${results.length} tasks within the predicted range; live/predicted ${ratio.toFixed(2)}× | ${within === results.length ? 'met' : '**missed**'} |\n`,
    markdown: `### Live page vs simulation

The built page in Chromium against the emulator at \`--speed 1\` (provider minutes), ${TASKS} tasks of 5 s at
720 px per progress mode, a fresh profile (cold start). *Requests* counts the page's \`GET …/tasks/{id}\`
for the task; *predicted* is \`avatar-bench predict\` for the task's planned run time (mean and range over
200 draws of the schedule's jitter).

| progress | planned run time | requests | predicted | within range |
|---|---:|---:|---:|---|
${rows}

Live / predicted requests overall: **${ratio.toFixed(2)}×**.

${heapLine}
`,
  };
}
