// Nothing lost, nothing charged twice: outages, reloads, tabs, double clicks.

import assert from 'node:assert/strict';
import { journey, waitUntil, DEMO_KEY } from './harness.mjs';
import {
  assertPlayableVideo, choose, generate, generateButton, isSubmit, proCost, repeatQuestion, see, setKey, taskIdOf, taskRow,
  stored, taskRows, trySample, waitForCost, waitForGenerateReady, waitForStatus,
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
  const saved = () => page.evaluate((name) => JSON.parse(localStorage.getItem(name)).tasks.map((t) => t.task_id).sort(), stored('tasks'));
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

journey('A person\'s double clicks send once; a deliberate second send of the same form asks first', async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  await trySample(page);
  const posts = [];
  page.on('request', (r) => { if (isSubmit(r)) posts.push(r); });
  const button = page.locator('#generate'); // whatever it says at the moment of the click
  const ids = [];

  /** Clicks Generate `clicks` times, `gapMs` apart, as a hand does, and returns the one task it made. */
  async function clicksApart(gapMs, clicks = 2) {
    await waitForGenerateReady(page);
    const before = posts.length;
    const answered = page.waitForResponse(isSubmit);
    for (let i = 0; i < clicks; i++) {
      if (i) await page.waitForTimeout(gapMs); // the person's timing: the one place a pause is the point
      await button.click({ force: true }); // lands on the button whatever it shows (Playwright would wait out aria-disabled)
    }
    const id = taskIdOf(await (await answered).text());
    await taskRow(page, id).waitFor();
    assert.equal(posts.length, before + 1, `${clicks} clicks ${gapMs} ms apart sent ${posts.length - before} requests`);
    ids.push(id);
    return id;
  }

  // Each pair on another form, so none of them is a repeat of an earlier request.
  const forms = [[5, 720], [10, 720], [5, 1280], [10, 1280]];
  const cost = ([seconds, edge]) => proCost(edge, seconds);
  const pick = async ([seconds, edge]) => {
    await choose(page, 'Duration', new RegExp(`^\\s*${seconds}\\b`));
    await choose(page, 'Resolution', new RegExp(`^\\s*${edge}`));
    await waitForCost(page, cost([seconds, edge]));
  };
  await pick(forms[0]);
  await waitForGenerateReady(page);
  const first = page.waitForResponse(isSubmit);
  await button.dblclick(); // a real double click (two clicks a few ms apart)
  ids.push(taskIdOf(await (await first).text()));
  assert.equal(posts.length, 1, 'one POST for a double click');
  await pick(forms[1]);
  await clicksApart(150);
  await pick(forms[2]);
  await clicksApart(600);
  // Three clicks in one tick, faster than any person.
  await pick(forms[3]);
  await waitForGenerateReady(page);
  const tick = page.waitForResponse(isSubmit);
  await button.evaluate((b) => { b.click(); b.click(); b.click(); });
  ids.push(taskIdOf(await (await tick).text()));
  assert.equal(posts.length, 4, 'one POST for a triple click in one tick');

  for (const id of ids) await waitForStatus(page, id, 'completed');
  const charged = forms.reduce((a, f) => a + cost(f), 0);
  assert.equal((await emu.tasks()).length, 4);
  assert.deepEqual(await emu.account(DEMO_KEY), { credits: 500 - charged, charged, refunded: 0 });

  // The same form again, on purpose: the page asks first, and sends only once the user confirms.
  await waitForGenerateReady(page);
  await generateButton(page).click();
  const question = repeatQuestion(page);
  await see(question, new RegExp(`^You sent this same request .+ ago for ${cost(forms[3])} credits, and it is in your list.*\\. Send it again and pay again\\?$`));
  assert.equal(posts.length, 4, 'nothing is sent while the page asks');
  const again = page.waitForResponse(isSubmit);
  await question.getByRole('button', { name: `Send again · ${cost(forms[3])} credits` }).click();
  const id = taskIdOf(await (await again).text());
  await waitForStatus(page, id, 'completed');
  assert.equal(posts.length, 5);
  assert.equal((await emu.tasks()).length, 5, 'two tasks of the same form, as asked');
  assert.deepEqual(await emu.account(DEMO_KEY), { credits: 500 - charged - cost(forms[3]), charged: charged + cost(forms[3]), refunded: 0 });
  assert.equal(await taskRows(page).count(), 5);
  assert.equal(await taskRows(page).first().getAttribute('data-task-id'), id, 'newest first');
});
