// The history file (README, "History file"): a person exports their list, loses the browser's
// data, imports the file and has the same list back, videos playing, with nothing sent or charged
// again; a second import adds nothing; a tampered, foreign or non-JSON file is refused in words
// and changes nothing.

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { journey, DEMO_KEY } from './harness.mjs';
import {
  assertPlayableVideo, generate, isSubmit, readyShortSample, see, stored, taskRows, waitForStatus,
} from './ui.mjs';

/** readyShortSample's video: 5 s at 720 px. */
const SHORT = { seconds: 5, longEdge: 720 };
const COST = 8;

/** Picks `file` ({name, text}) in the Import history… input, as the file chooser would. */
async function importFile(page, { name, text }) {
  await page.locator('#import-history').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
}

/** The page's notice once it says something matching `pattern`; `error` picks the kind. */
async function notice(page, pattern, { error = false } = {}) {
  const words = page.locator(`.notice${error ? '.error' : ':not(.error)'}`);
  await see(words, pattern);
  return (await words.innerText()).replace(/\s+/g, ' ').trim();
}

journey('History file: export, lose the browser data, import: the same list, playing, nothing charged again', async (s) => {
  const { page, emu } = s;
  const posts = [];
  page.on('request', (r) => { if (isSubmit(r)) posts.push(r.url()); });
  await readyShortSample(page, DEMO_KEY);
  const id = await generate(page);
  await waitForStatus(page, id, 'completed');

  // Export: a file the browser saves.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export history' }).click();
  const download = await downloading;
  assert.match(download.suggestedFilename(), /^avatar-studio-history-\d{4}-\d{2}-\d{2}\.json$/);
  const text = await fsp.readFile(await download.path(), 'utf8');
  const file = JSON.parse(text);
  assert.equal(file.format, 'avatar-studio.history');
  assert.equal(file.version, 2);
  assert.deepEqual(file.tasks.map((t) => [t.task_id, t.state, t.credits]), [[id, 'reported:completed', COST]]);
  assert.equal(file.tasks[0].request.model, 'avatar-pro');
  assert.ok(!text.includes(DEMO_KEY), 'the file never holds the key');

  // The browser's data is gone (site data cleared, or another browser).
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await see(page, 'No videos yet.');
  assert.equal(await taskRows(page).count(), 0);

  await importFile(page, { name: download.suggestedFilename(), text });
  assert.match(await notice(page, /History imported/), /1 task added, 0 tasks updated, 0 tasks already here/);
  await waitForStatus(page, id, 'completed');
  await assertPlayableVideo(page, id, SHORT);
  // Saved: a reload still lists it.
  await page.reload();
  await waitForStatus(page, id, 'completed');

  // The same file again adds nothing.
  await importFile(page, { name: 'again.json', text });
  assert.match(await notice(page, /History imported/), /0 tasks added, 0 tasks updated, 1 task already here/);
  assert.equal(await taskRows(page).count(), 1);

  // Refused files change nothing, and say why.
  const before = await page.evaluate((name) => localStorage.getItem(name), stored('tasks'));
  const tampered = text.replace(`"credits":${COST}`, '"credits":"free"');
  assert.notEqual(tampered, text);
  await importFile(page, { name: 'tampered.json', text: tampered });
  assert.match(await notice(page, /damaged/, { error: true }), /task 1 cannot be read.*Nothing was imported/);
  await importFile(page, { name: 'other.json', text: JSON.stringify({ version: 3, tasks: [] }) });
  assert.match(await notice(page, /not an Avatar Studio history file/, { error: true }), /avatar-studio\.history/);
  await importFile(page, { name: 'page.json', text: '<!doctype html><p>hello' });
  await notice(page, /not JSON/, { error: true });
  const newer = JSON.stringify({ ...file, version: 9 });
  await importFile(page, { name: 'newer.json', text: newer });
  await notice(page, /newer version of Avatar Studio \(format 9\)/, { error: true });
  assert.equal(await page.evaluate((name) => localStorage.getItem(name), stored('tasks')), before, 'storage unchanged');
  assert.equal(await taskRows(page).count(), 1);

  assert.equal(posts.length, 1, `one submit in all: ${posts.join(', ')}`);
  assert.equal((await emu.account(DEMO_KEY)).charged, COST, 'charged once');
});
