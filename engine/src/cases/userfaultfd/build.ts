import type { Kernel } from '../../kernel.ts';
import type { MmStruct } from '../../mm/mm_struct.ts';
import { PAGE_SIZE, hex } from '../../mm/vma.ts';
import type { RwsemPolicy } from '../../sync/rwsem.ts';
import { sendFd, uffdio_register, userfaultfd, type McopyOps } from '../../devices/userfaultfd.ts';
import { HANDLER_CODE, MAPPER_CODE } from './listing.ts';
import { handler, mapper } from './threads.ts';

/** Where things are in every process: the source buffer, the registered range, what mmap() maps. */
export const SRC = 0x10000;
export const DST = 0x40000;
export const MAP = 0x80000;

export type Form = 'two-process' | 'one-process';

export interface Setup {
  form: Form;
  pages: number;
  policy: RwsemPolicy;
  ops: McopyOps;
}

/**
 * Checks, once every thread has finished, that each UFFDIO_COPY filled its whole range: the retry
 * after -ENOENT must install the page it copied outside the lock.
 */
function expectFilled(k: Kernel, mm: MmStruct, len: number, by: string): void {
  k.atEnd(() => {
    for (let a = DST; a < DST + len; a += PAGE_SIZE) {
      if (!mm.pgd.present(a)) return { verdict: 'violation', message: `${by} finished, but ${hex(a)} of ${mm.name} is still missing` };
    }
    return null;
  });
}

/**
 * The two-process form: the deadly embrace of the patch's comment, instantiated with userfaultfd
 * (our derivation: the comment states it at the level of locks). Process A's handler A1 holds B's
 * userfaultfd (B made it and passed it over a unix socket), so its UFFDIO_COPY takes mm_B's mmap_lock
 * for read as dst_mm and copies from A's own buffer, whose fault takes mm_A's mmap_lock for read; B1
 * mirrors it. A2 and B2 call mmap() in their own processes (mmap_lock for write).
 */
function twoProcesses(k: Kernel, w: Setup): void {
  const len = w.pages * PAGE_SIZE;
  const A = k.process('A', { mm: 'mm_A', policy: w.policy });
  const B = k.process('B', { mm: 'mm_B', policy: w.policy });
  const uffdA = userfaultfd(A, 'uffd_A');
  const uffdB = userfaultfd(B, 'uffd_B');
  uffdio_register(uffdA, DST, len);
  uffdio_register(uffdB, DST, len);
  A.mm.addVma(SRC, len); // the source buffers: mapped, not resident
  B.mm.addVma(SRC, len);
  sendFd(uffdB, A);
  sendFd(uffdA, B);
  A.thread('A1', handler('A1', uffdB.file, DST, SRC, len, w.ops), { code: HANDLER_CODE });
  A.thread('A2', mapper('A2', MAP, PAGE_SIZE), { code: MAPPER_CODE });
  B.thread('B1', handler('B1', uffdA.file, DST, SRC, len, w.ops), { code: HANDLER_CODE });
  B.thread('B2', mapper('B2', MAP, PAGE_SIZE), { code: MAPPER_CODE });
  expectFilled(k, B.mm, len, "A1's UFFDIO_COPY");
  expectFilled(k, A.mm, len, "B1's UFFDIO_COPY");
}

/**
 * The one-process form (the seed-1 pattern): T1 serves its own process's userfaultfd, so dst_mm is
 * current->mm and a fault in the copy is a recursive read of the same mmap_lock; T2 calls mmap().
 */
function oneProcess(k: Kernel, w: Setup): void {
  const len = w.pages * PAGE_SIZE;
  const P = k.process('P', { mm: 'mm_P', policy: w.policy });
  const uffd = userfaultfd(P, 'uffd');
  uffdio_register(uffd, DST, len);
  P.mm.addVma(SRC, len);
  P.thread('T1', handler('T1', uffd.file, DST, SRC, len, w.ops), { code: HANDLER_CODE });
  P.thread('T2', mapper('T2', MAP, PAGE_SIZE), { code: MAPPER_CODE });
  expectFilled(k, P.mm, len, "T1's UFFDIO_COPY");
}

export function buildWorld(k: Kernel, w: Setup): void {
  if (w.form === 'two-process') twoProcesses(k, w);
  else oneProcess(k, w);
}
