/**
 * A checked rule broke: unlocking what the thread does not hold, sleeping in atomic context, a
 * refcount underflow, a use after free, a model's contract, or a scenario's own assertion. The thread
 * that broke it stops, as a kernel task does after an oops, and the verdict is `'violation'`.
 */
export class Violation extends Error {
  /** A short name for the rule, e.g. `sleep-in-atomic`, `use-after-free`, `assert`. */
  readonly rule: string;

  constructor(rule: string, message: string) {
    super(message);
    this.name = 'Violation';
    this.rule = rule;
  }
}

/**
 * A mistake in how a scenario is written (not a bug of the modelled kernel): a body that yields
 * without the star, an object made while threads run or taken from another world, an end check that
 * throws. It stops `explore` and `replay` with this message instead of becoming a verdict.
 */
export class ScenarioError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScenarioError';
  }
}

/** Fails the current thread with a violation when `condition` is false. */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new Violation('assert', message);
}

/** The kernel's `BUG_ON`: a violation when `condition` is true. */
export function BUG_ON(condition: unknown, message = 'BUG_ON triggered'): void {
  if (condition) throw new Violation('bug-on', message);
}

/** The kernel's `WARN_ON`: in the model a warning is a bug, so a violation when `condition` is true. */
export function WARN_ON(condition: unknown, message = 'WARN_ON triggered'): void {
  if (condition) throw new Violation('warn-on', message);
}
