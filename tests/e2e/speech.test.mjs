// "A key is all you need": a typed script becomes speech and a described face a
// portrait, through the provider's voice and image endpoints, and the two make a
// video that plays. With a person's timing: steps a moment apart, never in one tick.

import assert from 'node:assert/strict';
import { journey, DEMO_KEY, waitUntil } from './harness.mjs';
import {
  assertPlayableVideo, field, generate, mediaSeconds, proCost, see, setKey, taskList, taskRow, taskRows,
  waitForCost, waitForStatus,
} from './ui.mjs';

const pause = (ms = 150) => new Promise((r) => setTimeout(r, ms));

/** Clicks a maker's button and returns the id of the task its POST created. */
async function make(page, name, path) {
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(path));
  await page.getByRole('button', { name }).click();
  const response = await answered;
  assert.equal(response.status(), 202, `${path} answered ${response.status()}`);
  return (await response.json()).task_id;
}

const SCRIPT = 'Hello! This video was made from a typed script and a described face.';

journey('Only a key: a typed script and a described face become a video that plays', { emulator: { speed: 25 } }, async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);

  // A portrait from a description: 3 credits, upright by default.
  await page.getByText('No photo? Describe a face').click();
  await pause();
  await page.getByLabel('Description', { exact: true }).fill('a friendly woman with short grey hair, green sweater, soft daylight');
  await pause();
  assert.equal(await page.getByLabel('Aspect').inputValue(), '9:16');
  const portraitId = await make(page, /^Make portrait · 3 credits$/, '/api/v2/image/generate');
  const portraitRow = await waitForStatus(page, portraitId, 'completed');
  await see(portraitRow, /Portrait/);
  await see(portraitRow, '768×1344 px');
  await s.screenshot('speech-01-portrait-made');
  await pause();
  await portraitRow.getByRole('button', { name: 'Use as portrait' }).click();
  const portraitUrl = await field(page, 'Image URL').inputValue();
  assert.match(portraitUrl, new RegExp(`^${emu.origin}/results/.+\\.png$`));
  // The latest portraits are offered under the field too.
  await see(page.getByRole('group', { name: 'Portraits you made' }).getByRole('button', { pressed: true }), '');

  // Speech from a script, in the first voice the deployment offers; priced as an estimate.
  await page.getByText('No recording? Write a script').click();
  await pause();
  await page.getByLabel('Script', { exact: true }).fill(SCRIPT);
  await see(page.locator('#script-count'), `${SCRIPT.length} characters × 1 ≈ ${SCRIPT.length} credits (estimate)`);
  assert.ok(!(await page.locator('#script-count').innerText()).includes('characters ·'), 'the count is said once');
  assert.equal(await page.getByLabel(/^Reference voice/).inputValue(), emu.sample('voice-1.wav'));
  const speechButton = page.getByRole('button', { name: `Make speech · ≈${SCRIPT.length} credits (estimate)` });
  await s.screenshot('speech-00-script', page, { at: page.locator('#speech-maker') });
  // Before the first voice request the person confirms it is an estimate (the button
  // says why it will not send, and a click on it says so too).
  await speechButton.click({ force: true });
  await see(page, 'Tick “I understand this is an estimate” first.');
  await page.getByLabel(/I understand this is an estimate/).check();
  await pause();
  const speechId = await make(page, /^Make speech ·/, '/api/v2/voice/clone');
  const speechRow = await waitForStatus(page, speechId, 'completed');
  await see(speechRow, `≈${SCRIPT.length} credits (estimate)`);
  await see(speechRow, /s of speech/);
  await pause();
  await speechRow.getByRole('button', { name: 'Use this speech' }).click();
  const audioUrl = await field(page, 'Audio URL').inputValue();
  assert.match(audioUrl, new RegExp(`^${emu.origin}/results/.+\\.wav$`));

  // A 10 s video for a few seconds of speech: the page says silence would be paid for, and offers Follow audio.
  const seconds = await mediaSeconds(audioUrl);
  assert.ok(seconds > 2 && seconds < 10, `the speech lasts ${seconds} s`);
  await see(page, /of silence/);
  await s.screenshot('speech-02-ready');
  await page.getByRole('button', { name: 'Follow audio' }).click();
  const cost = proCost(1280, seconds);
  await waitForCost(page, cost);

  const videoId = await generate(page);
  await waitForStatus(page, videoId, 'completed');
  await assertPlayableVideo(page, videoId, { seconds, longEdge: 1280 });
  await s.screenshot('speech-03-video');

  // One charge each, exactly what was shown (the speech's estimate is the emulator's rule).
  const account = await emu.account(DEMO_KEY);
  assert.equal(account.charged, 3 + SCRIPT.length + cost);
  assert.equal(account.refunded, 0);

  // After a reload all three are still there, and the list filters by kind.
  await page.reload();
  await waitForStatus(page, speechId, 'completed');
  assert.equal(await taskRows(page).count(), 3);
  await page.getByLabel('Show tasks of one kind').selectOption('speech');
  await pause();
  assert.deepEqual(await taskRows(page).evaluateAll((rows) => rows.map((r) => r.dataset.taskId)), [speechId]);
  await see(taskList(page), 'Use this speech');
});

journey('Bad input at the makers: each problem said where the person acts, nothing sent', async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()); });

  await page.getByText('No recording? Write a script').click();
  await page.getByLabel(/I understand this is an estimate/).check();
  await pause();
  await see(page, 'Write the script: the speech needs at least one word.');
  await page.getByLabel('Script', { exact: true }).fill('Hi.');
  await page.getByLabel(/^Reference voice/).fill(emu.sample('portrait-1.png'));
  await see(page, 'Reference voice URL points to a picture, not a recording: use a .wav or .mp3 of the voice.');
  await page.getByLabel(/^Reference voice/).fill(emu.sample('voice-2.wav'));
  await page.getByLabel('Speed (0.5–2)').fill('3');
  await see(page, 'Speed must be from 0.5 to 2.');
  // A click on a button that may not send focuses the field to fix.
  await page.getByRole('button', { name: /^Make speech ·/ }).click({ force: true });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-speed_ratio');
  await page.getByLabel('Speed (0.5–2)').fill('1.2');
  await pause();

  await page.getByText('No photo? Describe a face').click();
  await pause();
  await see(page, 'Describe the portrait: the prompt is empty.');
  await page.getByLabel('Description', { exact: true }).fill('a face');
  await page.getByLabel(/^Reference images/).fill([1, 2, 3, 4, 5].map((i) => `https://example.test/${i}.png`).join('\n'));
  await see(page, 'GPT Image takes at most 4 reference images; 5 are given.');
  await page.getByLabel('Image model').selectOption('gemini-3.1-flash-image-preview');
  await see(page, '5 of at most 14 reference images.');
  assert.deepEqual(posts, [], 'nothing was sent');
});

journey('A 402 at the speech step: the amount in words, nothing charged', { emulator: { keys: { sk_demo: 500, sk_poor: 5 } } }, async (s) => {
  const { page, emu } = s;
  await setKey(page, 'sk_poor');
  await page.getByText('No recording? Write a script').click();
  await page.getByLabel('Script', { exact: true }).fill(SCRIPT);
  await page.getByLabel(/I understand this is an estimate/).check();
  await pause();
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/v2/voice/clone'));
  await page.getByRole('button', { name: /^Make speech ·/ }).click();
  assert.equal((await answered).status(), 402);
  await see(page, new RegExp(`Not enough credits: this request costs ${SCRIPT.length}, the key has 5`));
  assert.equal(await taskRows(page).count(), 0, 'no task for a refused request');
  assert.deepEqual(await emu.account('sk_poor'), { credits: 5, charged: 0, refunded: 0 });
});

journey('On a phone: both makers fit the screen, their fields stacked and readable', { viewport: 'phone' }, async (s) => {
  const { page } = s;
  await setKey(page, DEMO_KEY);
  await page.getByText('No photo? Describe a face').click();
  await page.getByLabel('Description', { exact: true }).fill('a smiling man, round glasses, dark curly hair, red scarf');
  await page.getByText('No recording? Write a script').click();
  await page.getByLabel('Script', { exact: true }).fill(SCRIPT);
  await pause();
  // Nothing wider than the screen: no sideways scrolling on a 360 px phone.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the phone`);
  for (const id of ['speech-maker', 'portrait-maker', 'make-speech', 'make-portrait', 'f-voice_model', 'f-volume_ratio', 'f-chain_limit', 'make-chain']) {
    const box = await page.locator(`#${id}`).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `#${id} fits: ${JSON.stringify(box)}`);
  }
  await s.screenshot('speech-phone-portrait', page, { at: page.locator('#portrait-maker') });
  await s.screenshot('speech-phone-script', page, { at: page.locator('#speech-maker') });
});

journey('Checks before paying: a share-page link gets its direct link, a small portrait is said to be upscaled', async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  await field(page, 'Image URL').fill(emu.sample('portrait-1.png'));
  // The sample is 768×1024; the video's long edge is 1280 px: a warning, not a refusal.
  await see(page, 'The portrait is 768×1024 px; the video is 1280 px on its long edge, so the picture will be upscaled and may look soft.');
  await pause();
  await field(page, 'Audio URL').fill('https://www.dropbox.com/s/abc123/speech.mp3?dl=0');
  await see(page, /This is a Dropbox page, not the file itself/);
  await pause();
  await page.getByRole('button', { name: 'Use the direct link' }).click();
  assert.equal(await field(page, 'Audio URL').inputValue(), 'https://www.dropbox.com/s/abc123/speech.mp3?dl=1');
  await page.waitForTimeout(300);
  assert.equal(await page.getByText(/This is a Dropbox page/).count(), 0, 'the warning goes with the share page');
});

journey('Speech and a portrait in the provider\'s other dialects: wrapped, numeric ids, another status case, nested links, the model swapped', {
  emulator: { quirks: ['wrapped', 'numeric-ids', 'capitalized-status', 'nested-url', 'model-fallback'], speed: 50 },
}, async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  await page.getByText('No recording? Write a script').click();
  await page.getByLabel('Script', { exact: true }).fill('Hello.');
  await page.getByLabel(/I understand this is an estimate/).check();
  await pause();
  // The 202 comes wrapped, with a numeric id: the row carries the emulator's id all the same.
  await page.getByRole('button', { name: /^Make speech ·/ }).click();
  const rows = taskRows(page);
  await waitUntilRows(page, 1);
  const id = await rows.first().getAttribute('data-task-id');
  assert.ok((await emu.tasks()).some((t) => String(t.task_id) === id), `the row is the emulator's task ${id}`);
  const row = await waitForStatus(page, id, 'completed');
  // The API read it with another model than the one asked for, and the row says so.
  await see(row, 'Made by v1-real (asked for v2-emotion)');
  await see(row, /s of speech/);
  await page.getByText('No photo? Describe a face').click();
  await page.getByLabel('Description', { exact: true }).fill('a face');
  await pause();
  await page.getByRole('button', { name: /^Make portrait/ }).click();
  await waitUntilRows(page, 2);
  const portrait = await rows.first().getAttribute('data-task-id');
  await see(await waitForStatus(page, portrait, 'completed'), 'Use as portrait');
  assert.equal((await emu.account(DEMO_KEY)).charged, 6 + 3, 'each charged once');
});

async function waitUntilRows(page, n) {
  await page.waitForFunction((n) => document.querySelectorAll('[data-task-id]').length >= n, n, { timeout: 15_000 });
}

journey('Speech and a portrait keep their saved copies: with the links expired, the rows play and show the copies, also after a reload', {
  emulator: { resultTtl: 12, speed: 50 },
}, async (s) => {
  const { page } = s;
  await setKey(page, DEMO_KEY);
  await page.getByText('No photo? Describe a face').click();
  await page.getByLabel('Description', { exact: true }).fill('a face');
  await pause();
  const portraitId = await make(page, /^Make portrait/, '/api/v2/image/generate');
  await page.getByText('No recording? Write a script').click();
  await page.getByLabel('Script', { exact: true }).fill('Hello.');
  await page.getByLabel(/I understand this is an estimate/).check();
  await pause();
  const speechId = await make(page, /^Make speech ·/, '/api/v2/voice/clone');
  const links = [
    await (await waitForStatus(page, portraitId, 'completed')).locator('img.made-picture').getAttribute('src'),
    await (await waitForStatus(page, speechId, 'completed')).locator('audio').getAttribute('src'),
  ];
  // Both are kept in this browser, as videos are…
  await waitUntil(async () => {
    const kept = await page.evaluate(async () => {
      const cache = await caches.open('avatar-studio@/.videos');
      return (await cache.keys()).map((r) => r.url);
    });
    return links.every((l) => kept.includes(l));
  }, { what: 'both copies saved', timeoutMs: 15_000 });
  // …and the provider's links expire.
  for (const link of links) {
    await waitUntil(async () => (await fetch(link, { method: 'HEAD' })).status === 410, { what: `${link} to expire`, timeoutMs: 30_000 });
  }
  await page.reload();
  const speechRow = taskRow(page, speechId);
  const portraitRow = taskRow(page, portraitId);
  for (const row of [speechRow, portraitRow]) {
    await see(row, "The provider's link has expired: showing the copy saved in this browser.");
  }
  assert.match(await speechRow.locator('audio').getAttribute('src'), /^blob:/);
  await page.waitForFunction((id) => {
    const img = document.querySelector(`[data-task-id="${id}"] img.made-picture`);
    return img && img.src.startsWith('blob:') && img.naturalWidth > 0;
  }, portraitId);
  await see(speechRow, /s of speech/);
  // The API cannot read an expired link: the rows no longer offer it to the form.
  assert.equal(await speechRow.getByRole('button', { name: 'Use this speech' }).isVisible(), false);
  assert.equal(await portraitRow.getByRole('button', { name: 'Use as portrait' }).isVisible(), false);
});

journey('Use this speech fills the form, then the first variant still without a speech', { emulator: { speed: 50 } }, async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  await field(page, 'Image URL').fill(emu.sample('portrait-1.png'));
  await pause();
  await page.getByRole('button', { name: 'Add variant' }).click();
  await pause();
  await page.getByText('No recording? Write a script').click();
  await page.getByLabel(/I understand this is an estimate/).check();
  const made = [];
  for (const script of ['One take.', 'Another take.']) {
    await page.getByLabel('Script', { exact: true }).fill(script);
    await pause();
    const id = await make(page, /^Make speech ·/, '/api/v2/voice/clone');
    const row = await waitForStatus(page, id, 'completed');
    made.push(await row.locator('audio').getAttribute('src'));
    await pause();
    await row.getByRole('button', { name: 'Use this speech' }).click();
    await pause(300);
  }
  await see(page, 'The speech is in variant 2; its length is read when it loads.');
  assert.equal(await field(page, 'Audio URL').inputValue(), made[0], 'the first speech is the form\'s');
  assert.equal(await page.locator('#v2-audio_url').inputValue(), made[1], 'the second is variant 2\'s');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'v2-audio_url');
});
