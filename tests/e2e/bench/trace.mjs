// Where a page load's time goes on the renderer's main thread, read from a
// Chromium trace (the same events DevTools' Performance panel shows).

/** Trace categories: tasks, script, style/layout/paint, wasm compilation, navigationStart. */
const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.wasm', 'blink.user_timing', 'loading', 'blink'].join(',');

/** Kinds of main-thread work, by trace event name; the first match wins. */
const KINDS = [
  ['wasm compilation', /wasm/i],
  ['script (JS and wasm)', /^(FunctionCall|EvaluateScript|v8\.|V8\.|RunMicrotasks|TimerFire|EventDispatch|FireAnimationFrame|HTMLParserScriptRunner|PendingScript|ScriptCompile)/],
  ['style and layout', /Layout|Style|ShapeText|InlineNode/],
  ['paint', /^(Paint|PrePaint|LocalFrameView::RunPaint|UpdateLayer|Layerize|Commit$)/],
  ['HTML parsing', /^(ParseHTML|HTMLDocumentParser)/],
];
/** Main-thread work no kind names: navigation, loading, the event loop. */
const OTHER = 'navigation, loading, other';
/** The main thread waiting: on the network, other threads or a timer. */
const IDLE = 'main thread idle';
/** Every kind a breakdown reports, in table order. */
export const KIND_NAMES = [...KINDS.map(([k]) => k), OTHER, IDLE];

/** Starts tracing `page` (a playwright page); `stop()` returns the events. */
export async function startTrace(context, page) {
  const cdp = await context.newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' });
  return async () => {
    const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await done;
    await cdp.detach();
    return events;
  };
}

/**
 * Milliseconds of each kind on the main thread of the renderer that
 * loaded `url` in the main frame, from its navigationStart to `untilMs` after it (e.g. the
 * moment the form was ready, as `performance.now()` saw it). Nested events
 * count once: each event's own time, less the events inside it.
 */
export function mainThreadBreakdown(events, url, untilMs) {
  const nav = events.filter((e) => e.name === 'navigationStart' && e.args?.data?.isLoadingMainFrame && e.args.data.documentLoaderURL === url).at(-1);
  if (!nav) throw new Error(`the trace has no navigationStart of ${url}`);
  const start = nav.ts;
  const end = start + untilMs * 1000;
  const own = events
    .filter((e) => e.pid === nav.pid && e.tid === nav.tid && e.ph === 'X' && e.dur > 0)
    .map((e) => ({ name: e.name, from: Math.max(e.ts, start), to: Math.min(e.ts + e.dur, end) }))
    .filter((e) => e.to > e.from)
    .sort((a, b) => a.from - b.from || b.to - a.to);
  const totals = Object.fromEntries(KIND_NAMES.map((k) => [k, 0]));
  const kindOf = (name) => KINDS.find(([, re]) => re.test(name))?.[0] ?? OTHER;
  const stack = [];
  let busy = 0;
  for (const e of own) {
    while (stack.length && stack.at(-1).to <= e.from) stack.pop();
    const parent = stack.at(-1);
    const length = e.to - e.from;
    if (parent) totals[kindOf(parent.name)] -= Math.min(length, parent.to - e.from);
    else busy += length;
    totals[kindOf(e.name)] += length;
    stack.push(e);
  }
  totals[IDLE] = end - start - busy;
  return Object.fromEntries(Object.entries(totals).map(([k, us]) => [k, us / 1000]));
}
