// Small numeric helpers shared by the browser benchmarks.

/** The q quantile (nearest rank) of numbers. */
export function quantile(values, q) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1];
}

export const median = (values) => quantile(values, 0.5);
export const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** "12.3 ms" */
export const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');

/** "met" / "**MISSED** (x above)" for a value against an upper bound. */
export function verdict(value, max, unit = 'ms') {
  if (!Number.isFinite(value)) return 'not measured';
  return value <= max ? 'met' : `**missed** by ${(value - max).toFixed(1)} ${unit}`;
}
