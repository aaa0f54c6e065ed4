/** Milliseconds from a monotonic clock where the platform has one (Node, browsers, workers). */
export function now(): number {
  const p = (globalThis as { performance?: { now(): number } }).performance;
  return p ? p.now() : Date.now();
}
