import { runningThread } from '../core/thread.ts';

/** Setup that describes the state before any thread runs may only happen in the scenario's build(k). */
export function assertBuilding(what: string): void {
  const running = runningThread();
  if (running === null) return;
  throw new Error(`${what} sets up the state before the threads run, so it belongs in build(k), not in ${running.name}'s body`);
}
