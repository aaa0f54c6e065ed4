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
  | { type: 'step'; thread: string }
  | { type: 'seek'; index: number }
  | { type: 'undo' }
  | { type: 'reset' }
  | { type: 'replay'; schedule: string }
  | { type: 'explore'; maxExecutions: number; timeBudgetMs: number };

/** A step of the history, as the history list shows it. */
export interface HistoryStep {
  thread: string;
  op: string;
  target?: string;
  blocked: boolean;
  line?: number;
  note?: string;
}

/** What the workbench shows after every request: the scenario, the point of its history, and the history. */
export interface View {
  exports: string[];
  exportName: string;
  title: string;
  threads: string[];
  frame: Frame;
  cursor: number;
  history: HistoryStep[];
  /** The schedule token of the steps up to the cursor. */
  schedule: string;
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
