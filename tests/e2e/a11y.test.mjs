// Accessibility: axe-core on every main state, and the whole journey by keyboard.

import assert from 'node:assert/strict';
import { journey, DEMO_KEY } from './harness.mjs';
import {
  auditA11y, closeSettings, enter, field, focused, generateButton, openSettings, proCost, see, setKey, tabTo, taskRow,
  trySample, videoFacts, waitForCost, waitForStatus,
} from './ui.mjs';

journey('axe finds no serious or critical problem in any main state', { emulator: { keys: { sk_demo: 500, sk_poor: 5 } } }, async (s) => {
  const { page } = s;
  await auditA11y(page, 'empty');
  await openSettings(page);
  await auditA11y(page, 'settings');
  await s.screenshot('04-settings');
  await closeSettings(page);

  await setKey(page, 'sk_poor');
  await trySample(page);
  await waitForCost(page, 20);
  await auditA11y(page, 'filled');

  await enter(page, 'Image URL', 'javascript:alert(1)');
  await page.waitForFunction(() => document.querySelector('[aria-invalid="true"]'));
  await auditA11y(page, 'invalid fields');
  await trySample(page);
  await waitForCost(page, 20);

  await generateButton(page).click();
  await see(page, /Not enough credits/);
  await auditA11y(page, 'error 402');

  await setKey(page, DEMO_KEY);
  const submitted = page.waitForResponse((r) => r.request().method() === 'POST' && r.status() === 202);
  await generateButton(page).click();
  const { task_id: id } = await (await submitted).json();
  await taskRow(page, id).waitFor();
  await auditA11y(page, 'running');
  await waitForStatus(page, id, 'completed');
  await videoFacts(page, id);
  await auditA11y(page, 'finished');
});

journey('axe in the dark theme on a phone', { viewport: 'phone', colorScheme: 'dark' }, async (s) => {
  const { page } = s;
  await setKey(page, DEMO_KEY);
  await trySample(page);
  await waitForCost(page, 20);
  await auditA11y(page, 'filled, dark, phone');
  await s.screenshot('phone-dark-filled');
});

journey('The whole journey with the keyboard alone', async (s) => {
  const { page, emu } = s;
  const kb = page.keyboard;

  await tabTo(page, /^Settings/);
  await kb.press('Enter');
  await tabTo(page, /^API key/);
  await kb.type(DEMO_KEY);
  assert.equal(await field(page, 'API key').inputValue(), DEMO_KEY);
  // Leave settings the keyboard way.
  await tabTo(page, /^Close$/);
  await kb.press('Enter');

  await tabTo(page, /^Try a sample/);
  await kb.press('Enter');
  await waitForCost(page, 20);

  const f = await tabTo(page, /^Resolution/);
  if (f.tag === 'select') {
    await kb.press('ArrowUp'); // 1280 → 720
  } else {
    await kb.press('ArrowLeft');
  }
  await waitForCost(page, proCost(720, 10));

  await tabTo(page, /^Generate/);
  const submitted = page.waitForResponse((r) => r.request().method() === 'POST');
  await kb.press('Enter');
  const res = await submitted;
  assert.equal(res.status(), 202);
  const { task_id: id } = await res.json();
  await waitForStatus(page, id, 'completed');
  await videoFacts(page, id);

  // Focus is somewhere sensible (not lost to <body>), and the video is reachable.
  assert.notEqual((await focused(page)).tag, 'body', 'focus is not lost after submit');
  await page.waitForFunction((id) => {
    const row = [...document.querySelectorAll('[data-task-id]')].find((r) => r.dataset.taskId === id);
    return row && row.querySelector('video');
  }, id);
  let reached = false;
  for (let i = 0; i < 80 && !reached; i++) {
    await kb.press('Tab');
    reached = await page.evaluate((id) => {
      const row = [...document.querySelectorAll('[data-task-id]')].find((r) => r.dataset.taskId === id);
      return !!row && row.contains(document.activeElement) && document.activeElement.tagName === 'VIDEO';
    }, id);
  }
  assert.ok(reached, 'the finished video can be focused with Tab');
  assert.equal((await emu.account(DEMO_KEY)).charged, proCost(720, 10));
});

journey('axe on the batch table, Compare, the credit log and a stopped batch', { emulator: { keys: { sk_demo: 500, sk_two: 16 } } }, async (s) => {
  const { page } = s;
  await setKey(page, DEMO_KEY);
  await trySample(page);
  await waitForCost(page, 20);
  await page.getByRole('button', { name: 'Add variant' }).click();
  await page.waitForTimeout(150);
  await page.getByLabel('Variant 2: Audio URL', { exact: true }).fill('');
  await see(page, /Variant 2: Audio URL is required/);
  await auditA11y(page, 'batch with a problem');
  await trySample(page);
  await page.getByLabel('Variant 2: Audio URL', { exact: true }).fill(await field(page, 'Audio URL').inputValue());
  await page.getByLabel('Variant 2: Resolution', { exact: true }).selectOption({ label: '720 px' });
  await see(generateButton(page), /^Generate 2 videos · \d+ credits/);
  await generateButton(page).click();
  await see(page, /Batch sent/);
  const ids = (await s.emu.tasks()).map((t) => t.task_id);
  for (const id of ids) await waitForStatus(page, id, 'completed');
  const boxes = page.locator('#compare').getByRole('checkbox');
  await boxes.nth(0).check();
  await page.waitForTimeout(150);
  await boxes.nth(1).check();
  await page.locator('#compare-grid video').nth(1).waitFor();
  await auditA11y(page, 'compare');
  await page.locator('#credits > summary').click();
  await auditA11y(page, 'credit log open');
  await s.screenshot('credits', page, { at: page.locator('#credits') });

  // A batch stopped by a 402, with its offer to send the rest.
  await setKey(page, 'sk_two');
  await page.getByRole('button', { name: 'Add variant' }).click();
  await page.waitForTimeout(150);
  await page.getByRole('button', { name: 'Add variant' }).click();
  await generateButton(page).click();
  // Its rows repeat the batch sent above: the page asks first.
  await see(page.getByRole('alertdialog'), /repeat a request you sent/);
  await auditA11y(page, 'batch repeat question');
  await page.locator('#confirm-send').click();
  await see(page.locator('#batch-status'), /Not sent/);
  await auditA11y(page, 'batch stopped');
});
