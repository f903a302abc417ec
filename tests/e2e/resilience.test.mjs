// Nothing lost, nothing charged twice: outages, reloads, tabs, double clicks.

import assert from 'node:assert/strict';
import { journey, waitUntil, DEMO_KEY } from './harness.mjs';
import {
  assertPlayableVideo, generate, generateButton, proCost, setKey, taskRow, taskRows, trySample, waitForCost,
  waitForStatus,
} from './ui.mjs';

const COST = proCost(1280, 10);

/** Key + sample + defaults (10 s, 1280 px). */
async function ready(page) {
  await setKey(page, DEMO_KEY);
  await trySample(page);
  await waitForCost(page, COST);
}

/** Waits until the page has heard from the API that the task is running. */
function seenProcessing(page) {
  return page.waitForResponse(async (r) => r.url().includes('/tasks/') && r.ok() && (await r.json()).status === 'processing', { timeout: 30_000 });
}

journey('The emulator goes down mid-task and comes back: the task completes, nothing lost', { emulator: { speed: 12 } }, async (s) => {
  const { page, emu } = s;
  await ready(page);
  const processing = seenProcessing(page);
  const id = await generate(page);
  await processing;

  await emu.stop();
  // The page tries, fails, and keeps the task (not failed, not removed).
  await page.waitForEvent('requestfailed', { predicate: (r) => r.url().includes(`/tasks/`), timeout: 60_000 });
  const status = await taskRow(page, id).getAttribute('data-status');
  assert.ok(['pending', 'processing'].includes(status), `while the API is unreachable the task stays "${status}"`);

  await emu.restart();
  await waitForStatus(page, id, 'completed', 90_000);
  await assertPlayableVideo(page, id, { seconds: 10, longEdge: 1280 });
  assert.equal(await taskRows(page).count(), 1);
  assert.deepEqual(await emu.account(DEMO_KEY), { credits: 500 - COST, charged: COST, refunded: 0 });
  assert.equal((await emu.tasks()).length, 1);
});

journey('A reload in the middle of a task: the task is still there and completes', { emulator: { speed: 15 } }, async (s) => {
  const { page, emu } = s;
  await ready(page);
  const processing = seenProcessing(page);
  const id = await generate(page);
  await processing;
  await page.reload();
  await taskRow(page, id).waitFor();
  await waitForStatus(page, id, 'completed');
  await assertPlayableVideo(page, id, { seconds: 10, longEdge: 1280 });
  assert.equal((await emu.tasks()).length, 1, 'the reload did not submit again');
  assert.equal((await emu.account(DEMO_KEY)).charged, COST);
});

journey('A second tab shows the same task and both see it finish', { emulator: { speed: 15 } }, async (s) => {
  const { page, emu } = s;
  await ready(page);
  const id = await generate(page);
  const tab2 = await s.newPage();
  await taskRow(tab2, id).waitFor();
  await waitForStatus(tab2, id, 'completed');
  await waitForStatus(page, id, 'completed');
  await assertPlayableVideo(tab2, id, { seconds: 10, longEdge: 1280 });
  assert.equal(await taskRows(tab2).count(), 1);
  assert.equal((await emu.tasks()).length, 1);
  assert.equal((await emu.account(DEMO_KEY)).charged, COST);
});

journey('Two tabs submit at the same moment, then one removes a task: both tabs agree, nothing lost', { emulator: { speed: 15 } }, async (s) => {
  const { page, emu } = s;
  const tab2 = await s.newPage();
  await ready(page);
  await ready(tab2);
  // Both answers are held until both tabs have asked, then delivered together: each tab saves its
  // new task before it hears of the other's, so the saved lists must merge, not overwrite.
  let arrived = 0;
  let release;
  const together = new Promise((resolve) => { release = resolve; });
  await s.context.route(/\/api\/v2\/avatar\/generate$/, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const response = await route.fetch();
    if (++arrived === 2) release();
    await together;
    return route.fulfill({ response });
  });
  const [a, b] = await Promise.all([generate(page), generate(tab2)]);
  await s.context.unrouteAll();
  for (const tab of [page, tab2]) {
    await taskRow(tab, a).waitFor();
    await taskRow(tab, b).waitFor();
  }
  const saved = () => page.evaluate(() => JSON.parse(localStorage.getItem('avatar-studio.tasks')).tasks.map((t) => t.task_id).sort());
  // Saved at the end of the turn that listed them (and merged across the tabs).
  const both = JSON.stringify([a, b].sort());
  await waitUntil(async () => JSON.stringify(await saved()) === both, { timeoutMs: 5_000, what: 'both tasks saved' });

  // Removing in one tab removes in the other, and a reload does not bring it back.
  await taskRow(tab2, a).getByRole('button', { name: /^Remove/ }).click();
  await taskRow(page, a).waitFor({ state: 'detached' });
  // Two renders at once on a busy machine can take a while.
  await waitForStatus(page, b, 'completed', 150_000);
  await page.reload();
  await taskRow(page, b, 'completed').waitFor();
  assert.equal(await taskRows(page).count(), 1);
  assert.deepEqual(await saved(), [b]);
  assert.equal((await emu.tasks()).length, 2, 'two submits, two tasks');
  assert.equal((await emu.account(DEMO_KEY)).charged, 2 * COST);
});

journey('Fast double clicks on Generate create exactly one task', async (s) => {
  const { page, emu } = s;
  await ready(page);
  let posts = 0;
  page.on('request', (r) => { if (r.method() === 'POST') posts++; });

  // A real double click…
  const first = page.waitForResponse((r) => r.request().method() === 'POST');
  await generateButton(page).dblclick();
  const { task_id: id } = await (await first).json();
  await waitForStatus(page, id, 'completed');
  assert.equal(posts, 1, 'one POST for a double click');
  assert.equal((await emu.tasks()).length, 1);
  assert.equal((await emu.account(DEMO_KEY)).charged, COST);

  // …and two clicks in the same tick, faster than any person.
  const second = page.waitForResponse((r) => r.request().method() === 'POST');
  await generateButton(page).evaluate((b) => { b.click(); b.click(); b.click(); });
  const { task_id: id2 } = await (await second).json();
  await waitForStatus(page, id2, 'completed');
  assert.equal(posts, 2, 'one POST for a triple click in one tick');
  const tasks = await emu.tasks();
  assert.equal(tasks.length, 2);
  assert.deepEqual(await emu.account(DEMO_KEY), { credits: 500 - 2 * COST, charged: 2 * COST, refunded: 0 });
  assert.equal(await taskRows(page).count(), 2);
  assert.equal(await taskRows(page).first().getAttribute('data-task-id'), id2, 'newest first');
});
