import { describe, expect, it } from 'vitest';
import { at, down_read, explore, listing, replay, scenario, up_read, type Op, type RwSemaphore } from '../src/index.ts';

const source = `
int outer(struct mm_struct *mm)
{
	down_read(&mm->mmap_sem);       //@R1
	inner(mm);                       //@call
	up_read(&mm->mmap_sem);         //@U1
	return 0;
}

static void inner(struct mm_struct *mm)
{
	down_read(&mm->mmap_sem);       //@R2
	up_read(&mm->mmap_sem);         //@U2
}
`;

describe('listings', () => {
  it('strip the markers and map labels to lines and lines to functions', () => {
    const l = listing(source);
    expect(l.text.split('\n')[2]).toBe('\tdown_read(&mm->mmap_sem);');
    expect(l.text).not.toContain('//@');
    expect(Object.fromEntries(l.labels)).toEqual({ R1: 3, call: 4, U1: 5, R2: 11, U2: 12 });
    expect(l.functions).toEqual([{ name: 'outer', start: 1, end: 7 }, { name: 'inner', start: 9, end: 13 }]);
  });

  it('reject a label used twice', () => {
    expect(() => listing('a(); //@x\nb(); //@x')).toThrow("listing: the label 'x' is used twice (lines 1 and 2)");
  });

  it('give each step its line, and nested calls their call site', () => {
    function* inner(sem: RwSemaphore): Op<void> {
      yield* at('R2', down_read(sem));
      yield* at('U2', up_read(sem));
    }
    const s = scenario('lines', (k) => {
      const sem = k.rwsem('mmap_sem');
      k.thread('T1', function* () {
        yield* at('R1', down_read(sem));
        yield* at('call', inner(sem));
        yield* at('U1', up_read(sem));
      });
    }, { listing: source });
    const trace = replay(s, 'a4');
    expect(trace.steps.map((x) => [x.op, x.line, x.stack ?? null])).toEqual([
      ['down_read', 3, null], ['down_read', 11, [4, 11]], ['up_read', 12, [4, 12]], ['up_read', 5, null],
    ]);
    expect(explore(s).lockdep.warnings[0]!.text).toContain('(mmap_sem) for read, at: down_read in inner, line 11');
  });

  it('a call that throws leaves its line: the caller that catches it carries on at its own', () => {
    function* failing(sem: RwSemaphore): Op<void> {
      yield* down_read(sem);
      throw new Error('the caller handles this');
    }
    const s = scenario('throwing call', (k) => {
      const sem = k.rwsem('mmap_sem');
      k.thread('T1', function* () {
        try {
          yield* at('call', failing(sem));
        } catch {
          // handled: the thread goes on
        }
        yield* at('U1', up_read(sem));
      });
    }, { listing: source });
    const trace = replay(s, 'a2');
    expect(trace.steps.map((x) => [x.op, x.line, x.stack ?? null])).toEqual([['down_read', 4, null], ['up_read', 5, null]]);
    expect(trace.outcome).toBe('ok');
  });

  it('without a listing, labels mark nothing', () => {
    const s = scenario('unlisted', (k) => {
      const sem = k.rwsem('sem');
      k.thread('T1', function* () {
        yield* at('R1', down_read(sem));
        yield* at(7, up_read(sem));
      });
    });
    expect(replay(s, 'a2').steps.map((x) => x.line ?? null)).toEqual([null, 7]);
  });

  it('an unknown label is reported with the labels that exist', () => {
    const s = scenario('typo', (k) => {
      const sem = k.rwsem('sem');
      k.thread('T1', function* () {
        yield* at('R3', down_read(sem));
      });
    }, { listing: source });
    expect(explore(s).message).toBe("T1 threw Error: at('R3'): no such label in the listing; labels: R1, call, U1, R2, U2");
  });
});
