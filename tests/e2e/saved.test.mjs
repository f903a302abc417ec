// Saved copies (src/saved.rs): a finished video is fetched once and kept in Cache Storage, and
// played from there once the provider's link has expired; hosts without CORS and a full disk are
// said in words, and copies can be removed from a row or from Settings.

import assert from 'node:assert/strict';
import { journey, waitForAppReady, waitUntil } from './harness.mjs';
import {
  assertPlayableVideo, generate, openSettings, readyShortSample, see, stored, taskRow, videoFacts, waitForStatus,
} from './ui.mjs';

/**
 * Seconds a result link lives in the journeys where a copy must be saved before it expires: the
 * expiry counts from the task's completion, and the page sees that at its next check (seen 4 s
 * later on a busy machine) before it saves the copy.
 */
const SAVE_TTL_S = 12;

/** The page's cache of saved videos for the deployment at `/`. */
const VIDEOS = 'avatar-studio@/.videos';

/** What the saved-videos cache holds: {url: bytes}, or null when there is no such cache. */
function savedCopies(page) {
  return page.evaluate(async (name) => {
    if (!(await caches.has(name))) return null;
    const cache = await caches.open(name);
    const out = {};
    for (const request of await cache.keys()) out[request.url] = (await (await cache.match(request)).blob()).size;
    return out;
  }, VIDEOS);
}

/** Counts the page's own GETs (fetch(), not the <video>) of `url`. */
function countFetches(page, url) {
  const seen = { n: 0 };
  page.on('request', (r) => { if (r.url() === url && r.method() === 'GET' && r.resourceType() === 'fetch') seen.n++; });
  return seen;
}

/** Generates a short video and returns its id, row and result link once it is completed. */
async function finishedVideo(page) {
  await readyShortSample(page, 'sk_demo');
  const id = await generate(page);
  const row = await waitForStatus(page, id, 'completed');
  const link = await row.locator('video').getAttribute('src');
  return { id, row, link };
}

/** Waits until the row's <video> plays the copy (a blob: URL), then checks it really plays. */
async function playsTheCopy(page, id) {
  await page.waitForFunction((id) => {
    const v = document.querySelector(`[data-task-id="${id}"] video`);
    return v && v.currentSrc.startsWith('blob:');
  }, id);
  const v = await assertPlayableVideo(page, id, { seconds: 5, longEdge: 720 });
  assert.match(v.src, /^blob:/);
  return v;
}

journey('A finished video is saved in this browser once, and not fetched again after a reload', async (s) => {
  const { page } = s;
  const { id, row, link } = await finishedVideo(page);
  const note = await see(row, /Saved in this browser · [\d.]+ (kB|MB)/);
  // Counted from when the copy is saved: its own download may start after the row finished.
  const fetches = countFetches(page, link);
  const copies = await savedCopies(page);
  assert.deepEqual(Object.keys(copies), [link], 'one copy, under the result link');
  const bytes = copies[link];
  const onDisk = Number((await fetch(link, { method: 'HEAD' })).headers.get('content-length'));
  assert.equal(bytes, onDisk, 'the whole file');
  const shown = (await note.innerText()).match(/· ([\d.]+) (kB|MB)/);
  const expected = shown[2] === 'MB' ? bytes / 1e6 : bytes / 1e3;
  assert.ok(Math.abs(Number(shown[1]) - expected) <= 0.051 * (expected < 100 ? 1 : 10), `${shown[0]} for ${bytes} bytes`);
  // The link works: the video plays from it.
  const v = await assertPlayableVideo(page, id, { seconds: 5, longEdge: 720 });
  assert.equal(v.src, link);
  assert.equal(await taskRow(page, id).getByRole('link', { name: 'Download' }).getAttribute('href'), link);

  await page.reload();
  await waitForAppReady(page);
  await see(taskRow(page, id), /Saved in this browser · /);
  assert.equal(fetches.n, 0, 'a saved video is not fetched again');
  assert.deepEqual(Object.keys(await savedCopies(page)), [link]);
  assert.ok(!(await page.evaluate((k) => localStorage.getItem(k), stored('tasks'))).includes('blob:'), 'no copy in localStorage');
});

journey('The link expires: the row plays the saved copy, also after a reload', { emulator: { resultTtl: SAVE_TTL_S } }, async (s) => {
  const { page } = s;
  const { id, row, link } = await finishedVideo(page);
  await see(row, /Saved in this browser · /);
  await waitUntil(async () => (await fetch(link, { method: 'HEAD' })).status === 410, { what: 'the link to expire (410)', timeoutMs: (SAVE_TTL_S + 10) * 1000 });

  // The page is open meanwhile: pressing play finds out.
  await page.evaluate((id) => { const v = document.querySelector(`[data-task-id="${id}"] video`); v.muted = true; v.play().catch(() => {}); }, id);
  await see(row, "The provider's link has expired: playing the copy saved in this browser");
  await playsTheCopy(page, id);
  await s.screenshot('saved-copy-playing', page, { at: row });
  // Download offers the copy too (the link is dead); captions are not offered: the API could not read the link.
  assert.match(await row.getByRole('link', { name: 'Download' }).getAttribute('href'), /^blob:/);
  await see(row, "The provider's link no longer works, so the API cannot read it to make captions.");
  assert.ok(await row.getByRole('button', { name: /^Add captions/ }).isDisabled());

  // A reload with the link long expired: the copy plays from the start.
  await page.reload();
  await waitForAppReady(page);
  await see(taskRow(page, id), "The provider's link has expired: playing the copy saved in this browser");
  await playsTheCopy(page, id);
});

journey('The link expires with no copy saved: the row says so and keeps the task', { emulator: { resultTtl: SAVE_TTL_S } }, async (s) => {
  const { page } = s;
  const { id, row, link } = await finishedVideo(page);
  await see(row, /Saved in this browser · /);
  await page.getByRole('button', { name: 'Remove saved copy' }).click();
  await see(row, 'No copy saved in this browser');
  await waitUntil(async () => { const c = await savedCopies(page); return !c || Object.keys(c).length === 0; }, { what: 'the copy deleted' });
  await waitUntil(async () => (await fetch(link, { method: 'HEAD' })).status === 410, { what: 'the link to expire (410)', timeoutMs: (SAVE_TTL_S + 10) * 1000 });
  await page.reload();
  await waitForAppReady(page);
  await see(taskRow(page, id, 'completed'), "The provider's link no longer works and no copy was saved in this browser.");
});

journey('A signed result link (S3-style) is fetched exactly as given: the copy is saved, and the link still counts as live when played', { emulator: { quirks: ['signed-results'] } }, async (s) => {
  const { page } = s;
  const { id, row, link } = await finishedVideo(page);
  assert.match(link, /\/results\/[\w-]+\.mp4\?X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=[0-9a-f]{16}$/);
  const unsigned = link.split('?')[0];
  const asked = [];
  page.on('request', (r) => { if (r.url().startsWith(unsigned)) asked.push(`${r.method()} ${r.url()}`); });
  await see(row, /Saved in this browser · /);
  assert.deepEqual(Object.keys(await savedCopies(page)), [link]);
  // Pressing play checks a link that was saved from (HEAD): a signed one is still good.
  await page.evaluate((id) => { const v = document.querySelector(`[data-task-id="${id}"] video`); v.muted = true; v.play().catch(() => {}); }, id);
  await waitUntil(async () => asked.some((a) => a.startsWith('HEAD ')), { what: 'the check of the link' });
  const v = await assertPlayableVideo(page, id, { seconds: 5, longEdge: 720 });
  assert.equal(v.src, link, 'played from the signed link, not taken for expired');
  await see(row, /Saved in this browser · /);
  for (const a of asked) assert.ok(a.endsWith(link), `every request is for the link as given: ${a}`);
});

journey('A video host without CORS: "Not saved", the video still plays from the link', { emulator: { quirks: ['results-without-cors'] } }, async (s) => {
  const { page } = s;
  const { id, row, link } = await finishedVideo(page);
  await see(row, 'Not saved: the video host does not allow it; use Download');
  const v = await assertPlayableVideo(page, id, { seconds: 5, longEdge: 720 });
  assert.equal(v.src, link, 'played from the provider\'s link');
  const copies = await savedCopies(page);
  assert.ok(!copies || Object.keys(copies).length === 0, `nothing saved: ${JSON.stringify(copies)}`);
  await page.reload();
  await waitForAppReady(page);
  await see(taskRow(page, id, 'completed'), 'Not saved: the video host does not allow it; use Download');
  assert.equal((await videoFacts(page, id)).error, null);
});

journey('Storage full: "Not saved", the list and localStorage untouched', async (s) => {
  const { page } = s;
  // A full disk is the browser rejecting Cache.put with a QuotaExceededError DOMException (its own
  // failure mode; a real quota cannot be filled in a test): every page of this context gets that put.
  await s.context.addInitScript(() => {
    Cache.prototype.put = function () {
      return Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    };
  });
  await page.reload();
  await waitForAppReady(page);
  const { id, row, link } = await finishedVideo(page);
  await see(row, "Not saved: this browser's storage is full");
  const v = await assertPlayableVideo(page, id, { seconds: 5, longEdge: 720 });
  assert.equal(v.src, link);
  const envelope = JSON.parse(await page.evaluate((k) => localStorage.getItem(k), stored('tasks')));
  assert.equal(envelope.tasks[0].task_id, id);
  assert.equal(envelope.tasks[0].result, `video:${link}`);
  await page.reload();
  await waitForAppReady(page);
  await see(taskRow(page, id, 'completed'), "Not saved: this browser's storage is full");
  assert.equal(await page.locator('[data-task-id]').count(), 1, 'the list is intact');
});

journey('Remove saved copy, Save a copy, and Settings\' Remove all saved copies', async (s) => {
  const { page } = s;
  const { row, link } = await finishedVideo(page);
  await see(row, /Saved in this browser · /);
  await row.getByRole('button', { name: 'Remove saved copy' }).click();
  await see(row, 'No copy saved in this browser');
  await waitUntil(async () => { const c = await savedCopies(page); return c && Object.keys(c).length === 0; }, { what: 'the copy deleted' });
  // Removed stays removed after a reload: it is not saved again by itself.
  const fetches = countFetches(page, link);
  await page.reload();
  await waitForAppReady(page);
  const again = taskRow(page, await row.getAttribute('data-task-id'));
  await see(again, 'No copy saved in this browser');
  assert.equal(fetches.n, 0);

  await again.getByRole('button', { name: 'Save a copy' }).click();
  await see(again, /Saved in this browser · /);
  assert.deepEqual(Object.keys(await savedCopies(page)), [link]);

  await openSettings(page);
  await see(page, /Stored for this page: [\d.]+ (kB|MB|GB) of about [\d.]+ (kB|MB|GB) this browser allows\./);
  await page.getByRole('button', { name: 'Keep saved videos (ask the browser for persistent storage)' }).click();
  await see(page, /^(Granted|Not granted): /);
  await page.getByRole('button', { name: 'Remove all saved copies' }).click();
  await see(page, 'Saved copies removed: every task keeps its record and its provider link.');
  await see(again, 'No copy saved in this browser');
  assert.equal(await savedCopies(page), null, 'the cache is gone');
  await page.reload();
  await waitForAppReady(page);
  await see(taskRow(page, await again.getAttribute('data-task-id')), 'No copy saved in this browser');
});

journey('An old history is not downloaded: a task finished days ago is only looked up, and offers "Save a copy"', { open: false }, async (s) => {
  const { emu } = s;
  const link = emu.sample('talking.mp4');
  const days = 3 * 24 * 3600 * 1000;
  const old = {
    task_id: 'old-one', request: { model: 'avatar-pro', body: { image_url: emu.sample('portrait-1.png'), audio_url: emu.sample('speech-1.mp3'), duration: 5, resolution: 720 } },
    credits: 8, submitted_ms: Date.now() - days, status: 'completed', video_url: link, finished_ms: Date.now() - days + 60_000,
  };
  const setup = await s.context.newPage();
  await setup.goto(`${s.app.url}config.json`);
  await setup.evaluate(([name, v]) => localStorage.setItem(name, v), [stored('tasks'), JSON.stringify({ version: 3, tasks: [old], history: [] })]);
  await setup.close();
  const page = await s.context.newPage();
  const fetches = countFetches(page, link);
  await page.goto(s.app.url);
  await waitForAppReady(page);
  const row = taskRow(page, 'old-one');
  await see(row, 'No copy saved in this browser');
  await page.waitForTimeout(2_500);
  assert.equal(fetches.n, 0, 'the page did not download an old video by itself');
  const held = await savedCopies(page);
  assert.ok(held === null || Object.keys(held).length === 0, `nothing kept: ${JSON.stringify(held)}`);
  // Asked, it does.
  await row.getByRole('button', { name: 'Save a copy' }).click();
  await see(row, /Saved in this browser · /);
  assert.equal(fetches.n, 1);
});

journey('"Remove all saved copies" while copies are still being saved: none is saved afterwards', { open: false }, async (s) => {
  const { emu } = s;
  // Two videos finished a minute ago, both to be saved: the first download is held on the wire
  // while the second waits its turn, and the user removes all copies meanwhile.
  const base = emu.sample('talking.mp4');
  const links = [`${base}?copy=1`, `${base}?copy=2`];
  const now = Date.now();
  const tasks = links.map((video_url, i) => ({
    task_id: `recent-${i + 1}`,
    request: { model: 'avatar-pro', body: { image_url: emu.sample('portrait-1.png'), audio_url: emu.sample('speech-1.mp3'), duration: 5, resolution: 720 } },
    credits: 8, submitted_ms: now - 120_000 + i, status: 'completed', video_url, finished_ms: now - 60_000 + i,
  }));
  const setup = await s.context.newPage();
  await setup.goto(`${s.app.url}config.json`);
  await setup.evaluate(([name, v]) => localStorage.setItem(name, v), [stored('tasks'), JSON.stringify({ version: 3, tasks, history: [] })]);
  await setup.close();

  const page = await s.context.newPage();
  const fetched = [];
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route((url) => url.href.startsWith(`${base}?`), async (route) => {
    if (route.request().resourceType() !== 'fetch') return route.continue();
    fetched.push(route.request().url());
    await held;
    return route.continue();
  });
  await page.goto(s.app.url);
  await waitForAppReady(page);
  await waitUntil(async () => fetched.length === 1, { what: 'the first copy being downloaded' });

  await openSettings(page);
  await page.getByRole('button', { name: 'Remove all saved copies' }).click();
  await see(page, 'Saved copies removed: every task keeps its record and its provider link.');
  release();
  for (const t of tasks) await see(taskRow(page, t.task_id), 'No copy saved in this browser');
  // The queued copy would have been fetched right after the first one's download ended.
  await page.waitForTimeout(2_000);
  assert.equal(fetched.length, 1, `the copy still queued is not downloaded: ${fetched}`);
  assert.ok(links.includes(fetched[0]), `the link fetched as given: ${fetched[0]}`);
  const copies = await savedCopies(page);
  assert.ok(copies === null || Object.keys(copies).length === 0, `nothing kept: ${JSON.stringify(copies)}`);
  for (const t of tasks) await see(taskRow(page, t.task_id), 'No copy saved in this browser');
  // And not after a reload either: removed is what the user chose.
  await page.reload();
  await waitForAppReady(page);
  for (const t of tasks) await see(taskRow(page, t.task_id), 'No copy saved in this browser');
  await page.waitForTimeout(2_000);
  assert.equal(fetched.length, 1, 'nothing downloaded after the reload');
});

journey('A long history: only the rows on screen look for their copies, and a row shown later finds its own', { open: false }, async (s) => {
  const { emu } = s;
  const base = emu.sample('talking.mp4');
  const days = 3 * 24 * 3600 * 1000;
  const now = Date.now();
  const tasks = Array.from({ length: 30 }, (_, i) => ({
    task_id: `old-${String(i).padStart(2, '0')}`,
    request: { model: 'avatar-pro', body: { image_url: emu.sample('portrait-1.png'), audio_url: emu.sample('speech-1.mp3'), duration: 5, resolution: 720 } },
    credits: 8, submitted_ms: now - days - i * 60_000, status: 'completed', video_url: `${base}?n=${i}`, finished_ms: now - days - i * 60_000 + 30_000,
  }));
  // The 26th task, on the list's second page, has a copy saved on an earlier visit.
  const setup = await s.context.newPage();
  await setup.goto(`${s.app.url}config.json`);
  await setup.evaluate(async ([name, v, videos, url]) => {
    localStorage.setItem(name, v);
    await (await caches.open(videos)).put(url, await fetch(url));
  }, [stored('tasks'), JSON.stringify({ version: 3, tasks, history: [] }), VIDEOS, tasks[25].video_url]);
  await setup.close();
  // Counts the page's lookups in Cache Storage.
  await s.context.addInitScript(() => {
    window.lookups = 0;
    const match = Cache.prototype.match;
    Cache.prototype.match = function (...args) { window.lookups++; return match.apply(this, args); };
  });

  const page = await s.context.newPage();
  await page.goto(s.app.url);
  await waitForAppReady(page);
  await see(taskRow(page, 'old-19'), 'No copy saved in this browser');
  await page.waitForTimeout(1_500);
  const first = await page.evaluate(() => window.lookups);
  assert.equal(first, 20, 'the 20 rows shown looked up their copies, no more');
  assert.equal(await taskRow(page, 'old-25').count(), 0, 'the second page is not shown yet');

  await page.getByRole('button', { name: 'Show 10 older' }).click();
  await see(taskRow(page, 'old-25'), /Saved in this browser · /);
  // Every row shown next has had its answer (they are looked up one after another).
  for (const t of tasks.slice(20)) if (t.task_id !== 'old-25') await see(taskRow(page, t.task_id), 'No copy saved in this browser');
  await page.waitForTimeout(1_500);
  assert.equal(await page.evaluate(() => window.lookups), 30, 'then the 10 rows shown next, no more');
});
