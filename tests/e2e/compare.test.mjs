// Compare videos (README, "Using the page"): a person makes two takes of one portrait, ticks both,
// and watches them side by side: one Play all, one Position slider, and the two stay within a
// quarter of a second of each other after a seek; on a phone they stack.

import assert from 'node:assert/strict';
import { journey, DEMO_KEY, waitUntil } from './harness.mjs';
import { choose, generate, readyShortSample, see, taskRow, waitForStatus } from './ui.mjs';

/**
 * Seconds a result link lives in the journeys where a copy must be saved before it expires: the
 * expiry counts from the task's completion, and the page sees that at its next check (seen 4 s
 * later on a busy machine) before it saves the copy.
 */
const SAVE_TTL_S = 12;

/** Each compared video's playback state, in the order shown. */
const players = (page) => page.locator('#compare-grid video').evaluateAll((videos) =>
  videos.map((v) => ({ t: v.currentTime, paused: v.paused, muted: v.muted, ready: v.readyState })));

/** Makes two finished takes (720 px and 1280 px); returns their ids. */
async function makeTwoTakes(page) {
  await readyShortSample(page, DEMO_KEY);
  const first = await generate(page);
  await choose(page, 'Resolution', /^\s*1280/);
  const second = await generate(page);
  await waitForStatus(page, first, 'completed');
  await waitForStatus(page, second, 'completed');
  return [first, second];
}

/** Ticks the two finished videos, 150 ms apart, as a person would. */
async function tickBoth(page) {
  const compare = page.locator('#compare');
  await see(compare, 'Compare videos');
  const boxes = compare.getByRole('checkbox');
  assert.equal(await boxes.count(), 2);
  await boxes.nth(0).check();
  await see(compare, 'Tick at least two videos.');
  await page.waitForTimeout(150);
  await boxes.nth(1).check();
  await page.locator('#compare-grid video').nth(1).waitFor();
  return compare;
}

/** Makes two finished takes and ticks both. */
async function twoTakes(page) {
  await makeTwoTakes(page);
  return tickBoth(page);
}

journey('Compare: two takes side by side play and seek together, one of them heard', async (s) => {
  const { page } = s;
  const compare = await twoTakes(page);
  await page.waitForFunction(() => [...document.querySelectorAll('#compare-grid video')].every((v) => v.readyState >= 2));
  const [a, b] = await compare.locator('figure').all();
  assert.ok((await a.boundingBox()).y === (await b.boundingBox()).y, 'side by side on a desktop');
  const captions = [await a.innerText(), await b.innerText()].sort();
  assert.match(captions[0], /1280 px/, 'each video shows its parameters');
  assert.match(captions[1], /720 px/);
  assert.ok(captions.every((c) => /\b\d+ credits/.test(c)), 'and its cost');
  assert.ok(captions.every((c) => /sent \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/.test(c)), `and when it was sent: ${captions}`);

  await compare.getByRole('button', { name: 'Play all' }).click();
  await page.waitForTimeout(400);
  let now = await players(page);
  assert.ok(now.every((p) => !p.paused), `both play: ${JSON.stringify(now)}`);
  assert.deepEqual(now.map((p) => p.muted), [false, true], 'one sound at a time');

  // Seek with the slider (as the keyboard or a drag would), then read both clocks.
  await page.locator('#compare-position').fill('2.5');
  await page.waitForTimeout(300);
  now = await players(page);
  assert.ok(now.every((p) => p.t >= 2.4), `both moved to the new position: ${JSON.stringify(now)}`);
  assert.ok(Math.abs(now[0].t - now[1].t) <= 0.25, `in sync after the seek: ${JSON.stringify(now)}`);

  await compare.getByRole('button', { name: 'Pause all' }).click();
  now = await players(page);
  assert.ok(now.every((p) => p.paused), 'both paused');
  assert.ok(Math.abs(now[0].t - now[1].t) <= 0.25, `in sync when paused: ${JSON.stringify(now)}`);

  // The sound follows the choice.
  await compare.getByLabel('Sound from this one').nth(1).check();
  assert.deepEqual((await players(page)).map((p) => p.muted), [true, false]);
  await s.screenshot('compare', page, { at: compare });
});

journey('Compare on a phone: the videos stack', { viewport: 'phone' }, async (s) => {
  const { page } = s;
  const compare = await twoTakes(page);
  const [a, b] = await compare.locator('figure').all();
  assert.ok((await b.boundingBox()).y > (await a.boundingBox()).y + (await a.boundingBox()).height - 1, 'stacked');
});

journey('Compare after the provider\'s links expired: each video plays the copy saved in this browser', { emulator: { resultTtl: SAVE_TTL_S } }, async (s) => {
  const { page } = s;
  const ids = await makeTwoTakes(page);
  const links = [];
  for (const id of ids) {
    await see(taskRow(page, id), /Saved in this browser · /);
    links.push(await taskRow(page, id).locator('video').getAttribute('src'));
  }
  for (const link of links) {
    await waitUntil(async () => (await fetch(link, { method: 'HEAD' })).status === 410, { what: 'the link to expire (410)', timeoutMs: (SAVE_TTL_S + 10) * 1000 });
  }
  const compare = await tickBoth(page);
  await page.waitForFunction(() => {
    const videos = [...document.querySelectorAll('#compare-grid video')];
    return videos.length === 2 && videos.every((v) => v.currentSrc.startsWith('blob:') && v.readyState >= 2);
  });
  const notes = await compare.locator('.task-note').allInnerTexts();
  assert.deepEqual(notes, Array(2).fill('Playing the copy saved in this browser.'));
  await compare.getByRole('button', { name: 'Play all' }).click();
  await page.waitForTimeout(400);
  const now = await players(page);
  assert.ok(now.every((p) => !p.paused && p.t > 0), `both copies play: ${JSON.stringify(now)}`);
});
