import { act, dynamicAct, perform, type Op } from '../core/action.ts';
import { ADD, KObject, READ, WRITE, access, type ObjectState } from '../core/object.ts';
import type { World } from '../core/world.ts';
import type { Holder } from '../checks/leaks.ts';
import { mightSleep } from '../sync/context.ts';
import { checkAlive } from '../sync/lock.ts';
import { RwSemaphore, type RwsemPolicy } from '../sync/rwsem.ts';
import { assertBuilding } from './build.ts';
import { Counter } from './counter.ts';
import type { MmuNotifierHooks } from './notifier_calls.ts';
import { PageTable } from './page_table.ts';
import { exit_mmap } from './unmap.ts';
import { PAGE_SIZE, VmArea, hex, type VmaOptions } from './vma.ts';

/** How an mm is made: its lock's era name and policy, and where its heap starts. */
export interface MmOptions {
  /**
   * What the case's era called the lock: `'mmap_lock'` (v5.8 and later, the default) or
   * `'mmap_sem'`. It names the rwsem (`mm1.mmap_sem`) and its lockdep class, which every mm shares.
   */
  lock?: 'mmap_lock' | 'mmap_sem';
  /** The rwsem's policy: `'fifo'` (the default, Linux v4), `'phase-fair'` or `'reader-preferring'`. */
  policy?: RwsemPolicy;
  /** Where the heap starts (`start_brk`); brk grows it from there. */
  start_brk?: number;
}

/** A VMA that exists before the threads run. */
export interface VmaSetup extends VmaOptions {
  /** Whether its pages are present from the start (else the first access faults). */
  populated?: boolean;
}

const DEFAULT_START_BRK = 0x800000;

/**
 * A `struct mm_struct`: an address space (its VMAs and page tables) and the struct itself, each with
 * its count, as the kernel has them. `mm_users` keeps the address space: when `mmput` drops the last
 * one, the caller runs `exit_mmap` and then drops the one `mm_count` that all users share.
 * `mm_count` keeps the struct: when `mmdrop` drops the last one, the struct is freed, and any later
 * use of it is a use after free that names the step that freed it.
 */
export class MmStruct extends KObject {
  /** Its snapshot shows its counts and whether each VMA was freed. */
  override statesShown(): readonly KObject[] {
    return [this.mm_users, this.mm_count, ...this.mmap];
  }
  readonly kind = 'mm_struct';
  readonly mm_users: Counter;
  readonly mm_count: Counter;
  readonly mmap_lock: RwSemaphore;
  readonly pgd: PageTable;
  /**
   * The VMAs (`mm->mmap`), by address. As in the kernel, exit_mmap frees them but leaves the list
   * alone (nothing may walk it once `mm_users` is 0), so a walk after that is a use after free.
   */
  readonly mmap: VmArea[] = [];
  readonly start_brk: number;
  brk: number;
  /** Set by the first mmu notifier registration (`mm->notifier_subscriptions`). */
  notifier_subscriptions: MmuNotifierHooks | null = null;

  /** An mm with no users yet and the one `mm_count` its users will share; see `k.mm` and `k.process`. */
  constructor(world: World, name: string, options: MmOptions = {}) {
    super(world, name);
    const lock = options.lock ?? 'mmap_lock';
    if (lock !== 'mmap_lock' && lock !== 'mmap_sem') throw new Error(`mm '${name}': lock must be 'mmap_lock' or 'mmap_sem', got ${JSON.stringify(lock)}`);
    const start = options.start_brk ?? DEFAULT_START_BRK;
    if (!Number.isInteger(start) || start < 0 || start % PAGE_SIZE !== 0) throw new Error(`mm '${name}': start_brk must be a page-aligned address, got ${start}`);
    this.start_brk = start;
    this.brk = start;
    this.mm_users = new Counter(world, this, 'mm_users');
    this.mm_count = new Counter(world, this, 'mm_count');
    this.mm_count.init(this, 'mm_alloc');
    this.mmap_lock = new RwSemaphore(world, `${name}.${lock}`, { lockClass: lock, ...(options.policy ? { policy: options.policy } : {}) });
    this.pgd = new PageTable(this);
  }

  /** The same lock, by its pre-v5.8 name. */
  get mmap_sem(): RwSemaphore {
    return this.mmap_lock;
  }

  /** Adds a mapping [start, start + len) that exists before the threads run. */
  addVma(start: number, len: number, setup: VmaSetup = {}): VmArea {
    assertBuilding(`${this.name}.addVma`);
    const vma = new VmArea(this, start, start + len, setup);
    const clash = this.mmap.find((v) => v.vm_start < vma.vm_end && vma.vm_start < v.vm_end);
    if (clash) throw new Error(`${this.name}.addVma: [${hex(start)}, ${hex(start + len)}) overlaps ${clash.name}`);
    this.insert(vma);
    this.pgd.addSlots(vma.vm_start, vma.vm_end, vma.pageSize);
    vma.refs.take(this, 'mmap', null);
    setup.file?.f_count.init(vma, 'mmap');
    if (setup.populated) for (let p = start; p < start + len; p += vma.pageSize) this.pgd.populate(p, vma.pageSize);
    return vma;
  }

  /** Links a VMA into the list, keeping it sorted (inside a step, or at build). */
  insert(vma: VmArea): void {
    const i = this.mmap.findIndex((v) => v.vm_start > vma.vm_start);
    this.mmap.splice(i < 0 ? this.mmap.length : i, 0, vma);
  }

  snapshot(): ObjectState {
    const users = this.mm_users.refs.count;
    const count = this.mm_count.refs.count;
    const state = this.freed ? `freed at step ${this.freed.step + 1}` : users === 0 ? `defunct (mm_users 0, mm_count ${count})` : `mm_users ${users}, mm_count ${count}`;
    const live = this.mmap.filter((v) => !v.freed);
    return {
      name: this.name,
      kind: this.kind,
      mm_users: users,
      mm_count: count,
      vmas: this.mmap.map((v) => v.name),
      brk: this.brk,
      freed: this.freed !== null,
      summary: `${state}; ${live.length} VMA${live.length === 1 ? '' : 's'}`,
    };
  }
}

/** Pins the address space for a while; the caller must already hold a user (else a violation). */
export function* mmget(mm: MmStruct, holder?: Holder): Op<void> {
  yield* perform(act('mmget', mm.mm_users, ADD, (t) => mm.mm_users.get(t, holder ?? t, 'mmget')));
}

/** Pins the address space unless it is already gone (`mm_users` is 0); returns whether it did. */
export function* mmget_not_zero(mm: MmStruct, holder?: Holder): Op<boolean> {
  return yield* perform(act('mmget_not_zero', mm.mm_users, WRITE, (t) => mm.mm_users.getNotZero(t, holder ?? t, 'mmget_not_zero')));
}

/**
 * Drops a user. The last one tears the address space down in the caller's thread (`__mmput`:
 * `exit_mmap`, then `mmdrop` of the users' `mm_count`). It may sleep.
 */
export function* mmput(mm: MmStruct, holder?: Holder): Op<void> {
  const last = yield* perform(
    act('mmput', mm.mm_users, WRITE, (t) => {
      mightSleep(t, 'mmput', mm.name);
      const left = mm.mm_users.put(t, holder ?? t, 'mmput');
      if (left === 0) mm.world.note(() => `last user of ${mm.name}: ${t.name} tears its address space down`);
      return left === 0;
    }),
  );
  if (!last) return;
  yield* exit_mmap(mm);
  yield* mmdrop(mm, mm);
}

/** Pins the struct (not the address space) for as long as needed. */
export function* mmgrab(mm: MmStruct, holder?: Holder): Op<void> {
  yield* perform(act('mmgrab', mm.mm_count, ADD, (t) => mm.mm_count.get(t, holder ?? t, 'mmgrab')));
}

/** Drops a pin on the struct; the last one frees it (`__mmdrop`). */
export function* mmdrop(mm: MmStruct, holder?: Holder): Op<void> {
  const last = yield* perform(act('mmdrop', mm.mm_count, WRITE, (t) => mm.mm_count.put(t, holder ?? t, 'mmdrop') === 0));
  if (last) yield* __mmdrop(mm);
}

/** What `__mmdrop` frees with the struct. */
function parts(mm: MmStruct): KObject[] {
  const subs = mm.notifier_subscriptions;
  return [mm, mm.mm_users, mm.mm_count, mm.mmap_lock, mm.pgd, ...(subs ? [subs] : [])];
}

/** Frees the pgd, the mmu notifier subscriptions and the struct. */
function* __mmdrop(mm: MmStruct): Op<void> {
  yield* perform(
    dynamicAct('__mmdrop', mm, false, () => parts(mm).map((o) => access(o, WRITE)), (t) => {
      checkAlive(mm, t, '__mmdrop');
      const at = { step: mm.world.stepIndex, thread: t.name };
      for (const o of parts(mm)) o.freed = at;
      mm.world.note(() => `frees ${mm.name}: its pgd${mm.notifier_subscriptions ? ', its mmu notifier subscriptions' : ''} and the struct`);
    }),
  );
}

/**
 * Whether the VMAs may be changed: the kernel's answer is no while a core dump runs. Core dumps are
 * not modelled, so it is true for any mm that has not been freed; code that calls it (vfio-pci) reads
 * as the kernel's.
 */
export function* mmget_still_valid(mm: MmStruct): Op<boolean> {
  return yield* perform(
    act('mmget_still_valid', mm, READ, (t) => {
      checkAlive(mm, t, 'mmget_still_valid');
      return true;
    }),
  );
}
