// Chaos run: 20 tasks through the real page against an emulator that fails
// 30% of requests, adds 300 ms, rate-limits at 5/s, fails 10% of tasks, and
// is restarted (same --state) in the middle. Nothing may be lost or charged twice.

import { DEMO_KEY, browser, configFor, serveApp, startEmulator, waitUntil } from '../harness.mjs';
import { generateButton, readyShortSample, taskRows } from '../ui.mjs';

export const TASKS = 20;
const FINAL = ['completed', 'failed'];

export async function run({ tasks = TASKS, speed = 20 } = {}) {
  const emu = await startEmulator({
    speed,
    errorRate: 0.3,
    latency: 300,
    rateLimit: 5,
    failRate: 0.1,
    keys: { [DEMO_KEY]: 10_000 },
  });
  const app = await serveApp({ config: configFor(emu.origin) });
  const context = await (await browser()).newContext({ viewport: { width: 1280, height: 900 } });
  const started = Date.now();
  try {
    const page = await context.newPage();
    let statusRequests = 0;
    let submits = 0;
    page.on('request', (r) => {
      if (r.method() === 'GET' && /\/tasks\/[^/?#]+/.test(r.url())) statusRequests++;
      if (r.method() === 'POST' && /\/api\/v2\/avatar\//.test(r.url())) submits++;
    });
    await page.goto(app.url);
    await readyShortSample(page, DEMO_KEY);

    // The user clicks Generate until the emulator has accepted `tasks` tasks;
    // a refused submit shows an error and is not retried by the page itself.
    let restarted = false;
    while ((await emu.tasks()).length < tasks) {
      const answered = page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/v2\/avatar\//.test(r.url()), { timeout: 30_000 });
      await generateButton(page).click();
      await answered;
      if (!restarted && (await emu.tasks()).length >= tasks / 2) {
        await emu.restart(); // mid-run, with the same --state
        restarted = true;
      }
    }
    if (!restarted) await emu.restart();

    // Every task reaches a final state in the page.
    const rows = () =>
      taskRows(page).evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-task-id'), status: e.getAttribute('data-status') })));
    await waitUntil(async () => {
      const r = await rows();
      return r.length >= tasks && r.every((x) => FINAL.includes(x.status));
    }, { timeoutMs: 240_000, intervalMs: 500, what: 'every task final in the page' }).catch(() => {});
    const seconds = (Date.now() - started) / 1000;

    const pageRows = await rows();
    const listed = await emu.tasks();
    const account = await emu.account(DEMO_KEY);
    const pageIds = new Set(pageRows.map((r) => r.id));
    const lost = listed.filter((t) => !pageIds.has(t.task_id)).length;
    const notFinal = pageRows.filter((r) => !FINAL.includes(r.status)).length;
    const mismatched = listed.filter((t) => {
      const row = pageRows.find((r) => r.id === t.task_id);
      return row && row.status !== t.status;
    }).length;
    const phantom = pageRows.filter((r) => !listed.some((t) => t.task_id === r.id)).length;
    const costs = listed.reduce((a, t) => a + t.cost, 0);
    const failedCosts = listed.filter((t) => t.status === 'failed').reduce((a, t) => a + t.cost, 0);
    const duplicateCharges = account.charged - costs;
    const refundErrors = account.refunded - failedCosts;
    const failed = listed.filter((t) => t.status === 'failed').length;
    const result = {
      tasks: listed.length,
      submits,
      lost,
      notFinal,
      mismatched,
      phantom,
      duplicateCharges,
      refundErrors,
      failed,
      requestsPerTask: statusRequests / Math.max(1, listed.length),
      seconds,
    };
    const ok = lost === 0 && notFinal === 0 && mismatched === 0 && phantom === 0 && duplicateCharges === 0 && refundErrors === 0;
    return {
      ...result,
      ok,
      summary: `| Chaos run (${tasks} tasks, faults, restart) | 0 lost, 0 duplicate charges, failures refunded once | ${lost} lost, ${duplicateCharges} duplicate charges, ${refundErrors} refund errors, ${result.requestsPerTask.toFixed(1)} requests/task | ${ok ? 'met' : '**missed**'} |\n`,
      markdown: `### Chaos run

The page in Chromium submits ${tasks} tasks (5 s, 720 px) to an emulator started with \`--error-rate 0.3
--latency 300 --rate-limit 5 --fail-rate 0.1 --speed ${speed}\`, restarted with its \`--state\` once half of
the tasks were accepted. Then every row must reach a final state matching \`GET /_emulator/tasks\`, and the
ledger must show each task charged once and each failed one refunded once.

| tasks accepted | submit clicks | failed (refunded) | lost | not final | status mismatches | rows unknown to the API | duplicate charges | refund errors (credits) | status requests per task | run time |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| ${listed.length} | ${submits} | ${failed} | **${lost}** | ${notFinal} | ${mismatched} | ${phantom} | **${duplicateCharges}** | ${refundErrors} | ${result.requestsPerTask.toFixed(1)} | ${seconds.toFixed(0)} s |

Verdict: ${ok ? 'nothing lost, nothing charged twice, every failure refunded once' : '**FAILED** (see the non-zero columns)'}.
`,
    };
  } finally {
    await context.close();
    await app.close();
    await emu.stop();
  }
}
