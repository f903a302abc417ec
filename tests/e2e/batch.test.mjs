// Batches (README, "Using the page"): a person adds variants of one portrait, sees each row's price
// and the total on the button, and sends them: one POST per row, one after another, each once. An
// answer that stops the batch (here a 402) says which rows were charged and which were not sent, and
// nothing more goes out until the person chooses; a reload in the middle never sends the rest.

import assert from 'node:assert/strict';
import { journey, waitUntil, DEMO_KEY } from './harness.mjs';
import { generateButton, isSubmit, proCost, readyShortSample, see, stored, taskRows, waitForStatus } from './ui.mjs';

/** Adds a variant as a person does (a click, then a pause) and returns its row number. */
async function addVariant(page) {
  await page.getByRole('button', { name: 'Add variant' }).click();
  await page.waitForTimeout(150);
  return page.locator('#variants .variant').count();
}

/** The variant's input (or select) for a field label, e.g. variant 3's "Motion prompt". */
const cell = (page, n, label) => page.getByLabel(`Variant ${n}: ${label}`, { exact: true });

/** Records every submit with when it left and when its answer came. */
function watchSubmits(page) {
  const posts = [];
  page.on('request', (r) => { if (isSubmit(r)) posts.push({ body: r.postDataJSON(), sent: Date.now(), answered: null }); });
  page.on('requestfinished', (r) => {
    if (!isSubmit(r)) return;
    const p = posts.find((x) => x.answered == null);
    if (p) p.answered = Date.now();
  });
  return posts;
}

/** Four rows on the first sample: 5 s at 720 px, then 1280 px, a motion prompt, then 10 s. */
async function fourRows(page) {
  await readyShortSample(page, DEMO_KEY);
  assert.equal(await addVariant(page), 2);
  await cell(page, 2, 'Resolution').selectOption({ label: '1280 px' });
  assert.equal(await addVariant(page), 3);
  await cell(page, 3, 'Resolution').selectOption({ label: '720 px' });
  await cell(page, 3, 'Motion prompt').fill('nods, then smiles');
  assert.equal(await addVariant(page), 4);
  await cell(page, 4, 'Duration').selectOption({ label: '10 s' });
  return proCost(720, 5) + proCost(1280, 5) + proCost(720, 5) + proCost(720, 10);
}

journey('Batch: four variants, one total, sent one after another, each charged once', async (s) => {
  const { page, emu } = s;
  const posts = watchSubmits(page);
  const total = await fourRows(page);
  await see(page.locator('#batch-total'), String(total));
  await see(generateButton(page), `Generate 4 videos · ${total} credits`);
  // A double click is one batch.
  await generateButton(page).dblclick();
  await waitUntil(async () => (await emu.tasks()).length === 4, { what: 'four tasks' });
  await page.waitForTimeout(1_000);
  assert.equal(posts.length, 4, 'one POST per row, none twice');
  for (let i = 1; i < posts.length; i++) {
    assert.ok(posts[i].sent >= posts[i - 1].answered, `row ${i + 1} left after row ${i}'s answer`);
  }
  assert.deepEqual(posts.map((p) => [p.body.resolution, p.body.duration, p.body.motion_prompt ?? null]),
    [[720, 5, null], [1280, 5, null], [720, 5, 'nods, then smiles'], [720, 10, 'nods, then smiles']], 'a new variant starts as a copy of the last');
  await see(page.locator('.notice'), /Batch sent\. Sent and charged: variants 1, 2, 3 and 4/);
  const ids = (await emu.tasks()).map((t) => t.task_id);
  for (const id of ids) await waitForStatus(page, id, 'completed');
  await see(taskRows(page).first(), 'Batch · variant 4 of 4 · 4 of 4 finished');
  assert.equal((await emu.account(DEMO_KEY)).charged, total, 'the ledger charged exactly the total');
  await s.screenshot('batch', page, { at: page.locator('#variants') });
  // The same batch again asks first, and "Don't send" sends nothing.
  await page.waitForTimeout(2_000);
  await generateButton(page).click();
  const question = page.getByRole('alertdialog');
  await see(question, 'Variants 1, 2, 3 and 4 of this batch repeat a request you sent in the last 10 minutes');
  await see(question, `Send again · ${total} credits`);
  await question.getByRole('button', { name: "Don't send" }).click();
  await page.waitForTimeout(500);
  assert.equal(posts.length, 4, 'nothing more was sent');
});

journey('Batch stopped by a 402 at the third row: two charged once, the rest not sent, named', {
  emulator: { keys: { sk_two: 16 } },
}, async (s) => {
  const { page, emu } = s;
  const posts = watchSubmits(page);
  await readyShortSample(page, 'sk_two');
  for (let n = 2; n <= 4; n++) assert.equal(await addVariant(page), n);
  await see(generateButton(page), 'Generate 4 videos · 32 credits');
  await generateButton(page).click();
  const status = page.locator('#batch-status');
  await see(status, 'Sent and charged: variants 1 and 2 (16 credits). Not sent: variants 3 and 4.');
  await see(page.locator('.notice.error'), /The batch stopped: .*credits/);
  await see(status, 'Send the remaining 2 · 16 credits');
  await page.waitForTimeout(1_000);
  assert.equal(posts.length, 3, 'rows 1 and 2, then the refused third; the fourth never left');
  assert.equal((await emu.tasks()).length, 2);
  assert.equal((await emu.account('sk_two')).charged, 16, 'the first two charged once');
  // Declining sends nothing and forgets the rest.
  await status.getByRole('button', { name: "Don't send them" }).click();
  await page.waitForTimeout(500);
  assert.equal(posts.length, 3);
  assert.equal(await page.evaluate((n) => localStorage.getItem(n), stored('batch')), null);
});

journey('Batch interrupted by a reload: what was out is "outcome unknown", the rest is offered, never sent by itself', {
  emulator: { latency: 1_000 },
}, async (s) => {
  const { page, emu } = s;
  const posts = watchSubmits(page);
  await fourRows(page);
  await generateButton(page).click();
  // Reload once the first row is answered: the second is then out for a second, so at least the
  // fourth is never sent before the page goes (with the reload only after two answers, a busy
  // machine let the third answer and the fourth leave, and nothing was left to offer).
  await waitUntil(() => posts.filter((p) => p.answered).length >= 1, { what: 'the first row answered' });
  await page.reload();
  const afterReload = posts.length;
  const status = page.locator('#batch-status');
  await see(status, 'The page was closed while the batch was being sent.');
  await see(status, /Not sent: variants? /);
  await page.waitForTimeout(3_000);
  assert.equal(posts.length, afterReload, 'nothing was sent by itself after the reload');
  // Every row that left is in the list: accepted ones by their id, the one in flight as outcome unknown.
  const accepted = (await page.evaluate((n) => JSON.parse(localStorage.getItem(n)), stored('tasks'))).tasks;
  const left = posts.length;
  // (A row saved as going out whose request never left counts as unknown too: the page cannot tell.)
  assert.ok(accepted.length >= left && accepted.length <= left + 1, `${left} rows left the page and ${accepted.length} are listed`);
  assert.ok(accepted.every((t) => t.batch?.size === 4));
  const unknown = accepted.filter((t) => t.state.startsWith('outcome-unknown'));
  assert.ok(unknown.length <= 1, 'at most the one in flight');
  // Sending the rest is the person's choice, and sends only the rows never sent.
  const rest = 4 - accepted.length;
  await status.getByRole('button', { name: new RegExp(`Send the remaining ${rest}`) }).click();
  await waitUntil(() => posts.length === left + rest, { what: 'the rest sent' });
  await page.waitForTimeout(1_500);
  assert.equal(posts.length, left + rest, 'each row left once');
  assert.ok((await emu.tasks()).length <= 4);
});

journey('Batch on a phone: each variant a card of labelled fields that fits the screen', { viewport: 'phone' }, async (s) => {
  const { page } = s;
  await readyShortSample(page, DEMO_KEY);
  assert.equal(await addVariant(page), 2);
  await cell(page, 2, 'Motion prompt').fill('nods, then smiles');
  assert.equal(await addVariant(page), 3);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
  for (const n of [2, 3]) {
    const box = await page.locator('#variants .variant').nth(n - 1).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `variant ${n} fits: ${JSON.stringify(box)}`);
  }
  await see(page.locator('#batch-total'), /\d/);
  await s.screenshot('batch-phone', page, { at: page.locator('#variants') });
});
