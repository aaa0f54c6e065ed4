import type { Op } from '../core/action.ts';
import { down_read, down_read_trylock, down_write, up_read, up_write } from '../sync/rwsem.ts';
import type { MmStruct } from './mm_struct.ts';

/** The v5.8+ names for taking an mm's mmap_lock (`include/linux/mmap_lock.h`); older code calls down_read(&mm->mmap_sem). */
export const mmap_read_lock = (mm: MmStruct): Op<void> => down_read(mm.mmap_lock);
export const mmap_read_trylock = (mm: MmStruct): Op<boolean> => down_read_trylock(mm.mmap_lock);
export const mmap_read_unlock = (mm: MmStruct): Op<void> => up_read(mm.mmap_lock);
export const mmap_write_lock = (mm: MmStruct): Op<void> => down_write(mm.mmap_lock);
export const mmap_write_unlock = (mm: MmStruct): Op<void> => up_write(mm.mmap_lock);
