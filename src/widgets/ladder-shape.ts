/** One rung of a case's ladder of challenges, as the build computes it (src/lib/ladder.ts) and the widget shows it. */
export interface Rung {
  /** 'fail', 'par', 'hold' or 'part-<fix part>': the key of its progress. */
  id: string;
  /** The variant and parameters it is played in. */
  variant: string;
  params: Record<string, string | number>;
  /** The verdict to reach ('ok' for the rung on the fixed code). */
  verdict: string;
  /** The task, in a sentence or three. */
  goal: string;
  /** The first hint. */
  nudge: string;
  /** The engine's shortest failure, thread names in order (empty on the fixed code). */
  answer: string[];
  /** The most steps a success may take (the par rung). */
  par?: number;
  /** On the fixed code: how many distinct orders the explorer ran at build time. */
  executions?: number;
}
