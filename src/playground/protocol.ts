/**
 * The messages between the playground page, its sandbox frame and the worker inside it. Everything
 * that comes back from the sandbox is the reader's code's doing (or a stranger's, from a link): the
 * page checks its shape and shows it as text only.
 */
import type { Frame } from '../widgets/run.ts';

/** A place in the reader's code, 1-based. */
export interface Place {
  line: number;
  column?: number;
}

/** A scenario error: the code does not compile, does not build a scenario, or throws. */
export interface ScenarioFault extends Place {
  message: string;
}

export type Request =
  | { type: 'load'; code: string; exportName?: string }
  /** `at`: the step shown on the page, where the action starts (the page moves through the history by itself). */
  | { type: 'step'; thread: string; at: number }
  /** Steps the thread until it blocks, finishes or cannot go on. */
  | { type: 'run'; thread: string; at: number }
  /** Runs to the end, the first thread of `order` that can run taking each step. */
  | { type: 'runToEnd'; order: string[]; at: number }
  | { type: 'undo'; at: number }
  | { type: 'reset' }
  | { type: 'replay'; schedule: string }
  | { type: 'explore'; maxExecutions: number; timeBudgetMs: number };

/** A thread's body in the reader's code (1-based lines, inclusive): what its column shows. */
export interface Body {
  name: string;
  start: number;
  end: number;
}

/**
 * What the workbench shows after every request: the scenario's plain description, every state of
 * the execution stepped so far (the case widget's `Frame`s), and the step shown.
 */
export interface View {
  exports: string[];
  exportName: string;
  title: string;
  threads: string[];
  /** The objects the scenario names as its focus (`scenario(…, { focus })`). */
  focus: string[];
  bodies: Body[];
  /** `frames[0]` is the start; `frames[i]` the state after step i. */
  frames: Frame[];
  /** `schedules[i]`: the schedule token of the first i steps. */
  schedules: string[];
  cursor: number;
  /** Where a thread threw, when the run shown ended in an exception. */
  fault?: ScenarioFault;
}

export interface ExploreResult {
  verdict: string;
  message: string;
  schedule?: string;
  steps?: number;
  complete: boolean;
  incomplete?: string;
  executions: number;
  ms: number;
  lockdep: { title: string; text: string }[];
}

export type Reply =
  | { type: 'view'; view: View }
  | { type: 'progress'; executions: number; ms: number }
  | { type: 'explored'; result: ExploreResult; view: View }
  | { type: 'fault'; fault: ScenarioFault }
  /** The sandbox ended the worker: the code ran past the time limit without yielding. */
  | { type: 'stopped'; message: string };

/** A request with its number, and the reply to it (progress replies carry the request's number too). */
export interface Envelope<T> {
  id: number;
  body: T;
}

/** The search's bounds: the case widgets' (src/widgets/search-protocol.ts). */
export const SEARCH_BOUNDS = { maxExecutions: 100_000, timeBudgetMs: 15_000 } as const;

/** Time the sandbox gives the worker to answer (a step) or to report progress (a search). */
export const SILENCE_LIMIT_MS = 3000;
