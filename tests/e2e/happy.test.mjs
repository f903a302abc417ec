// The main journey, as a user does it: key, sample, exact cost, Generate,
// progress, a video that really plays. On a desktop and on a phone.

import assert from 'node:assert/strict';
import { journey, DEMO_KEY } from './harness.mjs';
import {
  assertPlayableVideo, choose, field, generate, generateButton, mediaSeconds, proCost, see, setKey,
  taskRow, taskRows, trySample, waitForCost, waitForStatus,
} from './ui.mjs';

journey('Pro with a sample: exact cost, rising progress, a video that plays', { emulator: { speed: 25 } }, async (s) => {
  const { page, emu } = s;
  await s.screenshot('01-empty');
  await setKey(page, DEMO_KEY);
  await trySample(page);
  assert.equal(await field(page, 'Image URL').inputValue(), emu.sample('portrait-1.png'));
  assert.equal(await field(page, 'Audio URL').inputValue(), emu.sample('speech-1.mp3'));

  // Defaults: 10 s at 1280 px. The docs' own example: 20 credits.
  const cost = proCost(1280, 10);
  assert.equal(cost, 20);
  await waitForCost(page, cost);
  await see(page, '2 credits/s × 10 s = 20 credits');
  await s.screenshot('02-filled');

  const checks = [];
  page.on('request', (r) => { if (r.method() === 'GET' && r.url().includes('/tasks/')) checks.push(Date.now()); });
  const id = await generate(page);
  // The row is there at once, newest first, with the cost it was charged.
  assert.equal(await taskRows(page).first().getAttribute('data-task-id'), id);
  const row = taskRow(page, id);
  await see(row, /20 credits/);

  // Watch the progress bar until the task completes: it must rise, never fall.
  const seen = await page.waitForFunction(
    (id) => {
      const r = [...document.querySelectorAll('[data-task-id]')].find((e) => e.dataset.taskId === id);
      window.__progress ||= [];
      const bar = r && r.querySelector('progress, [role=progressbar]');
      if (bar) {
        const v = Number(bar.getAttribute('aria-valuenow') ?? bar.value * 100 / (bar.max || 1));
        if (window.__progress.at(-1) !== v) window.__progress.push(v);
      }
      return r && r.dataset.status === 'completed' && window.__progress;
    },
    id,
    { timeout: 90_000, polling: 50 },
  ).then((h) => h.jsonValue());
  const partial = seen.filter((v) => v > 0 && v < 100);
  assert.ok(partial.length >= 1, `a progress bar between 0 and 100 % was shown (saw ${seen.join(', ')})`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `progress never goes back: ${seen.join(' → ')}`);

  await waitForStatus(page, id, 'completed');
  // Gentle with the provider: never two checks of a task within a second, none after it finished.
  const gaps = checks.slice(1).map((t, i) => t - checks[i]);
  assert.ok(gaps.every((g) => g >= 900), `status checks ${gaps.join(', ')} ms apart`);
  const checksAtFinish = checks.length;
  const video = await assertPlayableVideo(page, id, { seconds: 10, longEdge: 1280 });
  assert.match(video.src, new RegExp(`^${emu.origin}/results/`));
  const download = row.getByRole('link', { name: /Download/i });
  assert.equal(await download.getAttribute('href'), video.src);

  assert.equal(checks.length, checksAtFinish, 'no status check after the task finished');
  // The ledger agrees: charged once, exactly the shown cost.
  assert.deepEqual(await emu.account(DEMO_KEY), { credits: 480, charged: 20, refunded: 0 });
  const tasks = await emu.tasks();
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0].task_id, id);
  assert.equal(tasks[0].cost, 20);
  assert.equal(tasks[0].status, 'completed');
  await s.screenshot('03-finished');
});

journey('Follow audio bills the detected audio length, capped at 35 s', async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  await field(page, 'Image URL').fill(emu.sample('portrait-2.png'));
  await choose(page, 'Duration', /Follow audio/i);

  // A 40 s speech: the page detects its length and shows the 35 s cap.
  await field(page, 'Audio URL').fill(emu.sample('speech-long.mp3'));
  const longSeconds = await mediaSeconds(emu.sample('speech-long.mp3'));
  assert.ok(longSeconds > 35, `speech-long.mp3 lasts ${longSeconds} s`);
  await waitForCost(page, proCost(1280, 35));
  await see(page, /capped at 35 s/);

  // A 10-15 s speech at 720 px: billed its own length at 1.5 credits/s.
  await field(page, 'Audio URL').fill(emu.sample('speech-2.mp3'));
  await choose(page, 'Resolution', /720/);
  const audioSeconds = await mediaSeconds(emu.sample('speech-2.mp3'));
  const cost = proCost(720, audioSeconds);
  await waitForCost(page, cost);
  await see(page, /\(audio length\)/);

  const posted = page.waitForRequest((r) => r.method() === 'POST');
  const id = await generate(page);
  const body = JSON.parse((await posted).postData());
  assert.equal(body.duration, 0);
  assert.equal(body.resolution, 720);
  assert.ok(Math.abs(body.audio_duration_seconds - audioSeconds) < 0.15, `page detected ${body.audio_duration_seconds} s, ffprobe says ${audioSeconds} s`);
  assert.equal(proCost(720, body.audio_duration_seconds), cost, 'the cost shown is the cost of what was sent');

  await waitForStatus(page, id, 'completed');
  await assertPlayableVideo(page, id, { seconds: Math.min(body.audio_duration_seconds, 35), longEdge: 720 });
  assert.equal((await emu.account(DEMO_KEY)).charged, cost);
});

// Also served from a sub-path, as from a CDN folder: the build must use relative asset URLs.
journey('A phone (360×740), app under a sub-path: the journey fits the screen and the video plays', { viewport: 'phone', basePath: '/tools/avatar-studio/' }, async (s) => {
  const { page, emu } = s;
  const noSideScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  await s.screenshot('phone-01-empty');
  assert.ok(await noSideScroll(), 'no horizontal scrolling on an empty page');
  await setKey(page, DEMO_KEY);
  await trySample(page);
  await choose(page, 'Duration', /^5\b/);
  await choose(page, 'Resolution', /720/);
  await waitForCost(page, proCost(720, 5));
  const box = await generateButton(page).boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, `Generate fits the width: ${JSON.stringify(box)}`);

  const id = await generate(page);
  await waitForStatus(page, id, 'completed');
  const video = await assertPlayableVideo(page, id, { seconds: 5, longEdge: 720 });
  const vbox = await taskRow(page, id).locator('video').boundingBox();
  assert.ok(vbox.width <= 360, `the video fits the phone: ${vbox.width} px wide`);
  assert.ok(await noSideScroll(), 'no horizontal scrolling with a finished task');
  assert.equal((await emu.account(DEMO_KEY)).charged, proCost(720, 5));
  assert.ok(video.duration > 0);
  await s.screenshot('phone-02-finished', page, { at: taskRow(page, id) });
});
