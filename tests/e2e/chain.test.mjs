// "Make speech, then the video": one click sends the speech, waits for it, measures
// it and sends the video only within the limit approved before the first request.
// A reload in between sends nothing twice: the next visit shows where the chain
// stands and offers the rest. With a person's timing: steps a moment apart.

import assert from 'node:assert/strict';
import { journey, DEMO_KEY } from './harness.mjs';
import {
  assertPlayableVideo, choose, field, mediaSeconds, proCost, see, setKey, taskRow, taskRows, waitForStatus,
} from './ui.mjs';

const pause = (ms = 150) => new Promise((r) => setTimeout(r, ms));
const SCRIPT = 'Hello! This video was made from a typed script in one click.';
const CHAIN = /^Make speech, then the video/;

/** A Pro form that follows the speech's length, its speech to be made from SCRIPT. */
async function scriptedForm(page, emu) {
  await field(page, 'Image URL').fill(emu.sample('portrait-1.png'));
  await pause();
  await choose(page, 'Duration', 'Follow audio');
  await pause();
  await page.getByText('No recording? Write a script').click();
  await pause();
  await page.getByLabel('Script', { exact: true }).fill(SCRIPT);
  await pause();
  await page.getByLabel(/I understand this is an estimate/).check();
  await pause();
}

/** Every POST the page sends, by path. */
function posts(page) {
  const sent = [];
  page.on('request', (r) => { if (r.method() === 'POST') sent.push(new URL(r.url()).pathname); });
  return sent;
}

const isVideoPost = (r) => r.request().method() === 'POST' && r.url().endsWith('/api/v2/avatar/generate');

journey('Make speech, then the video: one click, a reload while the speech is made, the video sent once with its measured length', { emulator: { speed: 1 } }, async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  const sent = posts(page);
  await scriptedForm(page, emu);
  // The limit suggested: the video's price for speech half as long again as an average reading.
  const suggested = proCost(1280, Math.ceil((SCRIPT.length / 14) * 1.5));
  assert.equal(await page.getByLabel(/^Then the video, if it costs at most/).inputValue(), String(suggested));
  const button = page.getByRole('button', { name: `Make speech, then the video · ≈${SCRIPT.length} + up to ${suggested} credits` });
  await s.screenshot('speech-04-chain', page, { at: page.locator('#speech-maker') });
  const speechAnswer = page.waitForResponse((r) => r.url().endsWith('/api/v2/voice/clone'));
  await button.click();
  assert.equal((await speechAnswer).status(), 202);
  await see(page.locator('#chain-status'), /the speech is being made/);
  // The new task in the list leaves the maker as it was typed.
  await see(page.locator('#script-count'), `${SCRIPT.length} characters × 1`);
  // A second click while it runs sends nothing.
  await pause();
  await button.click({ force: true });
  await see(page, 'A chain is under way: see it under Generate.');

  // The page is reloaded before the speech is ready: nothing is sent on its own.
  await page.reload();
  await see(page.locator('#chain-status'), /From your last visit: Make speech, then the video is waiting for the speech/);
  await pause();
  assert.deepEqual(sent, ['/api/v2/voice/clone'], 'only the speech was sent');
  const videoAnswer = page.waitForResponse(isVideoPost, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Go on here' }).click();
  const video = await videoAnswer;
  assert.equal(video.status(), 202);
  await see(page, /The speech was ready \([\d.]+ s\), so the video was sent/);
  assert.equal(await page.locator('#chain-status').count(), 0, 'the chain is over');

  // The video carries the speech and its measured length, and cost what the length says.
  const body = video.request().postDataJSON();
  assert.match(body.audio_url, new RegExp(`^${emu.origin}/results/.+\\.wav$`));
  const seconds = await mediaSeconds(body.audio_url);
  assert.ok(Math.abs(body.audio_duration_seconds - seconds) < 0.05, `${body.audio_duration_seconds} s sent for ${seconds} s of speech`);
  const { task_id: videoId } = await video.json();
  await taskRow(page, videoId).waitFor();
  assert.deepEqual(sent, ['/api/v2/voice/clone', '/api/v2/avatar/generate'], 'each sent once');
  const account = await emu.account(DEMO_KEY);
  assert.equal(account.charged, SCRIPT.length + proCost(1280, seconds), 'the speech and the video, once each');

  // Another reload: nothing more is sent, and both tasks are in the list.
  await page.reload();
  await taskRow(page, videoId).waitFor();
  await pause(500);
  assert.equal(await taskRows(page).count(), 2);
  assert.equal(await page.locator('#chain-status').count(), 0);
  assert.equal(sent.length, 2);
});

journey('Above the approved limit the chain stops and asks; "Send the video" sends it once, and it plays', { emulator: { speed: 25 } }, async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  const sent = posts(page);
  await scriptedForm(page, emu);
  await page.getByLabel(/^Then the video, if it costs at most/).fill('1');
  await pause();
  await page.getByRole('button', { name: `Make speech, then the video · ≈${SCRIPT.length} + up to 1 credits` }).click();
  const stopped = page.locator('#chain-status');
  await see(stopped, /The speech is ready \([\d.]+ s\), and the video costs \d+ credits: more than the 1 you approved\. It was not sent\./, 30_000);
  await s.screenshot('speech-05-chain-stopped', page, { at: stopped });
  // On a phone the panel and its buttons fit the screen.
  await page.setViewportSize({ width: 360, height: 780 });
  await stopped.scrollIntoViewIfNeeded();
  const box = await stopped.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, `the panel fits: ${JSON.stringify(box)}`);
  await s.screenshot('speech-phone-chain-stopped', page, { at: stopped });
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.deepEqual(sent, ['/api/v2/voice/clone']);
  const [, cost] = (await stopped.innerText()).match(/costs (\d+) credits/);
  await pause();
  const videoAnswer = page.waitForResponse(isVideoPost);
  await page.getByRole('button', { name: `Send the video · ${cost} credits` }).click();
  const video = await videoAnswer;
  assert.equal(video.status(), 202);
  const { task_id: videoId } = await video.json();
  const body = video.request().postDataJSON();
  const seconds = await mediaSeconds(body.audio_url);
  assert.equal(Number(cost), proCost(1280, seconds), 'the price shown is the one the length gives');
  await waitForStatus(page, videoId, 'completed');
  await assertPlayableVideo(page, videoId, { seconds, longEdge: 1280 });
  assert.equal(await stopped.count(), 0);
  assert.deepEqual(sent, ['/api/v2/voice/clone', '/api/v2/avatar/generate']);
  assert.equal((await emu.account(DEMO_KEY)).charged, SCRIPT.length + Number(cost));
});

journey('A 402 at the video step: the chain stops with the amount in words and keeps the video on offer', {
  emulator: { speed: 25, keys: { sk_demo: 500, sk_low: SCRIPT.length + 3 } },
}, async (s) => {
  const { page, emu } = s;
  await setKey(page, 'sk_low');
  const sent = posts(page);
  await scriptedForm(page, emu);
  await page.getByRole('button', { name: CHAIN }).click();
  const status = page.locator('#chain-status');
  await see(status, /The video was not sent: Not enough credits: this request costs \d+, the key has 3/, 30_000);
  await see(status.getByRole('button', { name: /^Send the video · \d+ credits$/ }), '');
  assert.deepEqual(sent, ['/api/v2/voice/clone', '/api/v2/avatar/generate']);
  assert.equal(await taskRows(page).count(), 1, 'the speech only: a refused video is no task');
  assert.deepEqual(await emu.account('sk_low'), { credits: 3, charged: SCRIPT.length, refunded: 0 });
  // The person gives up on it: nothing more is sent, and the chain is gone for good.
  await pause();
  await status.getByRole('button', { name: "Don't send it" }).click();
  await see(page, 'The chain was stopped: the video will not be sent.');
  await page.reload();
  await pause(500);
  assert.equal(await page.locator('#chain-status').count(), 0);
  assert.equal(sent.length, 2);
});

journey('A key rejected while the speech is made: the chain waits and says why, then goes on with the right key; nothing sent twice', { emulator: { speed: 1 } }, async (s) => {
  const { page, emu } = s;
  await setKey(page, DEMO_KEY);
  const sent = posts(page);
  await scriptedForm(page, emu);
  const speechAnswer = page.waitForResponse((r) => r.url().endsWith('/api/v2/voice/clone'));
  await page.getByRole('button', { name: CHAIN }).click();
  assert.equal((await speechAnswer).status(), 202);
  // The person pastes a wrong key while the speech is being made.
  await setKey(page, 'sk_wrong');
  const status = page.locator('#chain-status');
  await see(status, 'Checks paused: the API rejected the key. They resume when you change it in Settings.', 30_000);
  await see(status, /the speech is being made/);
  assert.deepEqual(sent, ['/api/v2/voice/clone'], 'no video with a rejected key');
  await pause();
  const videoAnswer = page.waitForResponse(isVideoPost, { timeout: 60_000 });
  await setKey(page, DEMO_KEY);
  assert.equal((await videoAnswer).status(), 202);
  await see(page, /The speech was ready \([\d.]+ s\), so the video was sent/);
  assert.deepEqual(sent, ['/api/v2/voice/clone', '/api/v2/avatar/generate'], 'each sent once');
  assert.equal(await taskRows(page).count(), 2);
});
