// The two sibling models: AI Avatar (digital human) and Dual Avatar.

import assert from 'node:assert/strict';
import { journey, DEMO_KEY } from './harness.mjs';
import {
  digitalHumanCost, dualCost, field, generate, mediaSeconds, pickModel, see, setKey, taskRow, trySample, videoFacts,
  waitForCost, waitForStatus,
} from './ui.mjs';

journey('AI Avatar from the sample: HD price per started second, a video back', async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  await pickModel(page, 'AI Avatar');
  // Pro-only fields are gone.
  await field(page, 'Motion prompt').waitFor({ state: 'hidden' });
  await trySample(page);
  const audioSeconds = await mediaSeconds(emu.sample('speech-1.mp3'));
  const cost = digitalHumanCost(1280, 720, audioSeconds);
  await waitForCost(page, cost);
  await see(page, /5 credits\/s \(HD\)/);

  const posted = page.waitForRequest((r) => r.method() === 'POST');
  const id = await generate(page);
  const req = await posted;
  assert.match(req.url(), /\/api\/v2\/avatar\/digital-human$/);
  const body = JSON.parse(req.postData());
  assert.ok(Math.abs(body.audio_duration_seconds - audioSeconds) < 0.15, `sent ${body.audio_duration_seconds} s, ffprobe ${audioSeconds} s`);

  await waitForStatus(page, id, 'completed');
  const v = await videoFacts(page, id);
  assert.equal(v.error, null);
  assert.equal(Math.max(v.videoWidth, v.videoHeight), 1280);
  assert.ok(v.duration > audioSeconds - 0.25 && v.duration < Math.ceil(audioSeconds) + 0.25, `video ${v.duration} s for ${audioSeconds} s of speech`);
  const tasks = await emu.tasks();
  assert.deepEqual(tasks.map((t) => [t.model, t.cost]), [['digital-human', cost]]);
  assert.equal((await emu.account(DEMO_KEY)).charged, cost);
});

journey('Dual Avatar from the sample: 2 credits per second of conversation', async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  await pickModel(page, 'Dual Avatar');
  await trySample(page);
  const mixSeconds = await mediaSeconds(emu.sample('conversation-mix.mp3'));
  const cost = dualCost(mixSeconds);
  await waitForCost(page, cost);
  await see(page, /2 credits\/s ×/);

  const posted = page.waitForRequest((r) => r.method() === 'POST');
  const id = await generate(page);
  const req = await posted;
  assert.match(req.url(), /\/api\/v2\/avatar\/dual$/);
  const body = JSON.parse(req.postData());
  for (const f of ['dual_image_url', 'audio_mix_url', 'audio1_url', 'audio2_url']) assert.ok(body[f], `${f} sent`);

  await waitForStatus(page, id, 'completed');
  const v = await videoFacts(page, id);
  assert.equal(v.error, null);
  assert.ok(Math.abs(v.duration - mixSeconds) < 0.3, `video ${v.duration} s for a ${mixSeconds} s conversation`);
  const tasks = await emu.tasks();
  assert.deepEqual(tasks.map((t) => [t.model, t.cost]), [['dual-avatar', cost]]);
  assert.equal((await emu.account(DEMO_KEY)).charged, cost);
});

journey('The provider today (progress: null): the bar and time left come from elapsed time', { emulator: { progress: 'null' }, clock: true }, async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  await trySample(page);
  await waitForCost(page, 20);
  const id = await generate(page);
  const row = taskRow(page, id);
  // The first check finds it running, with no progress from the API.
  await page.waitForResponse(async (r) => r.url().includes(`/tasks/`) && (await r.json()).status === 'processing' && (await r.json()).progress === null);

  // 75 s later (the page's clock), half of the typical 2.5 min for 10 s at 1280 px.
  await page.clock.fastForward('01:15');
  await see(row, /\(estimated\)/);
  const pct = await row.locator('progress').evaluate((p) => Number(p.value));
  assert.ok(pct >= 40 && pct <= 60, `half way through the typical time the bar shows ${pct}%`);
  await see(row, /about 1 min \d\d s left/);

  // Once the API has the video, the page's next scheduled check shows it.
  await emu.waitForTasks((ts) => ts[0]?.status === 'completed');
  await page.clock.fastForward('01:00');
  await waitForStatus(page, id, 'completed');
  await videoFacts(page, id);
  assert.equal((await emu.account(DEMO_KEY)).charged, 20);
});
