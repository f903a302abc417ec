// Chaos run: 20 tasks through the real page against an emulator that fails
// 30% of requests, adds 300 ms, rate-limits at 5/s, fails 10% of tasks, and
// is restarted (same --state) in the middle; then the same again with the
// real API's quirks on top (error pages in HTML, hidden Retry-After, wrapped
// answers, numeric ids, capitalized statuses, nested links, string errors).
// Nothing may be lost or charged twice. Loopback only; each run is bounded
// (submits: 2 minutes and 8 clicks per task; tasks reaching a final state: 4 minutes).

import { DEMO_KEY, browser, configFor, serveApp, startEmulator, waitUntil } from '../harness.mjs';
import { generateButton, isSubmit, readyShortSample, taskRows, waitForGenerateReady } from '../ui.mjs';

export const TASKS = 20;
const FINAL = ['completed', 'failed'];
/** A submit that got no readable answer: the page keeps it under its own id and never checks it. */
const UNKNOWN = 'outcome-unknown';

/** The real API's ways mixed into the second run (crates/avatar-emulator/README.md, "Quirks"). */
export const QUIRKS = ['html-errors', 'no-expose-retry-after', 'wrapped', 'nested-url', 'numeric-ids', 'capitalized-status', 'string-errors'];

/** Both runs: the faults alone, then with the quirks. The plain run's numbers stay at the top level. */
export async function run({ tasks = TASKS, speed = 20, variants = [[], QUIRKS] } = {}) {
  const results = [];
  for (const quirks of variants) results.push(await runOnce({ tasks, speed, quirks }));
  const [first, ...rest] = results;
  return {
    ...first,
    runs: results.map((r) => ({ ...r, markdown: undefined, summary: undefined })),
    ok: results.every((r) => r.ok),
    summary: results.map((r) => r.summary).join(''),
    markdown: `### Chaos run

The page in Chromium submits ${tasks} tasks (5 s, 720 px) to an emulator started with \`--error-rate 0.3
--latency 300 --rate-limit 5 --fail-rate 0.1 --speed ${speed}\`, restarted with its \`--state\` once half of
the tasks were accepted; a second run adds \`--quirks ${QUIRKS.join(',')}\`. The user clicks Generate until
the emulator has accepted the tasks, confirming "Send again" when the page asks before a repeat. Then every
row must reach a final state matching \`GET /_emulator/tasks\` (or be an unanswered submit, kept as
"Outcome unknown" and never checked), and the ledger must show each task charged once and each failed one
refunded once.

| quirks | tasks accepted | submit clicks | outcome unknown | failed (refunded) | lost | not final | status mismatches | rows unknown to the API | duplicate charges | refund errors (credits) | status requests per task | run time |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${results.map((r) => r.row).join('\n')}

Verdict: ${results.every((r) => r.ok) ? 'nothing lost, nothing charged twice, every failure refunded once, with and without the quirks' : '**FAILED** (see the non-zero columns)'}.
`,
  };
}

async function runOnce({ tasks, speed, quirks }) {
  const emu = await startEmulator({
    speed,
    errorRate: 0.3,
    latency: 300,
    rateLimit: 5,
    failRate: 0.1,
    quirks,
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
      if (isSubmit(r)) submits++;
    });
    await page.goto(app.url);
    await readyShortSample(page, DEMO_KEY);

    // The user clicks Generate until the emulator has accepted `tasks` tasks;
    // a refused submit shows an error and is not retried by the page itself.
    // The same form again makes the page ask first: the user confirms.
    let restarted = false;
    let clicks = 0;
    const deadline = Date.now() + 120_000 + tasks * 6_000;
    while ((await emu.tasks()).length < tasks) {
      if (++clicks > tasks * 8 || Date.now() > deadline) throw new Error(`only ${(await emu.tasks()).length} of ${tasks} tasks accepted after ${clicks - 1} clicks`);
      await waitForGenerateReady(page, 30_000);
      const answered = Promise.race([
        page.waitForResponse(isSubmit, { timeout: 70_000 }),
        page.waitForEvent('requestfailed', { predicate: isSubmit, timeout: 70_000 }),
      ]);
      await generateButton(page).click();
      const again = page.locator('#confirm-send');
      const asked = await Promise.race([answered.then(() => false), again.waitFor({ timeout: 10_000 }).then(() => true, () => false)]);
      if (asked) await again.click();
      await answered;
      if (!restarted && (await emu.tasks()).length >= tasks / 2) {
        await emu.restart(); // mid-run, with the same --state
        restarted = true;
      }
    }
    if (!restarted) await emu.restart();

    // Every task reaches a final state in the page. The list shows 20 rows at first: the user
    // opens the older ones (unanswered submits make more rows than tasks).
    const older = page.getByRole('button', { name: /^Show \d+ older/ });
    const rows = async () => {
      while (await older.isVisible()) await older.click();
      return taskRows(page).evaluateAll((els) => els.map((e) => ({ id: e.getAttribute('data-task-id'), status: e.getAttribute('data-status') })));
    };
    const settled = (r) => FINAL.includes(r.status) || r.status === UNKNOWN;
    await waitUntil(async () => {
      const r = await rows();
      return r.filter((x) => x.status !== UNKNOWN).length >= tasks && r.every(settled);
    }, { timeoutMs: 240_000, intervalMs: 500, what: 'every task final in the page' }).catch(() => {});
    const seconds = (Date.now() - started) / 1000;

    const allRows = await rows();
    const unanswered = allRows.filter((r) => r.status === UNKNOWN);
    const pageRows = allRows.filter((r) => r.status !== UNKNOWN);
    const listed = await emu.tasks();
    const account = await emu.account(DEMO_KEY);
    const pageIds = new Set(pageRows.map((r) => r.id));
    const lost = listed.filter((t) => !pageIds.has(String(t.task_id))).length;
    const notFinal = pageRows.filter((r) => !FINAL.includes(r.status)).length;
    const mismatched = listed.filter((t) => {
      const row = pageRows.find((r) => r.id === String(t.task_id));
      return row && row.status !== t.status;
    }).length;
    const phantom = pageRows.filter((r) => !listed.some((t) => String(t.task_id) === r.id)).length;
    const costs = listed.reduce((a, t) => a + t.cost, 0);
    const failedCosts = listed.filter((t) => t.status === 'failed').reduce((a, t) => a + t.cost, 0);
    const duplicateCharges = account.charged - costs;
    const refundErrors = account.refunded - failedCosts;
    const failed = listed.filter((t) => t.status === 'failed').length;
    const result = {
      quirks,
      tasks: listed.length,
      submits,
      outcomeUnknown: unanswered.length,
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
    const name = quirks.length ? 'Chaos run with quirks' : 'Chaos run';
    return {
      ...result,
      ok,
      summary: `| ${name} (${tasks} tasks, faults, restart${quirks.length ? `, ${quirks.length} quirks` : ''}) | 0 lost, 0 duplicate charges, failures refunded once | ${lost} lost, ${duplicateCharges} duplicate charges, ${refundErrors} refund errors, ${result.requestsPerTask.toFixed(1)} requests/task | ${ok ? 'met' : '**missed**'} |\n`,
      row: `| ${quirks.length ? quirks.join(', ') : 'none'} | ${listed.length} | ${submits} | ${unanswered.length} | ${failed} | **${lost}** | ${notFinal} | ${mismatched} | ${phantom} | **${duplicateCharges}** | ${refundErrors} | ${result.requestsPerTask.toFixed(1)} | ${seconds.toFixed(0)} s |`,
    };
  } finally {
    await context.close();
    await app.close();
    await emu.stop();
  }
}
