import type { AccelBuffer } from '../../devices/cxl.ts';
import { CACHE_LINE } from '../../devices/cxl.ts';
import { PAGE_SIZE, VM_READ, VM_WRITE } from '../../mm/vma.ts';

/**
 * Where the accelerator's buffer lies: `pages` pages over `vmas` adjacent VMAs. The first VMA maps
 * 64K pages and the others 4K pages, so the page size changes where the buffer crosses from the first
 * VMA to the second. (A VMA of 64K pages must start on a 64K boundary, so after a few 4K pages a
 * second 64K VMA could not follow without a gap, and a buffer cannot span a gap; the later VMAs
 * therefore all map 4K pages and differ in protection, which is what keeps adjacent VMAs apart in the
 * kernel.) The pages are shared out as evenly as the count allows, later VMAs taking the extra ones,
 * so that by default the 4K VMA holds two pages: the buggy loop's second bug skips the second.
 *
 * The buffer starts one cache line into its first page (so `addr & ~(page_size - 1)` matters) and ends
 * where the last VMA ends. The accelerator touches one address in each page: the buffer's start in the
 * first page, the start of every other page.
 */

/** 64K pages, as powerpc's 64K-page kernels and huge pages give some VMAs. */
export const SIZE_64K = 0x10000;

/** Where the buffer's first VMA starts. */
export const BUFFER_BASE = 0x10000000;

export interface VmaPlan {
  start: number;
  len: number;
  pageSize: number;
  flags: number;
  pages: number;
}

export interface Layout {
  vmas: VmaPlan[];
  buffer: AccelBuffer;
}

export function bufferLayout(pages: number, vmas: number): Layout {
  if (!Number.isInteger(pages) || !Number.isInteger(vmas) || vmas < 1 || pages < vmas) {
    throw new Error(`cxl: the buffer needs at least one page in each VMA: pages (${pages}) must be at least vmas (${vmas})`);
  }
  const plans: VmaPlan[] = [];
  const touch: number[] = [];
  let start = BUFFER_BASE;
  for (let i = 0; i < vmas; i++) {
    const n = Math.floor(pages / vmas) + (i >= vmas - (pages % vmas) ? 1 : 0);
    const pageSize = i === 0 ? SIZE_64K : PAGE_SIZE;
    const flags = i % 2 === 0 ? VM_READ | VM_WRITE : VM_READ;
    plans.push({ start, len: n * pageSize, pageSize, flags, pages: n });
    for (let p = 0; p < n; p++) touch.push(start + p * pageSize);
    start += n * pageSize;
  }
  const addr = BUFFER_BASE + CACHE_LINE;
  touch[0] = addr;
  return { vmas: plans, buffer: { addr, size: start - addr, touch } };
}
