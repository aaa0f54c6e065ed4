import { describe, expect, it } from 'vitest';
import {
  KObject, References, WRITE, act, do_exit, get_file, get_task_mm, kfree, mmdrop, mmget, mmgrab, mmput, perform, scenario, sys_mmap,
  type LeakDetail, type ObjectState, type World,
} from '../../src/index.ts';
import { check } from './support.ts';

/** A device binding (intel-svm's `struct intel_svm`): the device file's private data holds it. */
class Binding extends KObject {
  readonly kind = 'binding';
  readonly refs = new References(this, 'private_data');

  constructor(world: World, name: string) {
    super(world, name);
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, summary: this.freed ? 'freed' : 'bound' };
  }
}

describe('the leak finder', () => {
  it('a two-object reference cycle is a leak whose report names both edges', () => {
    const s = scenario('two files', (k) => {
      const P = k.process('P');
      const a = P.open('A');
      const b = P.open('B');
      P.thread('T1', function* () {
        yield* get_file(b, a); // A holds B
        yield* get_file(a, b); // B holds A
        yield* do_exit();
      });
    });
    const r = check(s);
    expect(r.verdict).toBe('leak');
    expect(r.message).toBe(
      'Leak: A must die (P exited and closed it) but is still alive (B leaks too): A holds B (f_count, taken in get_file by T1 at step 1), ' +
        'which holds A (f_count, taken in get_file by T1 at step 2): a reference cycle.',
    );
    expect(r.counterexample?.detail).toEqual({
      object: 'A',
      why: 'P exited and closed it',
      leaked: ['A', 'B'],
      cycle: true,
      chain: [
        { holder: 'A', held: 'B', kind: 'f_count', op: 'get_file', thread: 'T1', step: 0 },
        { holder: 'B', held: 'A', kind: 'f_count', op: 'get_file', thread: 'T1', step: 1 },
      ],
    } satisfies LeakDetail);
  });

  /**
   * The intel-svm shape: binding a device to the process's mm takes a reference on the mm, the device
   * file holds the binding, and mapping the file makes a VMA hold the file. The file's ->release
   * unbinds. Holding `mm_users` closes a cycle; holding `mm_count` does not.
   */
  const svm = (hold: 'mm_users' | 'mm_count') =>
    scenario(`svm holding ${hold}`, (k) => {
      const P = k.process('P');
      const svm1 = k.object((w) => new Binding(w, 'svm1'));
      const dev = P.open('svm0', {
        *release(f) {
          if (hold === 'mm_users') yield* mmput(P.mm, svm1);
          else yield* mmdrop(P.mm, svm1);
          yield* perform(act('intel_svm_unbind_mm', svm1, WRITE, (t) => void svm1.refs.drop(f, t)));
          yield* kfree(svm1);
        },
      });
      P.thread('T1', function* () {
        if (hold === 'mm_users') yield* mmget(P.mm, svm1);
        else yield* mmgrab(P.mm, svm1);
        yield* perform(act('intel_svm_bind_mm', svm1, WRITE, (t) => svm1.refs.take(dev, 'intel_svm_bind_mm', t)));
        yield* sys_mmap(0x10000, 0x1000, { file: dev });
        yield* do_exit();
      });
    });

  it('mm → VMA → file → binding → mm: a binding that holds mm_users keeps the exited process alive', () => {
    const r = check(svm('mm_users'));
    expect(r.verdict).toBe('leak');
    const detail = r.counterexample?.detail as LeakDetail;
    expect(detail.leaked).toEqual(['P.mm', 'svm0']);
    expect(detail.cycle).toBe(true);
    expect(detail.chain.map((e) => `${e.holder} -${e.kind}-> ${e.held}`)).toEqual([
      'P.mm -vma-> P.mm.vma@0x10000',
      'P.mm.vma@0x10000 -f_count-> svm0',
      'svm0 -private_data-> svm1',
      'svm1 -mm_users-> P.mm',
    ]);
    expect(r.message).toMatch(/^Leak: P\.mm must die \(P exited at step \d+\) but is still alive \(svm0 leaks too\): P\.mm holds P\.mm\.vma@0x10000 \(vma, taken in do_mmap by T1 at step \d+\), which holds svm0 \(f_count, taken in get_file by T1 at step \d+\), which holds svm1 \(private_data, taken in intel_svm_bind_mm by T1 at step 2\), which holds P\.mm \(mm_users, taken in mmget by T1 at step 1\): a reference cycle\.$/);
  });

  it('the same binding holding only mm_count lets exit_mmap drop the VMA, the file and then the mm', () => {
    expect(check(svm('mm_count')).verdict).toBe('ok');
  });

  it('a thread that finishes without dropping its reference is the end of the chain', () => {
    const s = scenario('forgotten mmput', (k) => {
      const P = k.process('P');
      P.thread('T1', function* () {
        yield* do_exit();
      });
      k.thread('K', function* () {
        yield* get_task_mm(P.tasks[0]!);
      });
    });
    const r = check(s);
    expect(r.verdict).toBe('leak');
    expect(r.counterexample?.schedule).toBe('ba10');
    expect(r.message).toBe('Leak: P.mm must die (P exited at step 2) but is still alive: K holds P.mm (mm_users, taken in get_task_mm by K at step 1); K finished without dropping its reference.');
  });

  it('an object that must die but is held by something that lives on is not a leak', () => {
    const shared = (holder: 'Q' | 'U') =>
      scenario(`held by ${holder}`, (k) => {
        const P = k.process('P');
        const f = P.open('f');
        const Q = k.process('Q');
        const U = Q.thread('U', function* () {
          // U does not exit, so Q and its file table live on.
        });
        if (holder === 'Q') Q.install(f);
        else f.f_count.init(U, 'fget');
        P.thread('T1', function* () {
          yield* do_exit();
        });
      });
    expect(check(shared('Q')).verdict).toBe('ok');
    const r = check(shared('U'));
    expect(r.verdict).toBe('leak');
    expect(r.message).toBe('Leak: f must die (P exited and closed it) but is still alive: U holds f (f_count, since the start); U finished without dropping its reference.');
  });
});
