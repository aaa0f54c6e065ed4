/**
 * Five stand-in cases with the engine's Case shape, built from small scenarios, so the case
 * components can be tested now, before the real cases exist. Each is a recursive read or an AB-BA
 * pair with a buggy and a fixed variant (and one case with a third variant).
 */
import { scenario, listing, mutex_lock, mutex_unlock, down_read, up_read, down_write, up_write, at, type Scenario } from '@interleave/engine';
import type { Case, CaseId } from '@interleave/engine/cases';

const rwListing = listing(`
void fault(struct mm_struct *mm)
{
	down_read(&mm->mmap_sem);          //@R1
	down_read(&mm->mmap_sem);          //@R2
	up_read(&mm->mmap_sem);
	up_read(&mm->mmap_sem);
}

void brk(struct mm_struct *mm)
{
	down_write(&mm->mmap_sem);         //@W
	up_write(&mm->mmap_sem);
}
`);

function recursive(fixed: boolean): Scenario {
  return scenario(fixed ? 'read once' : 'read twice', (k) => {
    const sem = k.rwsem('mmap_sem');
    k.thread('T1', function* () {
      yield* at('R1', down_read(sem));
      if (!fixed) yield* at('R2', down_read(sem));
      yield* up_read(sem);
      if (!fixed) yield* up_read(sem);
    });
    k.thread('T2', function* () {
      yield* at('W', down_write(sem));
      yield* up_write(sem);
    });
  }, { listing: rwListing });
}

function pair(fixed: boolean): Scenario {
  return scenario(fixed ? 'one order' : 'two orders', (k) => {
    const a = k.mutex('A');
    const b = k.mutex('B');
    k.thread('T1', function* () {
      yield* mutex_lock(a);
      yield* mutex_lock(b);
      yield* mutex_unlock(b);
      yield* mutex_unlock(a);
    });
    const [x, y] = fixed ? [a, b] : [b, a];
    k.thread('T2', function* () {
      yield* mutex_lock(x);
      yield* mutex_lock(y);
      yield* mutex_unlock(y);
      yield* mutex_unlock(x);
    });
  });
}

function fake(id: CaseId, kind: 'rw' | 'pair', extra = false): Case {
  const variants = [
    { id: 'buggy', label: 'buggy', description: 'Before the fix.', expected: 'deadlock' as const },
    { id: 'fixed', label: 'fixed', description: 'After the fix.', expected: 'ok' as const },
    ...(extra ? [{ id: 'v5.8', label: 'v5.8', description: 'A later kernel.', expected: 'deadlock' as const }] : []),
  ];
  return {
    id,
    title: `${id}: a stand-in case`,
    subsystem: `drivers/${id}`,
    summary: `The ${id} stand-in deadlocks.`,
    variants,
    params: [],
    listings: { buggy: rwListing, fixed: rwListing },
    upstream: { subject: `${id}: fix a deadlock`, author: 'A. Author', date: '2020-01-02', commit: '0123456789ab', unverified: id === 'hmm' ? ['the merge release'] : undefined },
    build(params = {}) {
      const v = String(params.variant ?? 'buggy');
      const fixed = v === 'fixed';
      return kind === 'rw' ? recursive(fixed) : pair(fixed);
    },
  };
}

export const fakeCases: Case[] = [fake('cxl', 'rw'), fake('hmm', 'pair'), fake('userfaultfd', 'rw', true), fake('intel-svm', 'pair'), fake('vfio-pci', 'rw')];
export { recursive, pair, rwListing };
