// The key: kept for the session unless remembered, and never leaked.

import assert from 'node:assert/strict';
import { journey, DEMO_KEY } from './harness.mjs';
import { description, field, generate, openSettings, readyShortSample, see, setKey, stored, trySample, waitForCost, waitForStatus } from './ui.mjs';

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

// ---------------------------------------------------------------------------
// The API base URL: checked, and applied only when the user confirms it.

/** Every request the pages of this journey send, as {method, url, auth}. */
function recordRequests(s) {
  const sent = [];
  s.context.on('request', (r) => sent.push({ method: r.method(), url: r.url(), auth: r.headers().authorization }));
  return sent;
}

/** Empties a field the way a person does: select all, delete. */
async function clearField(locator) {
  await locator.click();
  await locator.press('ControlOrMeta+a');
  await locator.press('Backspace');
}

const HTTPS_RULE = 'The API base URL must start with https:// (http:// only for this computer: 127.0.0.1 or localhost).';

// Speed 2: the task runs for about half a minute, so it is still being checked after the
// new base is applied, however slowly the machine types.
journey('API base URL: a half-typed address changes nothing until Apply; a doubled /api/v2 is stripped, said, and used', { emulator: { speed: 2 } }, async (s) => {
  const { page, emu } = s;
  const sent = recordRequests(s);
  const port = new URL(emu.origin).port;
  const isPoll = (id) => (r) => r.method() === 'GET' && r.url().includes(`/avatar/tasks/${id}`);

  // A running task, so the page keeps checking on it while the base is being typed.
  await readyShortSample(page, DEMO_KEY);
  const id = await generate(page);
  await openSettings(page);
  const base = field(page, 'API base URL');
  await clearField(base);
  await base.pressSequentially('http://localh', { delay: 15 });
  await see(page.locator('#settings'), /^Not applied yet: press Apply or Enter\./);
  // The next status check still goes to the base in use.
  const during = await page.waitForRequest(isPoll(id), { timeout: 40_000 });
  assert.ok(during.url().startsWith(`${emu.origin}/api/v2/avatar/tasks/`), `while typing, a check went to ${during.url()}`);

  // The rest, as the provider's docs print it (with /api/v2), confirmed with Enter.
  await base.pressSequentially(`ost:${port}/api/v2/`, { delay: 15 });
  await base.press('Enter');
  const stripped = `http://localhost:${port}`;
  await see(page.locator('#settings'), `Using ${stripped}: the page adds /api/v2/… itself.`);
  assert.equal(await base.inputValue(), stripped, 'the field shows the base in use');
  assert.match(await description(base), /Using http:\/\/localhost:\d+: the page adds/);
  const after = await page.waitForRequest((r) => isPoll(id)(r) && r.url().startsWith(stripped), { timeout: 40_000 });
  assert.equal(new URL(after.url()).pathname, `/api/v2/avatar/tasks/${id}`);

  // Check key asks the stripped base, and the API answers as the API.
  await page.locator('#check-key').click();
  await see(page.locator('#settings .check-result'), /Valid: the API accepts this key/);
  const check = sent.filter((r) => r.url.includes('/avatar/tasks/key-check')).at(-1);
  assert.ok(check && check.url.startsWith(`${stripped}/api/v2/avatar/tasks/`), `Check key asked ${check?.url}`);

  // Nothing ever went to the half-typed host or to a doubled path.
  for (const r of sent) {
    assert.ok(!/\/\/localh(\/|:|$)|localho?s?\/|\/api\/v2\/api\/v2/.test(r.url), `a request went to ${r.url}`);
  }
  // Kept for the next visit.
  await page.reload();
  await openSettings(page);
  assert.equal(await field(page, 'API base URL').inputValue(), stripped);
});

journey('API base URL: no scheme, or http:// to another computer, is refused with a sentence and not applied', async (s) => {
  const { page, emu } = s;
  const sent = recordRequests(s);
  const port = new URL(emu.origin).port;
  await setKey(page, DEMO_KEY);
  await openSettings(page);
  const base = field(page, 'API base URL');
  for (const [typed, sentence] of [
    [`127.0.0.1:${port}`, `${HTTPS_RULE} Did you mean http://127.0.0.1:${port}?`],
    ['api.example.com', `${HTTPS_RULE} Did you mean https://api.example.com?`],
    ['http://api.example.com', `${HTTPS_RULE} api.example.com is not this computer: use https://api.example.com.`],
  ]) {
    await clearField(base);
    await base.pressSequentially(typed, { delay: 10 });
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    const alert = page.locator('#settings').getByRole('alert').filter({ hasText: /\S/ });
    await alert.waitFor();
    assert.equal((await alert.innerText()).trim(), sentence, typed);
    assert.ok((await description(base)).includes(sentence), `the field is described by the sentence (${typed})`);
    assert.equal(await base.getAttribute('aria-invalid'), 'true');
    assert.equal(await base.inputValue(), typed, 'what was typed stays in the field');
    // Check key does not check it: it asks to fix the base first, and sends nothing.
    const before = sent.length;
    await page.locator('#check-key').click();
    await see(page.locator('#settings .check-result'), 'Fix the API base URL first');
    assert.equal(sent.length, before, `Check key sent ${sent.slice(before).map((r) => r.url).join(', ')}`);
  }
  assert.equal(await page.evaluate((name) => localStorage.getItem(name), stored('api-base')), null, 'nothing saved');
  // Every request went to the emulator or the page's own origin.
  const app = new URL(s.app.url).origin;
  for (const r of sent) assert.ok(r.url.startsWith(emu.origin) || r.url.startsWith(app), `a request went to ${r.url}`);

  // The suggested address works: typed, applied, checked.
  await clearField(base);
  await base.pressSequentially(emu.origin, { delay: 10 });
  await base.press('Enter');
  await page.locator('#check-key').click();
  await see(page.locator('#settings .check-result'), /Valid: the API accepts this key/);
  assert.equal(await base.getAttribute('aria-invalid'), 'false');
});

// ---------------------------------------------------------------------------
// The key: what a paste carries around it is removed; what cannot be sent is refused.

journey('API key: a pasted key is cleaned (Bearer prefix, zero-width space, line break, curly quotes) and Check key says valid', async (s) => {
  const { page, emu } = s;
  const sent = recordRequests(s);
  await openSettings(page);
  const key = field(page, 'API key');
  for (const [how, typed, note] of [
    ['typed', 'Bearer sk_demo', 'Removed a “Bearer ” prefix.'],
    ['pasted', 'sk_\u200Bdemo', 'Removed 1 invisible character.'],
    ['pasted', 'sk_demo\t', 'Removed 1 space.'],
    ['pasted', '\u201Csk_demo\u201D', 'Removed the quotes around it.'],
    ['pasted', '  Bearer sk_demo\u200B ', 'Removed a “Bearer ” prefix, 3 spaces and 1 invisible character.'],
  ]) {
    await clearField(key);
    if (how === 'typed') await key.pressSequentially(typed, { delay: 10 });
    else await page.keyboard.insertText(typed);
    assert.equal(await key.inputValue(), typed, 'the field keeps what was typed');
    await see(page.locator('#settings'), note);
    assert.ok((await description(key)).includes(note), `the key field is described by "${note}"`);
    assert.equal(await key.getAttribute('aria-invalid'), 'false');
    await page.locator('#check-key').click();
    await see(page.locator('#settings .check-result'), /Valid: the API accepts this key/);
    const check = sent.filter((r) => r.url.includes('/avatar/tasks/key-check')).at(-1);
    assert.equal(check.auth, 'Bearer sk_demo', `${JSON.stringify(typed)} was sent as "${check.auth}"`);
  }
  // A line break inside a paste: the browser drops it from a one-line field, the key still works.
  await clearField(key);
  await page.keyboard.insertText('sk_demo\n');
  await page.locator('#check-key').click();
  await see(page.locator('#settings .check-result'), /Valid: the API accepts this key/);
  assert.equal(sent.filter((r) => r.url.includes('/avatar/tasks/key-check')).at(-1).auth, 'Bearer sk_demo');
  // Saved clean.
  assert.equal(await page.evaluate((name) => sessionStorage.getItem(name), stored('api-key')), 'sk_demo');
  assert.equal((await emu.account()).charged, 0);
});

journey('API key: the masked key from Copy as curl is refused with a sentence; Generate is not possible and nothing is sent with it', async (s) => {
  const { page, emu } = s;
  const sent = recordRequests(s);
  // The user copies the key from "Copy as curl", where it is masked.
  await setKey(page, 'sk_live_0123456789abcdef');
  await trySample(page);
  await page.getByText('Copy as curl', { exact: true }).click();
  const curl = await page.locator('.curl pre').innerText();
  const masked = /Bearer (sk_\S*…\S*)'/.exec(curl)?.[1];
  assert.equal(masked, 'sk_…cdef', `Copy as curl shows ${curl}`);

  await openSettings(page);
  const key = field(page, 'API key');
  await clearField(key);
  await page.keyboard.insertText(masked);
  const sentence = 'This is the masked key from Copy as curl; paste the full key.';
  const alert = page.locator('#settings').getByRole('alert').filter({ hasText: sentence });
  await alert.waitFor();
  assert.ok((await description(key)).includes(sentence), 'the key field is described by the sentence');
  assert.equal(await key.getAttribute('aria-invalid'), 'true');
  assert.equal(await key.inputValue(), masked, 'the field keeps what was pasted');
  // As for a missing key: the header, the button, Check key; and it is not kept.
  await see(page.locator('.topbar'), 'No API key yet');
  await page.locator('#check-key').click();
  await see(page.locator('#settings .check-result'), sentence);
  await see(page, 'Add your API key in Settings to generate.');
  // aria-disabled, not disabled: a person can still press it; it only says why not.
  await page.locator('#generate').click({ force: true });
  await see(page.locator('.topbar'), 'No API key yet');
  assert.equal(await page.evaluate((name) => sessionStorage.getItem(name), stored('api-key')), null);

  // A curly quote in the middle: named, and refused the same way.
  await clearField(key);
  await page.keyboard.insertText('sk_de\u201Cmo');
  await see(page.locator('#settings'), 'The key contains “ (U+201C), which cannot be sent: paste the key again.');
  await see(page.locator('.topbar'), 'No API key yet');

  for (const r of sent) {
    assert.ok(!r.url.includes('/api/v2/') || r.auth === 'Bearer sk_live_0123456789abcdef' || r.auth === undefined, `sent ${r.method} ${r.url} with "${r.auth}"`);
    assert.ok(!String(r.auth).includes('…'), `the masked key was sent: ${r.method} ${r.url}`);
  }
  assert.equal(sent.filter((r) => r.method === 'POST').length, 0, 'no submit');
  assert.equal((await emu.tasks()).length, 0);
  s.assertNoPageErrors();
});

journey('Settings on a phone: every field and button fits the screen', { viewport: 'phone' }, async (s) => {
  const { page } = s;
  await openSettings(page);
  const outside = await page.evaluate(() => [...document.querySelectorAll('#settings *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.trim().slice(0, 40)}`));
  assert.deepEqual(outside, [], 'nothing runs off the right edge');
});
