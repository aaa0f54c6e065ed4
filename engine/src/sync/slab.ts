import { act, perform, type Op } from '../core/action.ts';
import { WRITE, type KObject } from '../core/object.ts';
import { Violation } from '../core/violation.ts';

/** Frees an object: any later use of it is a violation that names this step. */
export function* kfree(obj: KObject): Op<void> {
  yield* perform(
    act('kfree', obj, WRITE, (t) => {
      if (obj.freed) throw new Violation('double-free', `${t.name} freed ${obj.name} twice (first at step ${obj.freed.step + 1} by ${obj.freed.thread})`);
      obj.freed = { step: obj.world.stepIndex, thread: t.name };
      obj.world.note(() => `freed ${obj.name}`);
    }),
  );
}
