import type { CoreKernel } from '../../core-kernel.ts';
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
  /** Processes in the ring of the two-process form (2: the embrace of the patch comment). */
  processes: number;
  policy: RwsemPolicy;
  ops: McopyOps;
}

/**
 * Checks, once every thread has finished, that each UFFDIO_COPY filled its whole range: the retry
 * after -ENOENT must install the page it copied outside the lock.
 */
function expectFilled(k: CoreKernel, mm: MmStruct, len: number, by: string): void {
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
 * mirrors it. A2 and B2 call mmap() in their own processes (mmap_lock for write). With more processes
 * the embrace is a ring: each process's handler serves the next one's userfaultfd, the last serves A's.
 */
function ring(k: CoreKernel, w: Setup): void {
  const len = w.pages * PAGE_SIZE;
  const names = Array.from({ length: w.processes }, (_, i) => String.fromCharCode(65 + i));
  const ps = names.map((n) => k.process(n, { mm: `mm_${n}`, policy: w.policy }));
  const uffds = ps.map((p, i) => userfaultfd(p, `uffd_${names[i]}`));
  for (const uffd of uffds) uffdio_register(uffd, DST, len);
  for (const p of ps) p.mm.addVma(SRC, len); // the source buffers: mapped, not resident
  const next = (i: number) => (i + 1) % ps.length;
  ps.forEach((p, i) => sendFd(uffds[next(i)]!, p));
  ps.forEach((p, i) => {
    p.thread(`${names[i]}1`, handler(`${names[i]}1`, uffds[next(i)]!.file, DST, SRC, len, w.ops), { code: HANDLER_CODE, role: `UFFDIO_COPY into mm_${names[next(i)]}` });
    p.thread(`${names[i]}2`, mapper(`${names[i]}2`, MAP, PAGE_SIZE), { code: MAPPER_CODE, role: `mmap() in mm_${names[i]}` });
  });
  ps.forEach((_, i) => expectFilled(k, ps[next(i)]!.mm, len, `${names[i]}1's UFFDIO_COPY`));
}

/**
 * The one-process form (the seed-1 pattern): T1 serves its own process's userfaultfd, so dst_mm is
 * current->mm and a fault in the copy is a recursive read of the same mmap_lock; T2 calls mmap().
 */
function oneProcess(k: CoreKernel, w: Setup): void {
  const len = w.pages * PAGE_SIZE;
  const P = k.process('P', { mm: 'mm_P', policy: w.policy });
  const uffd = userfaultfd(P, 'uffd');
  uffdio_register(uffd, DST, len);
  P.mm.addVma(SRC, len);
  P.thread('T1', handler('T1', uffd.file, DST, SRC, len, w.ops), { code: HANDLER_CODE, role: 'UFFDIO_COPY' });
  P.thread('T2', mapper('T2', MAP, PAGE_SIZE), { code: MAPPER_CODE, role: 'mmap()' });
  expectFilled(k, P.mm, len, "T1's UFFDIO_COPY");
}

export function buildWorld(k: CoreKernel, w: Setup): void {
  if (w.form === 'two-process') ring(k, w);
  else oneProcess(k, w);
}
