// The real API's ways, one emulator quirk at a time (crates/avatar-emulator/README.md, "Quirks"),
// and the page's polling policy for tasks that go wrong slowly: what the user reads, where, and
// what the ledger says afterwards. In every journey nothing is charged twice, no task is left
// checked forever or lost, and after the trouble Generate and the other tasks still work.

import assert from 'node:assert/strict';
import { journey, waitUntil, DEMO_KEY } from './harness.mjs';
import {
  assertPlayableVideo, enter, field, generate, generateButton, isSubmit, openSettings, readyShortSample, repeatQuestion,
  see, setKey, stored, taskIdOf, taskList, taskRow, taskRows, waitForGenerateReady, waitForStatus,
} from './ui.mjs';

/** readyShortSample's video: 5 s at 720 px. */
const COST = 8;
const SHORT = { seconds: 5, longEdge: 720 };
/** A key that affords less than one short video. */
const POOR = 'sk_poor';
const KEYS = { [DEMO_KEY]: 500, [POOR]: 5 };

/** The page's error notice (role=alert), once it says something matching `pattern`. */
async function errorNotice(page, pattern, timeout = 15_000) {
  const words = page.locator('.notice.error[role="alert"] > span');
  await see(words, pattern, timeout);
  return (await words.innerText()).replace(/\s+/g, ' ').trim();
}

/** Clicks Generate once and returns the API's answer to that submit (whatever its status). */
async function submitOnce(page) {
  await waitForGenerateReady(page);
  const answered = page.waitForResponse(isSubmit);
  await generateButton(page).click();
  return answered;
}

/** Counts the page's status requests per task id (GET …/tasks/<id>). */
function countChecks(page) {
  const checks = new Map();
  page.on('request', (r) => {
    const m = /\/tasks\/([^/?#]+)/.exec(r.url());
    if (m && r.method() === 'GET') {
      const id = decodeURIComponent(m[1]);
      if (!checks.has(id)) checks.set(id, []);
      checks.get(id).push(Date.now());
    }
  });
  return { of: (id) => checks.get(id)?.length ?? 0, times: (id) => checks.get(id) ?? [], all: checks };
}

/** After the trouble: a new short video goes all the way to a playing video, and is charged once. */
async function stillGenerates(s, { again = false } = {}) {
  const { page, emu } = s;
  const before = (await emu.account(DEMO_KEY)).charged;
  const id = await generate(page, { again });
  await waitForStatus(page, id, 'completed');
  await assertPlayableVideo(page, id, SHORT);
  assert.equal((await emu.account(DEMO_KEY)).charged, before + COST, 'the new video was charged once');
  return id;
}

/** The row of the submit whose outcome is unknown: its own status, badge and local id. */
async function outcomeUnknownRow(page) {
  const row = taskList(page).locator('[data-status="outcome-unknown"]');
  await row.first().waitFor();
  assert.equal(await row.count(), 1, 'one row for the unanswered submit');
  assert.match(await row.getAttribute('data-task-id'), /^unsent-\d+$/);
  await see(row, 'Outcome unknown');
  return row;
}

/** A stored task as the page kept it in localStorage in format version 2 (migrated on load; see src/tasks/format.rs). */
function storedTask(emu, task_id, fields = {}) {
  return {
    task_id,
    model: 'avatar-pro',
    request: { image_url: emu.sample('portrait-2.png'), audio_url: emu.sample('speech-1.mp3'), duration: 5, resolution: 720, framerate: 25 },
    credits: COST,
    submitted_ms: Date.now(),
    status: 'processing',
    progress: null,
    video_url: null,
    error: null,
    finished_ms: null,
    unknown: false,
    check_problem: null,
    ...fields,
  };
}

/** Opens the app on a profile that already holds these tasks, as after earlier visits. */
async function openWithTasks(s, tasks) {
  const setup = await s.context.newPage();
  await setup.goto(`${s.app.url}config.json`);
  await setup.evaluate(([name, v]) => localStorage.setItem(name, v), [stored('tasks'), JSON.stringify({ version: 2, tasks, history: [] })]);
  await setup.close();
  s.page = await s.newPage();
  return s.page;
}

/** Submits a short video straight to the API (another client of the same key) and returns its id. */
async function submitElsewhere(emu) {
  const res = await emu.api('/api/v2/avatar/generate', {
    method: 'POST',
    body: { image_url: emu.sample('portrait-1.png'), audio_url: emu.sample('speech-1.mp3'), duration: 5, resolution: 720 },
  });
  const text = await res.text();
  assert.equal(res.status, 202, text);
  return taskIdOf(text);
}

// ---------------------------------------------------------------------------
// Error answers in other shapes than the documented JSON envelope

journey('Quirk html-errors: 401 and 402 as web pages still read as the key and the credits, Check key too', { emulator: { quirks: ['html-errors'], keys: KEYS } }, async (s) => {
  const { page, emu } = s;
  await readyShortSample(page, 'sk_wrong_key_0000');
  assert.equal((await submitOnce(page)).status(), 401);
  assert.equal(await errorNotice(page, 'API key rejected'), 'API key rejected: check the key in Settings.');
  await field(page, 'API key').waitFor({ state: 'visible' });

  // Check key says the same, in Settings.
  await page.locator('#check-key').click();
  await see(page.locator('#settings'), 'API key rejected: the API does not accept this key.');

  // A key with too few credits: the 402 page has no numbers, so the page quotes what it says.
  await setKey(page, POOR);
  assert.equal((await submitOnce(page)).status(), 402);
  const text = await errorNotice(page, /^Not enough credits/);
  assert.equal(text, 'Not enough credits for this request: “402 Payment Required”.');
  assert.doesNotMatch(text, /No answer came back/, 'a 402 is a clear refusal, not an unknown outcome');
  assert.equal(await taskRows(page).count(), 0, 'a refused submit makes no row');

  // Check key with a good key: the API's "no such task" comes as a web page too, which the page
  // cannot tell from a base URL leading to some other site (only the API's JSON 404 proves the key valid).
  await setKey(page, DEMO_KEY);
  await openSettings(page);
  await page.locator('#check-key').click();
  const checked = page.locator('#settings .check-result');
  await page.waitForFunction(() => {
    const text = document.querySelector('#settings .check-result')?.textContent.trim();
    return text && !/^Checking/.test(text);
  });
  assert.equal(
    (await checked.innerText()).trim(),
    'The API base URL does not lead to the API: it answered with a web page (HTTP 404: “404 Not Found”). Check the API base URL in Settings.',
  );

  await stillGenerates(s);
  assert.deepEqual(await emu.account(POOR), { credits: 5, charged: 0, refunded: 0 });
  assert.equal((await emu.tasks()).length, 1);
});

journey('Quirk no-cors-on-errors: a 402 the browser hides is an unknown outcome with the CORS advice, not a charge', { emulator: { quirks: ['no-cors-on-errors'], keys: KEYS } }, async (s) => {
  const { page, emu } = s;
  const checks = countChecks(page);
  await readyShortSample(page, POOR);
  const failed = page.waitForEvent('requestfailed', { predicate: isSubmit });
  await generateButton(page).click();
  await failed;

  const text = await errorNotice(page, /^No answer came back:/);
  assert.match(text, /\(CORS\)/);
  assert.match(text, /same-origin proxy/);
  assert.match(text, new RegExp(`may have been accepted and charged ${COST} credits`));
  const row = await outcomeUnknownRow(page);
  assert.deepEqual(await emu.account(POOR), { credits: 5, charged: 0, refunded: 0 }, 'the hidden 402 charged nothing');
  assert.deepEqual(await emu.tasks(), []);

  // With a good key the same request asks first (the earlier one may have been charged), then goes.
  await setKey(page, DEMO_KEY);
  await waitForGenerateReady(page);
  await generateButton(page).click();
  await see(repeatQuestion(page), /no answer came back/);
  const id = await stillGenerates(s, { again: true });
  assert.equal(await taskRows(page).count(), 2);
  assert.equal(await row.getAttribute('data-status'), 'outcome-unknown', 'the unanswered submit stays as it was');
  const local = await row.getAttribute('data-task-id');
  assert.equal(checks.of(local), 0, 'the page never asks the API about its own id');
  assert.ok(checks.of(id) > 0);
});

journey('Quirk no-expose-retry-after: a 429 whose wait is hidden says "wait a moment" and holds Generate briefly', { emulator: { quirks: ['no-expose-retry-after'], rateLimit: 2, keys: KEYS } }, async (s) => {
  const { page, emu } = s;
  await readyShortSample(page, DEMO_KEY);
  const posts = [];
  page.on('response', (r) => { if (isSubmit(r)) posts.push({ at: Date.now(), status: r.status() }); });

  // Another client on the same key keeps the per-second budget used up; the click loses the race
  // for it unless it lands at the start of a second (then that task is removed and it tries again).
  let stop = false;
  const hammer = async () => {
    while (!stop) await emu.api('/api/v2/avatar/tasks/someone-else').then((r) => r.arrayBuffer()).catch(() => {});
  };
  const hammers = [hammer(), hammer()];
  let limitedAt = null;
  try {
    for (let attempt = 0; attempt < 3 && !limitedAt; attempt++) {
      const res = await submitOnce(page);
      if (res.status() === 429) limitedAt = Date.now();
      else {
        await taskRows(page).first().getByRole('button', { name: /^Remove/ }).click();
        // The removed task is no longer "in the list": the same request goes without a question.
      }
    }
  } finally {
    stop = true;
    await Promise.all(hammers);
  }
  assert.ok(limitedAt, 'the submit was rate limited');

  assert.equal(await errorNotice(page, /^Too many requests/), 'Too many requests: wait a moment before trying again.');
  assert.equal(await generateButton(page).getAttribute('aria-disabled'), 'true', 'Generate waits a little by itself');
  await waitForGenerateReady(page, 15_000);
  const held = Date.now() - limitedAt;
  assert.ok(held >= 3_000 && held <= 10_000, `Generate was held ${held} ms (about 5 s expected)`);
  assert.equal(posts.filter((p) => p.at > limitedAt).length, 0, 'the page did not re-send by itself');

  const id = await generate(page);
  await waitForStatus(page, id, 'completed');
  const tasks = await emu.tasks();
  assert.equal(tasks.length, posts.filter((p) => p.status === 202).length, 'a task for each accepted submit, none for a 429');
  assert.equal((await emu.account(DEMO_KEY)).charged, COST * tasks.length);
});

for (const quirk of ['wrapped', 'nested-url', 'numeric-ids', 'capitalized-status']) {
  journey(`Quirk ${quirk}: the whole journey to a playing video, charged once`, { emulator: { quirks: [quirk] } }, async (s) => {
    const { page, emu } = s;
    await readyShortSample(page, DEMO_KEY);
    const id = await generate(page);
    const row = await waitForStatus(page, id, 'completed');
    await assertPlayableVideo(page, id, SHORT);
    await see(row, 'Ready');
    const tasks = await emu.tasks();
    assert.deepEqual(tasks.map((t) => String(t.task_id)), [id], 'the row is the task the API made');
    assert.equal(tasks[0].status, 'completed');
    assert.deepEqual(await emu.account(DEMO_KEY), { credits: 500 - COST, charged: COST, refunded: 0 });
    assert.equal(await page.locator('.notice.error').count(), 0, 'no error shown');
    assert.equal(await taskRows(page).count(), 1);
  });
}

for (const quirk of ['string-errors', 'detail-errors']) {
  journey(`Quirk ${quirk}: a 402 and a 400 in the provider's other shapes, in words, nothing charged`, { emulator: { quirks: [quirk], keys: KEYS } }, async (s) => {
    const { page, emu } = s;
    // What the API says to a poor key, asked directly: the page must say the same thing in words.
    const direct = await emu.api('/api/v2/avatar/generate', {
      key: POOR,
      method: 'POST',
      body: { image_url: emu.sample('portrait-1.png'), audio_url: emu.sample('speech-1.mp3'), duration: 5, resolution: 720 },
    });
    assert.equal(direct.status, 402);
    const body = await direct.text();

    await readyShortSample(page, POOR);
    assert.equal((await submitOnce(page)).status(), 402);
    const text = await errorNotice(page, /^Not enough credits/);
    // string-errors: {"error": "Insufficient credits", "required": 8, "balance": 5};
    // detail-errors: {"detail": "Insufficient credits: required 8, balance 5"} (numbers only in words).
    const expected = quirk === 'string-errors'
      ? /^Not enough credits: this request costs 8, the key has 5\.$/
      : /^Not enough credits(: this request costs 8, the key has 5| for this request: Insufficient credits: required 8, balance 5)\.$/;
    assert.match(text, expected, `the answer was ${body}`);
    assert.doesNotMatch(text, /[{}]/, `no JSON in the message: "${text}"`);
    assert.deepEqual(await emu.account(POOR), { credits: 5, charged: 0, refunded: 0 });
    assert.equal(await taskRows(page).count(), 0);

    // A field the API refuses (a frame rate the page would never send: the test changes it on the
    // way, since the page's own checks keep such a form from being sent).
    await setKey(page, DEMO_KEY);
    await s.context.route(/\/api\/v2\/avatar\/generate$/, (route) => {
      const sent = JSON.parse(route.request().postData());
      return route.continue({ postData: JSON.stringify({ ...sent, framerate: 7 }) });
    });
    assert.equal((await submitOnce(page)).status(), 400);
    await s.context.unrouteAll();
    const refused = await errorNotice(page, /^The API did not accept the request: \S/);
    assert.doesNotMatch(refused, /[{}]/, `no JSON in the message: "${refused}"`);
    assert.match(refused, /frame ?rate|framerate|fps/i, `the message names the field: "${refused}"`);
    assert.equal((await emu.account(DEMO_KEY)).charged, 0);
    assert.deepEqual(await emu.tasks(), []);

    await stillGenerates(s);
    assert.equal((await emu.tasks()).length, 1);
  });
}

journey('Quirk slow-submit: no answer in 60 s is an unknown outcome; the same request asks first, "Don\'t send" sends nothing', { timeout: 150_000, emulator: { quirks: ['slow-submit'], slowSubmitMs: 70_000 } }, async (s) => {
  const { page, emu } = s;
  const checks = countChecks(page);
  const posts = [];
  page.on('request', (r) => { if (isSubmit(r)) posts.push(Date.now()); });
  await readyShortSample(page, DEMO_KEY);
  await generateButton(page).click();
  // The API took the request and charged it at once; its answer is still on the way.
  await emu.waitForTasks((t) => t.length === 1, { what: 'the API took the request' });
  assert.equal((await emu.account(DEMO_KEY)).charged, COST);
  assert.match(await page.locator('#generate').innerText(), /^Generating/);

  const text = await errorNotice(page, /^No answer came back:/, 75_000);
  assert.match(text, /did not answer within 60 s/);
  assert.match(text, new RegExp(`may have been accepted and charged ${COST} credits`));
  const row = await outcomeUnknownRow(page);

  // Pressing Generate again asks first; "Don't send" sends nothing.
  await waitForGenerateReady(page);
  await generateButton(page).click();
  const question = repeatQuestion(page);
  const asked = (await see(question, /^You sent this same request/).then(() => question.innerText())).replace(/\s+/g, ' ');
  assert.match(asked, new RegExp(`You sent this same request .+ ago for ${COST} credits, and .*no answer came back.*\\. Send it again and pay again\\?`));
  await question.getByRole('button', { name: `Send again · ${COST} credits` }).waitFor();
  await question.getByRole('button', { name: "Don't send" }).click();
  await question.waitFor({ state: 'detached' });
  assert.equal(posts.length, 1, 'nothing was sent after "Don\'t send"');
  assert.deepEqual(await emu.account(DEMO_KEY), { credits: 500 - COST, charged: COST, refunded: 0 }, 'charged once');
  assert.equal((await emu.tasks()).length, 1);
  assert.equal(checks.of(await row.getAttribute('data-task-id')), 0, 'the unanswered submit is never checked');
  assert.equal(await taskRows(page).count(), 1);
  await waitForGenerateReady(page);
});

journey('Quirk waf-403: a firewall refusing a motion prompt says so with its words; a clean prompt then works', { emulator: { quirks: ['waf-403'] } }, async (s) => {
  const { page, emu } = s;
  await readyShortSample(page, DEMO_KEY);
  await enter(page, 'Motion prompt', "nod slowly'; DROP TABLE users; --");
  const res = await submitOnce(page);
  assert.equal(res.status(), 403);
  // The firewall's page, quoted by its title.
  const said = 'The API or a firewall in front of it refused the request (HTTP 403): “403 Forbidden”.';
  assert.equal(await errorNotice(page, said), said);
  assert.equal(await taskRows(page).count(), 0, 'a refused submit makes no row');
  assert.equal((await emu.account(DEMO_KEY)).charged, 0);
  assert.deepEqual(await emu.tasks(), []);

  await enter(page, 'Motion prompt', 'nod slowly and smile');
  await stillGenerates(s);
});

// ---------------------------------------------------------------------------
// Polling policy

journey('The key is changed to a wrong one while a task runs: checks pause with a notice, the right key resumes them', { emulator: { speed: 4 } }, async (s) => {
  const { page, emu } = s;
  const checks = countChecks(page);
  await readyShortSample(page, DEMO_KEY);
  const id = await generate(page);
  await page.waitForResponse((r) => r.url().includes(`/tasks/${id}`) && r.ok(), { timeout: 30_000 });

  await setKey(page, 'sk_wrong_key_0000');
  await errorNotice(page, 'The API rejected the key while checking your tasks: checks are paused until you change the key in Settings.', 60_000);
  const row = taskRow(page, id);
  await see(row, /^Checks paused: /);
  const paused = checks.of(id);

  // The task finishes at the API meanwhile; the page does not ask with the rejected key.
  await emu.waitForTasks((t) => t.find((x) => x.task_id === id)?.status === 'completed', { timeoutMs: 90_000, what: 'the task finished at the API' });
  assert.equal(checks.of(id), paused, 'no checks with the rejected key');
  assert.notEqual(await row.getAttribute('data-status'), 'completed');

  // The right key again: a check at once, and the video.
  const changedAt = Date.now();
  await setKey(page, DEMO_KEY);
  await waitForStatus(page, id, 'completed', 10_000);
  const resumed = checks.times(id).find((t) => t >= changedAt);
  assert.ok(resumed - changedAt < 3_000, `checked ${resumed - changedAt} ms after the key changed (at once expected)`);
  await assertPlayableVideo(page, id, SHORT);
  assert.deepEqual(await emu.account(DEMO_KEY), { credits: 500 - COST, charged: COST, refunded: 0 });
});

journey('A task still running 3 hours after submit gets no automatic checks; "Check again" asks once', async (s) => {
  const { emu } = s;
  const id = await submitElsewhere(emu);
  const old = storedTask(emu, id, { submitted_ms: Date.now() - 3 * 3600_000 });
  const page = await openWithTasks(s, [old]);
  const checks = countChecks(page);
  const row = taskRow(page, id);
  await see(row, 'Automatic checks stopped: the task has run for more than 2 hours.');
  const again = row.getByRole('button', { name: 'Check again' });
  await again.waitFor();

  // Meanwhile a new task is checked as usual all the way to its video: the page is polling, just not the old one.
  await readyShortSample(page, DEMO_KEY);
  const fresh = await generate(page);
  await waitForStatus(page, fresh, 'completed');
  assert.equal(checks.of(id), 0, 'no automatic check of the 3-hour-old task');

  const asked = page.waitForResponse((r) => r.url().includes(`/tasks/${id}`));
  await again.click();
  await asked;
  await waitForStatus(page, id, 'completed');
  await assertPlayableVideo(page, id, SHORT);
  assert.equal(checks.of(id), 1, 'one click, one check');
  assert.deepEqual(await emu.account(DEMO_KEY), { credits: 500 - 2 * COST, charged: 2 * COST, refunded: 0 });
});

journey('A firewall refuses the status checks of one task: "Last check failed", checks back off, other tasks go on', { timeout: 150_000, emulator: { quirks: ['waf-403'] } }, async (s, t) => {
  const { emu } = s;
  const id = 'waf-0001';
  const page = await openWithTasks(s, [storedTask(emu, id, { submitted_ms: Date.now() - 60_000 })]);
  const checks = countChecks(page);
  const row = taskRow(page, id);
  await see(row, /^Last check failed: The API or a firewall in front of it refused the request \(HTTP 403\).*Retrying automatically\.$/, 30_000);
  assert.equal(await row.getAttribute('data-status'), 'processing', 'a refused check is not a verdict on the task');

  // Another task goes all the way while that one keeps failing.
  await readyShortSample(page, DEMO_KEY);
  const fresh = await generate(page);
  await waitForStatus(page, fresh, 'completed');
  await assertPlayableVideo(page, fresh, SHORT);

  // Backing off: over 30 s a steady 2-second poll makes 15 checks; full-jitter backoff from 2 s
  // (doubling, at least 1 s) makes about 5.
  const first = checks.times(id)[0] ?? Date.now();
  await waitUntil(() => Date.now() - first >= 30_000, { timeoutMs: 40_000, intervalMs: 500, what: '30 s of checks' });
  const within = checks.times(id).filter((at) => at - first < 30_000).length;
  t.diagnostic(`checks of the refused task in 30 s: ${within}, at +${checks.times(id).map((at) => ((at - first) / 1000).toFixed(1)).join(', +')} s`);
  assert.ok(within >= 2 && within < 10, `${within} checks of the refused task in 30 s`);
  await see(row, /^Last check failed: /);
  assert.equal((await emu.account(DEMO_KEY)).charged, COST);
});
