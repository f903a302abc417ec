// What a user does on the page and what they see, in words and roles (the
// labels fixed in the brief), so the journeys read like the user's steps.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** How long a generated task may take in the suite before it is a failure. */
export const TASK_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------
// The contract's prices, restated from the provider's docs as an independent
// oracle (the app computes them with the avatar-api crate).

/** AI Avatar Pro: ceil(rate × billable seconds); rates 1.5 / 2 / 2.5 credits per second. */
export function proCost(resolution, seconds) {
  const halves = { 720: 3, 1280: 4, 1536: 5 }[resolution];
  assert.ok(halves, `no Pro rate for ${resolution}`);
  const ms = Math.round(Math.min(seconds, 35) * 1000);
  return Math.ceil((halves * ms) / 2000);
}

/** AI Avatar: ceil(audio seconds) × 5 (HD, width or height ≥ 1000) or × 1 (SD). */
export function digitalHumanCost(width, height, audioSeconds) {
  const hd = width >= 1000 || height >= 1000;
  return Math.ceil(Math.round(audioSeconds * 1000) / 1000) * (hd ? 5 : 1);
}

/** Dual Avatar: ceil(audio seconds × 2). */
export function dualCost(audioSeconds) {
  return Math.ceil((2 * Math.round(audioSeconds * 1000)) / 1000);
}

/** The real length of a media file (ffprobe), in seconds. */
export async function mediaSeconds(url) {
  const { stdout } = await promisify(execFile)('ffprobe', [
    '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', url,
  ]);
  return Number(stdout.trim());
}

// ---------------------------------------------------------------------------
// Controls

/** The submit button: "Generate · N credits", or "Sent ✓" for a moment after an accepted submit. */
/**
 * The browser-storage name of one of the page's items (`tasks`, `api-key`, `api-base`) for the
 * deployment at `basePath`: each deployment keeps its own (src/storage.rs, `Scope`).
 */
export const stored = (item, basePath = '/') => `avatar-studio@${basePath}.${item}`;

export const generateButton = (page) => page.getByRole('button', { name: /^(Generate|Sent)/ });
export const taskList = (page) => page.getByRole('list', { name: 'Tasks' });
export const taskRows = (page) => taskList(page).locator('[data-task-id]');
export const field = (page, label) => page.getByLabel(label, { exact: true });

/** The row of one task, optionally only once it has the given status. */
export function taskRow(page, id, status) {
  const sel = `[data-task-id="${cssString(id)}"]` + (status ? `[data-status="${status}"]` : '');
  return taskList(page).locator(sel);
}

function cssString(s) {
  return String(s).replace(/["\\]/g, '\\$&');
}

/** Opens Settings unless the API key field is already showing. */
export async function openSettings(page) {
  const key = field(page, 'API key');
  if (!(await key.isVisible())) await page.getByRole('button', { name: /^Settings/ }).click();
  await key.waitFor({ state: 'visible' });
}

/** Closes Settings if it offers a way to (Close / Done / Save), else leaves it. */
export async function closeSettings(page) {
  const close = page.getByRole('button', { name: /^(Close|Done|Save)\b/ });
  if (await close.first().isVisible().catch(() => false)) await close.first().click();
}

/** Types the API key in Settings, ticking "Remember on this device" when asked. */
export async function setKey(page, key, { remember = false } = {}) {
  await openSettings(page);
  await field(page, 'API key').fill(key);
  const rememberBox = page.getByLabel(/Remember on this device/);
  if (remember) await rememberBox.check();
  else if (await rememberBox.isVisible()) await rememberBox.uncheck();
  await closeSettings(page);
}

/** Picks a model in the model picker: clicks its card (the radio's label), as a user does. */
export async function pickModel(page, name) {
  const exact = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b(?! Pro)`);
  const radio = page.getByRole('group', { name: 'Model' }).getByRole('radio', { name: exact });
  const id = await radio.getAttribute('id');
  const labels = [radio.locator('xpath=ancestor::label'), id && page.locator(`label[for="${id}"]`)].filter(Boolean);
  let clicked = false;
  for (const label of labels) {
    if (!clicked && (await label.count())) {
      await label.first().click();
      clicked = true;
    }
  }
  if (!clicked) await radio.check();
  assert.ok(await radio.isChecked(), `${name} is selected`);
}

/** Types into a labelled field and leaves it (Tab), as a user does: "change" fires. */
export async function enter(page, label, value) {
  const f = field(page, label);
  await f.fill(value);
  await f.press('Tab');
}

/** The text of the elements that describe a control (aria-describedby). */
export function description(locator) {
  return locator.evaluate((el) =>
    (el.getAttribute('aria-describedby') || '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent || '')
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

/** Clicks "Try a sample" (the first sample, or the one whose label matches). */
export async function trySample(page, label) {
  await page.getByRole('button', { name: /^Try a sample/ }).first().click();
  if (label) await page.getByRole('button', { name: label }).click();
}

/** The cost the submit button carries: "Generate · 20 credits" → 20. */
export async function shownCost(page) {
  const name = await generateButton(page).innerText();
  const m = name.match(/(\d+)\s*credits?/);
  assert.ok(m, `the Generate button shows no cost: "${name}"`);
  return Number(m[1]);
}

/** Waits until the Generate button carries exactly this cost, and returns its text. */
export async function waitForCost(page, credits) {
  const button = generateButton(page);
  await page.waitForFunction(
    ([credits]) => [...document.querySelectorAll('button')].some((b) => new RegExp(`^\\s*Generate\\b.*\\b${credits} credits?\\b`).test(b.textContent)),
    [credits],
    { timeout: 15_000 },
  ).catch(async () => {
    throw new Error(`Generate should carry ${credits} credits; it shows "${await button.innerText()}"`);
  });
  return button.innerText();
}

/** Waits until Generate can be pressed again: it says "Generate" (not "Sent ✓") and is not marked unavailable. */
export async function waitForGenerateReady(page, timeout = 15_000) {
  await page
    .waitForFunction(() => {
      const b = document.getElementById('generate');
      return b && /^\s*Generate\b/.test(b.textContent) && !b.disabled && b.getAttribute('aria-disabled') !== 'true';
    }, null, { timeout })
    .catch(async () => {
      const b = page.locator('#generate');
      const why = await page.locator('#submit-reason').innerText().catch(() => '');
      throw new Error(`Generate never became available: it shows "${await b.innerText().catch(() => '?')}" (${why || 'no reason given'})`);
    });
}

/** Is this the page's submit to the API? */
export const isSubmit = (r) => (r.request?.() ?? r).method() === 'POST' && /\/api\/v2\/avatar\//.test(r.url());

/** The question Generate asks before sending a request identical to a recent one (or one whose outcome is unknown). */
export const repeatQuestion = (page) => page.getByRole('alertdialog');

/**
 * The task id in a submit answer's text, in any of the provider's shapes (wrapped in `data`,
 * camelCase, a bare number): read from the text, as a long numeric id would lose digits in JSON.parse.
 */
export function taskIdOf(text) {
  const m = /"(?:task_id|taskId|id)"\s*:\s*(?:"([^"]+)"|(\d+))/.exec(text);
  return m ? m[1] ?? m[2] : null;
}

/**
 * Clicks Generate (once it is available) and returns the new task's id, taken
 * from the API's 202 answer (the page must then show a row with it).
 * If the page asks before sending the same request again, `again: true`
 * answers "Send again"; otherwise the question fails the step.
 */
export async function generate(page, { again = false } = {}) {
  await waitForGenerateReady(page);
  const submitted = page.waitForResponse(isSubmit);
  await generateButton(page).click();
  const asked = repeatQuestion(page).waitFor({ state: 'visible' }).then(() => 'asked', () => null);
  const first = await Promise.race([submitted.then(() => 'sent'), asked]);
  if (first === 'asked') {
    const question = await repeatQuestion(page).innerText();
    assert.ok(again, `Generate asked before sending (pass {again: true} to confirm): "${question}"`);
    await page.locator('#confirm-send').click();
  }
  const res = await submitted;
  assert.equal(res.status(), 202, `submit answered ${res.status()}: ${await res.text()}`);
  const task_id = taskIdOf(await res.text());
  assert.ok(task_id, 'the submit answer carries a task id');
  await taskRow(page, task_id).waitFor();
  return task_id;
}

/** Waits for the task's row to reach a status (data-status). */
export async function waitForStatus(page, id, status, timeout = TASK_TIMEOUT_MS) {
  const row = taskRow(page, id, status);
  await row.waitFor({ timeout }).catch(async () => {
    const now = await taskRow(page, id).getAttribute('data-status', { timeout: 1000 }).catch(() => 'no row');
    throw new Error(`task ${id} did not reach "${status}" within ${timeout} ms (it is "${now}")`);
  });
  return row;
}

/** Waits until visible text matching `pattern` appears (in the whole page or `scope`). */
export async function see(scopeOrPage, pattern, timeout = 15_000) {
  const loc = scopeOrPage.getByText(pattern).filter({ visible: true }).first();
  await loc.waitFor({ state: 'visible', timeout }).catch(async () => {
    const text = (await scopeOrPage.locator('body').innerText().catch(() => null)) ?? (await scopeOrPage.innerText().catch(() => ''));
    throw new Error(`expected to see ${pattern} but the page says:\n${text.slice(0, 3000)}`);
  });
  return loc;
}

// ---------------------------------------------------------------------------
// The finished video

/**
 * Waits until the task's <video> can play (readyState ≥ 2) and returns what
 * the browser decoded: duration, videoWidth, videoHeight, src, attributes.
 */
export async function videoFacts(page, id, timeout = 20_000) {
  const sel = `[data-task-id="${cssString(id)}"] video`;
  await page
    .waitForFunction((sel) => {
      const v = document.querySelector(sel);
      if (v && v.readyState < 2 && v.preload !== 'auto') v.preload = 'auto';
      return v && (v.readyState >= 2 || v.error);
    }, sel, { timeout })
    .catch(async () => {
      const state = await page.evaluate((sel) => {
        const v = document.querySelector(sel);
        return v ? { src: v.currentSrc || v.src, readyState: v.readyState, networkState: v.networkState } : 'no <video> in the row';
      }, sel);
      throw new Error(`the video never became playable: ${JSON.stringify(state)}`);
    });
  return page.evaluate((sel) => {
    const v = document.querySelector(sel);
    return {
      error: v.error && (v.error.message || `code ${v.error.code}`),
      readyState: v.readyState,
      duration: v.duration,
      videoWidth: v.videoWidth,
      videoHeight: v.videoHeight,
      src: v.currentSrc || v.src,
      controls: v.hasAttribute('controls'),
      playsinline: v.hasAttribute('playsinline'),
      poster: v.getAttribute('poster'),
    };
  }, sel);
}

/** Seeks the task's video to `t` seconds and plays a little: proves Range requests and decoding work. */
export async function seekAndPlay(page, id, t) {
  const sel = `[data-task-id="${cssString(id)}"] video`;
  return page.evaluate(async ([sel, t]) => {
    const v = document.querySelector(sel);
    v.muted = true;
    const seeked = new Promise((r) => v.addEventListener('seeked', r, { once: true }));
    v.currentTime = t;
    await seeked;
    const at = v.currentTime;
    await v.play();
    const start = v.currentTime;
    await new Promise((r) => {
      const tick = () => (v.currentTime > start + 0.1 || v.ended ? r() : v.requestVideoFrameCallback(tick));
      v.requestVideoFrameCallback(tick);
    });
    v.pause();
    return { seekedTo: at, playedTo: v.currentTime, readyState: v.readyState };
  }, [sel, t]);
}

/** Checks what issue 6 asks of a finished video: plays, billed length, requested long edge, seekable. */
export async function assertPlayableVideo(page, id, { seconds, longEdge }) {
  const v = await videoFacts(page, id);
  assert.equal(v.error, null, `the video failed to load: ${v.error}`);
  assert.ok(v.readyState >= 2, `readyState ${v.readyState}`);
  assert.ok(v.controls && v.playsinline, 'the video has controls and playsinline');
  assert.ok(Math.abs(v.duration - seconds) <= 0.2, `video lasts ${v.duration} s, billed ${seconds} s`);
  assert.equal(Math.max(v.videoWidth, v.videoHeight), longEdge, `video is ${v.videoWidth}×${v.videoHeight}, asked long edge ${longEdge}`);
  const target = Math.min(seconds * 0.6, seconds - 0.5);
  const s = await seekAndPlay(page, id, target);
  assert.ok(Math.abs(s.seekedTo - target) < 0.1, `seeked to ${s.seekedTo}, asked ${target}`);
  assert.ok(s.playedTo > s.seekedTo, `playback advanced from ${s.seekedTo} to ${s.playedTo}`);
  return v;
}

// ---------------------------------------------------------------------------
// Accessibility

/**
 * Runs axe-core on the page and fails on any serious or critical violation,
 * listing rule, help and the offending elements.
 */
export async function auditA11y(page, state) {
  await page.evaluate(`${axeSource}\n;0`);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} → ${v.nodes.join(', ')}`),
    [],
    `axe found serious/critical violations in state "${state}"`,
  );
  return violations;
}

// ---------------------------------------------------------------------------
// Keyboard

/** Describes the focused element by role-ish tag and accessible-ish name. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body', name: '' };
    const label =
      el.getAttribute('aria-label') ||
      (el.labels && el.labels[0] && el.labels[0].textContent) ||
      (el.getAttribute('aria-labelledby') || '')
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent || '')
        .join(' ') ||
      el.textContent ||
      el.getAttribute('title') ||
      '';
    return { tag: el.tagName.toLowerCase(), type: el.getAttribute('type'), name: label.replace(/\s+/g, ' ').trim() };
  });
}

/** Presses Tab until the focused control's name matches, failing after `max` presses. */
export async function tabTo(page, pattern, { max = 80, shift = false } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    if (pattern.test(f.name)) return f;
    seen.push(`${f.tag}:${f.name.slice(0, 30)}`);
  }
  throw new Error(`no control matching ${pattern} reachable with Tab; focus went through: ${seen.join(' | ')}`);
}

/**
 * Key + the first sample as a short, small video (5 s, 720 px, 8 credits): for runs about the page's
 * bookkeeping, not ffmpeg.
 */
export async function readyShortSample(page, key) {
  await setKey(page, key);
  await trySample(page);
  await choose(page, 'Duration', /^\s*5\b/);
  await choose(page, 'Resolution', /^\s*720/);
  await waitForCost(page, 8);
}

/**
 * Sets a labelled choice by its visible text: a <select> option, or a radio
 * in the group with that label.
 */
export async function choose(page, label, text) {
  const pattern = text instanceof RegExp ? text : new RegExp(`^\\s*${String(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
  const control = field(page, label);
  if ((await control.count()) && (await control.evaluate((el) => el.tagName)) === 'SELECT') {
    const options = await control.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent.trim() })));
    const hit = options.find((o) => pattern.test(o.text));
    assert.ok(hit, `"${label}" has no option ${pattern}; it offers ${options.map((o) => o.text).join(', ')}`);
    await control.selectOption(hit.value);
    return;
  }
  const group = page.getByRole('radiogroup', { name: label }).or(page.getByRole('group', { name: label }));
  await group.getByRole('radio', { name: pattern }).check();
}
