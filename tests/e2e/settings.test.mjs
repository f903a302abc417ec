// The key: kept for the session unless remembered, and never leaked.

import assert from 'node:assert/strict';
import { journey, DEMO_KEY } from './harness.mjs';
import { field, generate, openSettings, setKey, trySample, waitForCost, waitForStatus } from './ui.mjs';

/** Every string the page keeps in Web Storage, as "area key=value". */
function storedStrings(page) {
  return page.evaluate(() => {
    const out = [];
    for (const [area, store] of [['local', localStorage], ['session', sessionStorage]]) {
      for (let i = 0; i < store.length; i++) out.push(`${area} ${store.key(i)}=${store.getItem(store.key(i))}`);
    }
    return out;
  });
}

journey('The key is kept for the session only, unless "Remember on this device" is ticked', async (s) => {
  const { page, emu } = s;
  const urls = [];
  s.context.on('request', (r) => urls.push(r.url()));

  await setKey(page, DEMO_KEY);
  // Survives a reload of this tab…
  await page.reload();
  await openSettings(page);
  assert.equal(await field(page, 'API key').inputValue(), DEMO_KEY, 'the key survives a reload of the tab');
  assert.equal(await field(page, 'API key').getAttribute('type'), 'password', 'the key is masked');
  for (const line of await storedStrings(page)) {
    if (line.startsWith('local ')) assert.ok(!line.includes(DEMO_KEY), `not remembered, yet in localStorage: ${line}`);
  }
  // …and works: a task goes through with it.
  await trySample(page);
  await waitForCost(page, 20);
  const id = await generate(page);
  await waitForStatus(page, id, 'completed');

  // …but a new tab (a new session) does not have it, though it has the task.
  const tab2 = await s.newPage();
  await openSettings(tab2);
  assert.equal(await field(tab2, 'API key').inputValue(), '', 'a new session starts without the key');
  await tab2.close();

  // Remembered: a new tab has it.
  await setKey(page, DEMO_KEY, { remember: true });
  const tab3 = await s.newPage();
  await openSettings(tab3);
  assert.equal(await field(tab3, 'API key').inputValue(), DEMO_KEY, 'a remembered key is there in a new tab');

  // Never in a URL, never in config.json.
  for (const u of urls) assert.ok(!u.includes(DEMO_KEY), `the key appeared in a URL: ${u}`);
  const config = await (await fetch(new URL('config.json', s.app.url))).text();
  assert.ok(!config.includes('sk_'), 'config.json holds no key');
  assert.equal((await emu.tasks()).length, 1);
});
