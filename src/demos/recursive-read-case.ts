/**
 * The recursive read of the rwsem primer as a small case of the site's own, shaped like an engine
 * `Case` (variants, parameters, listings by variant, `build`), so the reader-as-scheduler widget can
 * run it before the five real cases land. T1 handles a fault: in the buggy variant it takes
 * `mmap_sem` for read and then calls a helper that takes it for read again; in the fixed variant it
 * calls the helper with nothing held, so it reads once. T2 is `brk()`, which wants `mmap_sem` for
 * write. The `policy` parameter is the rwsem's rule for a reader that arrives behind a waiting writer.
 * A third variant, `turns`, is the primer's starvation: two faulting threads take mmap_sem for read in
 * turn, forever, while brk() waits to write; the widget's search checks it for starvation (its readers
 * run forever), and under the reader-preferring rule finds the writer starved, as a lasso.
 */
import { at, down_read, down_write, listing, RWSEM_POLICIES, coreScenario, up_read, up_write, type CoreKernel, type Op, type RwSemaphore, type RwsemPolicy, type Scenario } from '@interleave/engine';
import type { WidgetCase } from '../widgets/case-shape.ts';

const HELPER = `
/* Takes mmap_sem for read itself. */
void fault_in_page(struct mm_struct *mm)
{
	down_read(&mm->mmap_sem);                  //@R2
	/* find the VMA, fault the page */
	up_read(&mm->mmap_sem);                    //@U2
}

/* T2: brk() moves the end of the heap. */
long sys_brk(unsigned long brk)
{
	struct mm_struct *mm = current->mm;

	down_write(&mm->mmap_sem);                 //@W
	mm->brk = brk;
	up_write(&mm->mmap_sem);                   //@UW
	return 0;
}
`;

const buggy = listing(`
/* T1: a driver faults a page in. */
int handle_fault(struct mm_struct *mm)
{
	down_read(&mm->mmap_sem);                  //@R1
	fault_in_page(mm);                         //@call
	up_read(&mm->mmap_sem);                    //@U1
	return 0;
}
${HELPER}`);

const fixed = listing(`
/* T1, fixed: nothing held around the call. */
int handle_fault(struct mm_struct *mm)
{
	fault_in_page(mm);                         //@call
	return 0;
}
${HELPER}`);

const turns = listing(`
/* R1 and R2: page faults, one after another, forever. */
void fault_loop(struct mm_struct *mm)
{
	for (;;) {
		down_read(&mm->mmap_sem);              //@TR
		/* find the VMA, fault the page */
		up_read(&mm->mmap_sem);                //@TU
	}
}
${HELPER}`);

/** T2, brk(): wants mmap_sem for write, once. */
function brk(k: CoreKernel, sem: RwSemaphore): void {
  k.thread(
    'T2',
    function* () {
      yield* at('W', down_write(sem));
      yield* at('UW', up_write(sem));
    },
    { code: ['sys_brk'], role: 'brk()' },
  );
}

function* faultInPage(sem: RwSemaphore): Op<void> {
  yield* at('R2', down_read(sem));
  yield* at('U2', up_read(sem));
}

const variants = [
  { id: 'buggy', label: 'buggy', description: 'T1 holds mmap_sem for read while the helper takes it for read again: two reads.', expected: 'deadlock' },
  { id: 'fixed', label: 'fixed', description: 'T1 calls the helper with nothing held: one read at a time.', expected: 'ok' },
  { id: 'turns', label: 'readers take turns', description: 'No recursive read: R1 and R2 each take mmap_sem for read, release it and come back, forever, while T2 waits to write (the search checks for starvation).', expected: 'ok' },
] as const;

const params = [
  {
    name: 'policy',
    description: "The rwsem's rule: 'fifo' (Linux 4.x) and 'phase-fair' (5.3+) queue a new reader behind a waiting writer; 'reader-preferring' (not Linux) lets it in.",
    default: 'fifo',
    values: RWSEM_POLICIES,
  },
] as const;

function build(given: Record<string, string | number> = {}): Scenario {
  const variant = String(given.variant ?? 'buggy');
  const policy = String(given.policy ?? 'fifo') as RwsemPolicy;
  if (!variants.some((v) => v.id === variant)) throw new Error(`recursive-read: unknown variant '${variant}' (variants: ${variants.map((v) => v.id).join(', ')})`);
  if (!RWSEM_POLICIES.includes(policy)) throw new Error(`recursive-read: parameter 'policy' must be one of ${RWSEM_POLICIES.join(', ')}, got '${policy}'`);
  for (const name of Object.keys(given)) {
    if (name !== 'variant' && name !== 'policy') throw new Error(`recursive-read: unknown parameter '${name}' (parameters: policy)`);
  }
  if (variant === 'turns') return readersTakeTurns(policy);
  const twice = variant === 'buggy';
  return coreScenario(
    `recursive read ${variant} (policy=${policy})`,
    (k) => {
      const sem = k.rwsem('mmap_sem', { policy });
      k.thread(
        'T1',
        function* () {
          if (twice) yield* at('R1', down_read(sem));
          yield* at('call', faultInPage(sem));
          if (twice) yield* at('U1', up_read(sem));
        },
        { code: ['handle_fault', 'fault_in_page'], role: 'a fault' },
      );
      brk(k, sem);
    },
    { listing: twice ? buggy : fixed, focus: ['mmap_sem'], description: variants.find((v) => v.id === variant)!.description },
  );
}

/** The `turns` variant: R1 and R2 read in turn forever; T2 (brk) wants to write once. */
function readersTakeTurns(policy: RwsemPolicy): Scenario {
  return coreScenario(
    `readers take turns (policy=${policy})`,
    (k) => {
      const sem = k.rwsem('mmap_sem', { policy });
      for (const name of ['R1', 'R2']) {
        k.thread(
          name,
          function* () {
            yield* at('TR', down_read(sem));
            yield* at('TU', up_read(sem));
          },
          { code: ['fault_loop'], role: 'faults, forever', forever: true },
        );
      }
      brk(k, sem);
    },
    { listing: turns, focus: ['mmap_sem'], description: variants.find((v) => v.id === 'turns')!.description },
  );
}

export const recursiveReadCase: WidgetCase = {
  id: 'recursive-read',
  title: 'The recursive read: T1 reads mmap_sem twice while T2 waits to write',
  summary: 'A reader that already holds mmap_sem asks for it again behind a queued writer, and neither can go on.',
  variants,
  params,
  listings: { buggy, fixed, turns },
  build,
};
