// Every way it can go wrong, as the words a user sees and the state left behind.

import assert from 'node:assert/strict';
import { journey, DEMO_KEY } from './harness.mjs';
import {
  choose, description, enter, field, generate, generateButton, proCost, see, setKey, taskRow, taskRows, trySample, waitForCost, waitForStatus,
} from './ui.mjs';

journey('A bad key: "API key rejected", settings open, nothing created', async (s) => {
  const { page, emu } = s;
  await setKey(page, 'sk_not_a_real_key');
  await trySample(page);
  await waitForCost(page, 20);
  const answered = page.waitForResponse((r) => r.request().method() === 'POST');
  await generateButton(page).click();
  assert.equal((await answered).status(), 401);
  await see(page, /API key rejected/);
  await field(page, 'API key').waitFor({ state: 'visible' });
  // The form keeps what the user typed; no task was made or charged.
  assert.equal(await field(page, 'Image URL').inputValue(), emu.sample('portrait-1.png'));
  assert.equal(await taskRows(page).count(), 0);
  assert.deepEqual(await emu.tasks(), []);
  assert.equal((await emu.account(DEMO_KEY)).charged, 0);
  await s.screenshot('error-401');
});

journey('Not enough credits: the 402 in words, nothing charged, form kept', { emulator: { keys: { sk_demo: 500, sk_poor: 5 } } }, async (s) => {
  const { page, emu } = s;
  await setKey(page, 'sk_poor');
  await trySample(page);
  await waitForCost(page, 20);
  const answered = page.waitForResponse((r) => r.request().method() === 'POST');
  await generateButton(page).click();
  assert.equal((await answered).status(), 402);
  await see(page, 'Not enough credits: this request costs 20, the key has 5');
  assert.deepEqual(await emu.account('sk_poor'), { credits: 5, charged: 0, refunded: 0 });
  assert.deepEqual(await emu.tasks(), []);
  assert.equal(await taskRows(page).count(), 0);
  assert.equal(await field(page, 'Image URL').inputValue(), emu.sample('portrait-1.png'));
  assert.equal(await field(page, 'Audio URL').inputValue(), emu.sample('speech-1.mp3'));
  await generateButton(page).waitFor();
  assert.ok(await generateButton(page).isEnabled(), 'the user can try again (e.g. a cheaper setting)');
  await s.screenshot('error-402');
});

journey('Invalid fields: specific messages, Generate disabled with the reason, nothing sent', async (s) => {
  const { page, emu } = s;
  let posts = 0;
  page.on('request', (r) => { if (r.method() === 'POST') posts++; });
  await setKey(page, DEMO_KEY);
  await trySample(page);
  await waitForCost(page, 20);

  // A non-http(s) scheme is refused with a message beside the field, tied to it for screen readers.
  await enter(page, 'Image URL', 'ftp://example.com/portrait.png');
  const image = field(page, 'Image URL');
  await see(page, 'Image URL must start with http:// or https://.');
  assert.equal(await image.getAttribute('aria-invalid'), 'true');
  assert.match(await description(image), /http:\/\/ or https:\/\//, 'the message is the field\'s description');
  assert.ok(await generateButton(page).isDisabled(), 'Generate is disabled while the form is invalid');
  assert.match(await description(generateButton(page)), /Image URL/, 'the disabled Generate says why');

  // Pasted with whitespace around it: accepted, cleaned.
  await enter(page, 'Image URL', `  ${emu.sample('portrait-1.png')}\n`);
  assert.equal(await image.inputValue(), emu.sample('portrait-1.png'));
  assert.equal(await image.getAttribute('aria-invalid'), 'false');

  // An over-long motion prompt: the counter and the message say so.
  await enter(page, 'Motion prompt', 'a'.repeat(2001));
  await see(page, /2001\s*\/\s*2000/);
  await see(page, /2000/);
  assert.ok(await generateButton(page).isDisabled());
  assert.match(await description(generateButton(page)), /[Mm]otion prompt/);

  // An empty audio URL.
  await enter(page, 'Motion prompt', '');
  await enter(page, 'Audio URL', '');
  await see(page, /Audio URL is required/);
  assert.equal(await field(page, 'Audio URL').getAttribute('aria-invalid'), 'true');
  assert.ok(await generateButton(page).isDisabled());
  assert.match(await description(generateButton(page)), /Audio URL/);
  await s.screenshot('error-invalid-fields', page, { at: generateButton(page) });

  // Fixed: enabled again, with the cost.
  await enter(page, 'Audio URL', emu.sample('speech-1.mp3'));
  await waitForCost(page, 20);
  assert.ok(await generateButton(page).isEnabled());
  assert.equal(posts, 0, 'no request was sent while the form was invalid');
  assert.deepEqual(await emu.tasks(), []);
});

journey('A failed task: the provider\'s error, "refunded" in the row, the ledger agrees', { emulator: { failRate: 1 } }, async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  await trySample(page);
  await waitForCost(page, 20);
  const id = await generate(page);
  const row = await waitForStatus(page, id, 'failed');
  // The provider's own words, and the page's statement of the refund with the amount.
  const { error } = await (await emu.api(`/api/v2/avatar/tasks/${id}`)).json();
  assert.ok(error?.message, 'the emulator explains the failure');
  await see(row, error.message);
  await see(row, /\b20 credits\b[^.]*\brefunded\b|\brefunded\b[^.]*\b20 credits\b/i);
  assert.deepEqual(await emu.account(DEMO_KEY), { credits: 500, charged: 20, refunded: 20 });
  const [task] = await emu.tasks();
  assert.equal(task.status, 'failed');
  assert.equal(task.refunded, true);
  assert.equal(await row.locator('video').count(), 0, 'no video for a failed task');
  await s.screenshot('error-failed-refunded');
});

// Retry-After 3 s: longer than the page's own back-off after one failure, so only a page that
// honours the header waits that long.
journey('Rate limited: the page waits as Retry-After says and the task still completes', { emulator: { rateLimit: 2, retryAfter: 3, speed: 20 } }, async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  await trySample(page);
  await choose5s(page);
  const id = await generate(page);

  // Another client on the same key uses up the budget until the page gets a 429.
  // Times come from the browser's own resource timing: Node's clock would be late while the
  // hammers below keep its event loop busy, making a correct wait look too short.
  const log = [];
  page.on('response', (r) => {
    if (!r.url().includes('/tasks/')) return;
    const t = r.request().timing();
    log.push({ sent: t.startTime, received: t.startTime + t.responseStart, status: r.status(), retryAfter: r.headers()['retry-after'] });
  });
  let stop = false;
  const hammer = async () => {
    while (!stop) await emu.api('/api/v2/avatar/tasks/someone-else').then((r) => r.arrayBuffer()).catch(() => {});
  };
  const hammers = [hammer(), hammer()];
  await page.waitForResponse((r) => r.url().includes('/tasks/') && r.status() === 429, { timeout: 60_000 });
  stop = true;
  await Promise.all(hammers);

  await waitForStatus(page, id, 'completed');
  const first429 = log.findIndex((e) => e.status === 429);
  const retryAfter = Number(log[first429].retryAfter);
  assert.equal(retryAfter, 3, `a 429 carries Retry-After (got ${log[first429].retryAfter})`);
  const next = log[first429 + 1];
  assert.ok(next, 'the page checked again after the 429');
  const waited = Math.round(next.sent - log[first429].received);
  assert.ok(waited >= retryAfter * 1000 - 150, `the next check came ${waited} ms later; Retry-After was ${retryAfter} s`);
  assert.equal(await taskRow(page, id, 'completed').count(), 1);
  assert.equal((await emu.account(DEMO_KEY)).charged, proCost(1280, 5));
});

journey('Rate limited at submit: the page says how long to wait, never re-sends by itself', { emulator: { rateLimit: 2 } }, async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  await trySample(page);
  await waitForCost(page, 20);
  const posts = [];
  page.on('response', (r) => {
    if (r.request().method() === 'POST') posts.push({ at: Date.now(), status: r.status(), retryAfter: r.headers()['retry-after'] });
  });

  // Another client on the same key keeps the per-second budget used up. The
  // click loses the race for the budget unless it lands in the first
  // millisecond of a second; then the task is removed and it tries again.
  let stop = false;
  const hammer = async () => {
    while (!stop) await emu.api('/api/v2/avatar/tasks/someone-else').then((r) => r.arrayBuffer()).catch(() => {});
  };
  const hammers = [hammer(), hammer()];
  let limited = null;
  for (let attempt = 0; attempt < 3 && !limited; attempt++) {
    await emu.waitForTasks(() => true); // the hammer is running
    const answered = page.waitForResponse((r) => r.request().method() === 'POST');
    await generateButton(page).click();
    const res = await answered;
    if (res.status() === 429) limited = res;
    else await taskRows(page).first().getByRole('button', { name: /^Remove/ }).click();
  }
  stop = true;
  await Promise.all(hammers);
  assert.ok(limited, 'the submit was rate limited');

  await see(page, /try again in \d+ s/i);
  assert.ok(await generateButton(page).isDisabled(), 'Generate waits as Retry-After says');
  // The user may submit again once the wait is over; the page did not re-send on its own.
  await page.waitForFunction(
    () => [...document.querySelectorAll('button')].some((b) => /^\s*Generate\b/.test(b.textContent) && !b.disabled && b.getAttribute('aria-disabled') !== 'true'),
    null,
    { timeout: 15_000 },
  );
  const before = posts.length;
  const id = await generate(page);
  assert.equal(posts.length, before + 1);
  const last429 = posts.filter((p) => p.status === 429).at(-1);
  const resent = posts.at(-1);
  assert.ok(resent.at - last429.at >= Number(last429.retryAfter) * 1000 - 150, `sent again ${resent.at - last429.at} ms after a 429 with Retry-After ${last429.retryAfter}`);
  await waitForStatus(page, id, 'completed');
  const tasks = await emu.tasks();
  assert.ok(tasks.some((t) => t.task_id === id));
  assert.equal(tasks.length, posts.filter((p) => p.status === 202).length, 'a task for each accepted submit, none for a 429');
  assert.equal((await emu.account(DEMO_KEY)).charged, 20 * tasks.length, 'only accepted submits were charged');
});

async function choose5s(page) {
  await choose(page, 'Duration', /^5\b/);
  await waitForCost(page, proCost(1280, 5));
}
