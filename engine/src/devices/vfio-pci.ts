import { act, dynamicAct, perform, type Op } from '../core/action.ts';
import { KObject, READ, WRITE, access, type ObjectState } from '../core/object.ts';
import { currentThread, type KThread } from '../core/thread.ts';
import { Violation } from '../core/violation.ts';
import type { World } from '../core/world.ts';
import { assertBuilding } from '../mm/build.ts';
import { FAULT_FLAG_WRITE, do_page_fault, type UserFault } from '../mm/fault.ts';
import type { File } from '../mm/file.ts';
import { sys_mmap } from '../mm/mmap.ts';
import { currentMm } from '../mm/process.ts';
import { PAGE_SIZE, VM_IO, VM_PFNMAP, VM_READ, VM_SHARED, VM_WRITE, hex, type VmArea } from '../mm/vma.ts';
import type { MmStruct } from '../mm/mm_struct.ts';
import { mightSleep } from '../sync/context.ts';
import { Mutex } from '../sync/mutex.ts';
import { RwSemaphore, type RwsemPolicy } from '../sync/rwsem.ts';

/**
 * vfio-pci (drivers/vfio/pci/, Linux v5.7–v5.8): a PCI device handed to user space (a VMM such as
 * QEMU). The user reads and writes the device's config space and BARs through the device file, and
 * may mmap the BARs to reach device memory directly. This file models the device and the driver's
 * state; the driver code that changed with "vfio-pci: Invalidate mmaps and block MMIO access on
 * disabled memory" (abafbc551fdd, v5.8) lives in the vfio-pci case, beside its listing.
 *
 * The hardware: the command register's MEMORY bit (`PCI_COMMAND_MEMORY`) enables the device's
 * memory decode. An access to a BAR while it is off is the failure this model checks: per
 * CVE-2020-12888, some devices then raise a fatal error interrupt and the host crashes. (What the bus
 * does with the access, an unsupported request or master abort, is [U]: generic PCI behaviour that
 * was not re-read in a source.)
 *
 * The driver's state after the series (v5.8): `vconfig`, the virtual command register the user sees;
 * `memory_lock`, an rwsem whose readers use device memory (read/write of a BAR, the mmap fault) and
 * whose writers change whether it is enabled (a PCI_COMMAND write, a reset); `vma_lock`, a mutex over
 * `vma_list`, the VMAs whose page-table entries currently map a BAR. Before the series none of the
 * three existed: the device is made with `series: false` and they are absent.
 */

export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;

/** Who last changed a register: for messages ("T2 cleared it at step 9"). */
interface Written {
  thread: string;
  step: number;
}

function commandText(cmd: number): string {
  return `${hex(cmd)} (memory decode ${cmd & PCI_COMMAND_MEMORY ? 'on' : 'off'})`;
}

/** The device's hardware command register (`PCI_COMMAND` in its config space). */
export class PciCommandRegister extends KObject {
  readonly kind = 'pci_command';
  private cmd: number;
  /** The last write that changed the MEMORY bit. */
  memoryWrite: Written | null = null;

  constructor(world: World, name: string, cmd: number) {
    super(world, name);
    this.cmd = cmd;
  }

  get value(): number {
    this.observe();
    return this.cmd;
  }

  /** Writes the register inside a step that declares it. */
  write(t: KThread, cmd: number): void {
    if ((cmd ^ this.cmd) & PCI_COMMAND_MEMORY) this.memoryWrite = { thread: t.name, step: this.world.stepIndex };
    this.cmd = cmd;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, value: this.cmd, memory: (this.cmd & PCI_COMMAND_MEMORY) !== 0, summary: `PCI_COMMAND ${commandText(this.cmd)}` };
  }
}

/** One BAR of the device: a window of device memory (its registers). */
export class PciBar extends KObject {
  readonly kind = 'pci_bar';
  readonly index: number;
  private data = 0;
  private writer: Written | null = null;

  constructor(world: World, name: string, index: number) {
    super(world, name);
    this.index = index;
  }

  /** Stores a value inside a step that declares this BAR for write. */
  store(t: KThread, value: number): void {
    this.data = value;
    this.writer = { thread: t.name, step: this.world.stepIndex };
  }

  snapshot(): ObjectState {
    const last = this.writer ? `last written ${hex(this.data)} by ${this.writer.thread} at step ${this.writer.step + 1}` : 'not written';
    return { name: this.name, kind: this.kind, index: this.index, value: this.data, summary: `BAR${this.index}: ${last}` };
  }
}

/** `struct pci_dev`: the hardware, its command register and its BARs. */
export class PciDev extends KObject {
  readonly kind = 'pci_dev';
  readonly command: PciCommandRegister;
  readonly bars: PciBar[];

  constructor(world: World, name: string, bars: number) {
    super(world, name);
    this.command = new PciCommandRegister(world, `${name}.command`, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    this.bars = Array.from({ length: bars }, (_, i) => new PciBar(world, `${name}.bar${i}`, i));
  }

  bar(index: number): PciBar {
    const b = this.bars[index];
    if (!b) throw new Error(`${this.name} has no BAR${index} (it has ${this.bars.length})`);
    return b;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, bars: this.bars.length, summary: `${this.bars.length} BARs` };
  }
}

/** `vdev->vconfig`'s PCI_COMMAND: the command register as the user sees it; `__vfio_pci_memory_enabled` reads it. */
export class VirtualCommand extends KObject {
  readonly kind = 'vfio_vconfig';
  private cmd: number;

  constructor(world: World, name: string, cmd: number) {
    super(world, name);
    this.cmd = cmd;
  }

  get value(): number {
    this.observe();
    return this.cmd;
  }

  /** Changes the register inside a step that declares it for write. */
  set(cmd: number): void {
    this.cmd = cmd;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, value: this.cmd, memory: (this.cmd & PCI_COMMAND_MEMORY) !== 0, summary: `virtual PCI_COMMAND ${commandText(this.cmd)}` };
  }
}

/** `vdev->vma_list`: one `struct vfio_pci_mmap_vma` per VMA whose page-table entries map a BAR. */
export class VmaList extends KObject {
  readonly kind = 'vma_list';
  private readonly list: VmArea[] = [];

  get entries(): readonly VmArea[] {
    this.observe();
    return this.list;
  }

  /** `list_add`: at the head, as the kernel's `__vfio_pci_add_vma` does. */
  add(vma: VmArea): void {
    this.list.unshift(vma);
  }

  /** `list_del` of every entry for which `match` holds; returns their VMAs. */
  remove(match: (vma: VmArea) => boolean): VmArea[] {
    const gone = this.list.filter(match);
    for (const v of gone) this.list.splice(this.list.indexOf(v), 1);
    return gone;
  }

  snapshot(): ObjectState {
    const vmas = this.list.map((v) => v.name);
    return { name: this.name, kind: this.kind, vmas, summary: vmas.length ? vmas.join(', ') : 'empty' };
  }
}

export interface VfioPciOptions {
  /** How many BARs the device has; 3 by default (BAR0, BAR1, BAR2). */
  bars?: number;
  /** Whether the driver has the series' state (memory_lock, vma_lock, vma_list): true from v5.8. */
  series?: boolean;
  /** The policy of `memory_lock`: 'phase-fair' (v5.3+, the default), 'fifo' or 'reader-preferring'. */
  policy?: RwsemPolicy;
  /** The model's bound on page faults per access through a mapping (MAX_FAULTS by default). */
  maxFaults?: number;
  /** The name of the `struct pci_dev`; 'pdev' by default. */
  pdev?: string;
}

/**
 * `struct vfio_pci_device` and the `struct pci_dev` it drives. Made before the threads run; the
 * device's memory decode is on.
 */
export class VfioPciDevice extends KObject {
  readonly kind = 'vfio_pci_device';
  readonly pdev: PciDev;
  readonly vconfig: VirtualCommand;
  readonly series: boolean;
  private readonly locks: { memory_lock: RwSemaphore; vma_lock: Mutex; vma_list: VmaList } | null;
  /** `vdev->reset_works`: the device supports a function reset. */
  readonly reset_works = true;
  /** The model's bound on page faults per access through a mapping (see MAX_FAULTS). */
  readonly maxFaults: number;

  constructor(world: World, name: string, options: VfioPciOptions = {}) {
    assertBuilding(`vfio-pci device '${name}'`);
    const bars = options.bars ?? 3;
    if (!Number.isInteger(bars) || bars < 1 || bars > 6) throw new Error(`vfio-pci device '${name}': a PCI device has 1 to 6 BARs, got ${bars}`);
    const maxFaults = options.maxFaults ?? MAX_FAULTS;
    if (!Number.isInteger(maxFaults) || maxFaults < 1) throw new Error(`vfio-pci device '${name}': maxFaults must be an integer ≥ 1, got ${maxFaults}`);
    super(world, name);
    this.maxFaults = maxFaults;
    this.pdev = new PciDev(world, options.pdev ?? 'pdev', bars);
    this.vconfig = new VirtualCommand(world, `${name}.vconfig`, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    this.series = options.series ?? true;
    this.locks = this.series
      ? {
          memory_lock: new RwSemaphore(world, `${name}.memory_lock`, { lockClass: 'memory_lock', policy: options.policy ?? 'phase-fair' }),
          vma_lock: new Mutex(world, `${name}.vma_lock`, { lockClass: 'vma_lock' }),
          vma_list: new VmaList(world, `${name}.vma_list`),
        }
      : null;
  }

  private seriesOnly(): NonNullable<VfioPciDevice['locks']> {
    if (!this.locks) throw new Error(`${this.name} models the driver before v5.8, which has no memory_lock, vma_lock or vma_list`);
    return this.locks;
  }

  get memory_lock(): RwSemaphore {
    return this.seriesOnly().memory_lock;
  }

  get vma_lock(): Mutex {
    return this.seriesOnly().vma_lock;
  }

  get vma_list(): VmaList {
    return this.seriesOnly().vma_list;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, series: this.series, summary: this.series ? 'vfio-pci (v5.8: memory_lock, vma_lock, vma_list)' : 'vfio-pci (before v5.8)' };
  }
}

// --- The hardware: what an access to a BAR does ----------------------------------------------------

/**
 * An access reaching `bar`: with memory decode off it is the failure this model checks. Called inside
 * a step whose footprint declares the command register (read) and the BAR.
 */
function reachDevice(t: KThread, pdev: PciDev, bar: PciBar, what: string): void {
  const cmd = pdev.command;
  if (!(cmd.value & PCI_COMMAND_MEMORY)) {
    const w = cmd.memoryWrite;
    const by = w ? ` (${w.thread} turned it off at step ${w.step + 1})` : '';
    throw new Violation(
      'mmio-while-disabled',
      `${t.name}'s ${what} reached ${bar.name} while ${cmd.name} has memory decode off${by}: the device may raise a fatal error and crash the host`,
    );
  }
}

/** `ioread32` of a BAR by the kernel (vfio_pci_bar_rw): the device answers, or the host may crash. */
export function* ioread32(vdev: VfioPciDevice, bar: number): Op<number> {
  const b = vdev.pdev.bar(bar);
  return yield* perform(
    dynamicAct('ioread32', b, false, () => [access(vdev.pdev.command, READ), access(b, READ)], (t) => {
      reachDevice(t, vdev.pdev, b, 'ioread32');
      vdev.world.note(() => `reads ${b.name}`);
      return 0;
    }),
  );
}

/** `iowrite32` to a BAR by the kernel (vfio_pci_bar_rw). */
export function* iowrite32(vdev: VfioPciDevice, bar: number, value: number): Op<void> {
  const b = vdev.pdev.bar(bar);
  yield* perform(
    dynamicAct('iowrite32', b, false, () => [access(vdev.pdev.command, READ), access(b, WRITE)], (t) => {
      reachDevice(t, vdev.pdev, b, 'iowrite32');
      b.store(t, value);
      vdev.world.note(() => `writes ${hex(value)} to ${b.name}`);
    }),
  );
}

// --- Config space and reset ------------------------------------------------------------------------

/**
 * The write of PCI_COMMAND that reaches the hardware (`vfio_default_config_write`, for the bits the
 * driver does not virtualise, MEMORY among them).
 */
export function* vfio_default_config_write(vdev: VfioPciDevice, cmd: number): Op<void> {
  const reg = vdev.pdev.command;
  yield* perform(
    act('vfio_default_config_write', reg, WRITE, (t) => {
      reg.write(t, cmd);
      vdev.world.note(() => `${reg.name} = ${commandText(cmd)}`);
    }),
  );
}

/** `vfio_basic_config_write` updating the virtual command register's MEMORY and IO bits. */
export function* vfio_set_virt_cmd(vdev: VfioPciDevice, cmd: number): Op<void> {
  const v = vdev.vconfig;
  yield* perform(
    act('vfio_basic_config_write', v, WRITE, () => {
      v.set(cmd);
      vdev.world.note(() => `${v.name}: ${commandText(cmd)}`);
    }),
  );
}

/** `__vfio_pci_memory_enabled`: the virtual MEMORY bit. The caller should hold memory_lock. */
export function* __vfio_pci_memory_enabled(vdev: VfioPciDevice): Op<boolean> {
  const v = vdev.vconfig;
  return yield* perform(
    act('__vfio_pci_memory_enabled', v, READ, () => {
      const on = (v.value & PCI_COMMAND_MEMORY) !== 0;
      vdev.world.note(() => on ? 'memory is enabled' : 'memory is disabled');
      return on;
    }),
  );
}

/**
 * `pci_try_reset_function`, as two steps: the function-level reset starts, which clears the command
 * register (memory decode off), and ends with the PCI core restoring the saved config, memory decode
 * on again. [U] That the restore brings PCI_COMMAND back was not re-read in a source.
 */
export function* pci_try_reset_function(vdev: VfioPciDevice): Op<number> {
  const reg = vdev.pdev.command;
  const saved = yield* perform(
    act('pci_try_reset_function', reg, WRITE, (t) => {
      const before = reg.value;
      reg.write(t, 0);
      vdev.world.note(() => `function reset: ${reg.name} = ${commandText(0)}`);
      return before;
    }),
  );
  yield* perform(
    act('pci_restore_state', reg, WRITE, (t) => {
      reg.write(t, saved);
      vdev.world.note(() => `reset done: the saved config is restored, ${reg.name} = ${commandText(saved)}`);
    }),
  );
  return 0;
}

// --- vma_list ---------------------------------------------------------------------------------------

function holdsVmaLock(t: KThread, vdev: VfioPciDevice, op: string): void {
  if (vdev.vma_lock.owner !== t) throw new Violation('lock-not-held', `${t.name} called ${op} without holding ${vdev.vma_lock.name}`);
}

/** `__vfio_pci_add_vma`: tracks `vma` on vma_list (kmalloc + list_add). The caller holds vma_lock. */
export function* __vfio_pci_add_vma(vdev: VfioPciDevice, vma: VmArea): Op<number> {
  const list = vdev.vma_list;
  return yield* perform(
    act('__vfio_pci_add_vma', list, WRITE, (t) => {
      holdsVmaLock(t, vdev, '__vfio_pci_add_vma');
      list.add(vma);
      vdev.world.note(() => `adds ${vma.name} to ${list.name}`);
      return 0;
    }),
  );
}

/**
 * The loop head of `vfio_pci_zap_and_vma_lock`: the VMA of the first entry of vma_list, or null if
 * the list is empty. The caller holds vma_lock.
 */
export function* vma_list_first(vdev: VfioPciDevice): Op<VmArea | null> {
  const list = vdev.vma_list;
  return yield* perform(
    act('list_first_entry', list, READ, (t) => {
      holdsVmaLock(t, vdev, 'list_first_entry');
      const first = list.entries[0] ?? null;
      vdev.world.note(() => first ? `first entry: ${first.name} of ${first.vm_mm.name}` : `${list.name} is empty`);
      return first;
    }),
  );
}

/** `list_del` + `kfree` of the entries whose VMA `match` selects; returns their VMAs. The caller holds vma_lock. */
export function* vma_list_del(vdev: VfioPciDevice, match: (vma: VmArea) => boolean, what: string): Op<VmArea[]> {
  const list = vdev.vma_list;
  return yield* perform(
    act('list_del', list, WRITE, (t) => {
      holdsVmaLock(t, vdev, 'list_del');
      const gone = list.remove(match);
      vdev.world.note(() => gone.length ? `removes ${gone.map((v) => v.name).join(', ')} (${what})` : `no entry ${what}`);
      return gone;
    }),
  );
}

// --- The user's side: mapping a BAR and touching it ---------------------------------------------------

/** A BAR mapped into a process: where, and which BAR of which device (the mapping's pfn). */
export interface BarMapping {
  vdev: VfioPciDevice;
  bar: number;
  address: number;
}

/**
 * A BAR that a process mapped before the threads start: a shared VMA of `mm` at `address` that maps
 * BAR `bar` of the device file and holds a reference to the file. `populated`: its page-table
 * entries are present (before v5.8 the mmap mapped the BAR at once; from v5.8 a fault does). The
 * driver's side (vm_ops, vma_list) is the caller's to set up, as its ->mmap and fault would have.
 */
export function mapBarAtBuild(mm: MmStruct, file: File, vdev: VfioPciDevice, bar: number, address: number, populated: boolean): BarMapping & { vma: VmArea } {
  assertBuilding('mapBarAtBuild');
  vdev.pdev.bar(bar);
  const vma = mm.addVma(address, PAGE_SIZE, { file, flags: VM_READ | VM_WRITE | VM_SHARED | VM_IO | VM_PFNMAP, populated });
  vma.vm_private_data = vdev;
  return { vdev, bar, address, vma };
}

/**
 * `mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED, devfd, offset of BAR bar)` by user space:
 * the mapping, or -errno. Simplification: the engine's sys_mmap takes no offset, and the driver's
 * ->mmap does not need it here (it would check the BAR may be mmapped and keep its pfn in
 * vm_pgoff): which BAR an access reaches is known from the mapping returned.
 */
export function* mmap_bar(file: File, vdev: VfioPciDevice, bar: number, address: number, len: number): Op<BarMapping | number> {
  vdev.pdev.bar(bar);
  const ret = yield* sys_mmap(address, len, { file, shared: true });
  return ret < 0 ? ret : { vdev, bar, address };
}

/**
 * How many page faults one access through a mapping may take, by default. A fault maps the BAR; a
 * zap running at the same time may unmap it again before the access is retried, and the retry
 * faults again: with an unfair scheduler this can repeat forever (in the kernel as here), each round
 * returning the world to the state it started from. So the model bounds it: once an access has
 * faulted `maxFaults` times (VfioPciOptions) and its page is still not mapped, it stops retrying,
 * with the result 'retry bound'. A failure that needs more faults of one access is not explored.
 */
export const MAX_FAULTS = 1;

/** What an access through a BAR mapping comes to; 'retry bound' is the model's bound (maxFaults). */
export type UserAccess = UserFault | 'retry bound';

/**
 * One access through the mapping, and the page fault when its page is not mapped: the step finds the
 * page-table entry and, when it is there, reaches the BAR at once (the CPU does both in one
 * instruction); when it is not, the page fault (mmap_sem for read, then the driver's
 * `vm_ops->fault`) runs and the access is retried.
 */
function* throughMapping(op: string, m: BarMapping, write: boolean, value: number, copy: boolean): Op<UserAccess | 'not copied'> {
  const mm = currentMm(op);
  const pdev = m.vdev.pdev;
  const bar = pdev.bar(m.bar);
  const budget = m.vdev.maxFaults;
  for (let faults = 0; ; faults++) {
    const present = yield* perform(
      dynamicAct(
        op,
        mm.pgd,
        false,
        () => [...mm.pgd.footprint(m.address, m.address + 1, READ), ...(mm.pgd.present(m.address) ? [access(pdev.command, READ), access(bar, write ? WRITE : READ)] : [])],
        (t) => {
          if (faults === 0 && copy) mightFault(t, op, mm.mmap_sem, m.address);
          mm.pgd.walk(t, op);
          if (!mm.pgd.present(m.address)) {
            if (copy && (t.pagefaultsDisabled > 0 || t.preemptCount > 0)) mm.world.note(() => `${hex(m.address)} is not mapped and page faults are disabled: not copied, no lock taken`);
            else if (faults === budget) mm.world.note(() => `${hex(m.address)} is unmapped again after ${faults === 1 ? 'its fault' : `${faults} faults`}: the model stops retrying (maxFaults ${budget})`);
            else mm.world.note(() => `${hex(m.address)} is not mapped: page fault`);
            return false;
          }
          reachDevice(t, pdev, bar, `${op} at ${hex(m.address)}`);
          if (write) bar.store(t, value);
          mm.world.note(() => `${hex(m.address)} maps ${bar.name}: ${write ? `writes ${hex(value)}` : 'reads it'}`);
          return true;
        },
      ),
    );
    if (present) return 'ok';
    if (copy && (currentThread().pagefaultsDisabled > 0 || currentThread().preemptCount > 0)) return 'not copied';
    if (faults === budget) return 'retry bound';
    const fault = yield* do_page_fault(mm, m.address, write ? FAULT_FLAG_WRITE : 0);
    if (fault !== 'ok') return fault;
  }
}

/**
 * The kernel's might_fault() at the start of a user copy: it may sleep, and lockdep is told it may
 * take mmap_sem for read (as the engine's copy_from_user does).
 */
function mightFault(t: KThread, op: string, lock: RwSemaphore, address: number): void {
  if (t.pagefaultsDisabled > 0) return;
  mightSleep(t, op, hex(address));
  t.world.emitLock({ type: 'acquire', lock, lockClass: lock.lockClass, mode: 'read', op: 'might_fault', trylock: false, thread: t, step: t.world.stepIndex, line: t.line });
}

/** A load by user space through a BAR mapping: 'ok', or 'SIGBUS' when the fault handler refuses. */
export function* mmio_load(m: BarMapping): Op<UserAccess> {
  return (yield* throughMapping('load', m, false, 0, false)) as UserAccess;
}

/** A store by user space through a BAR mapping. */
export function* mmio_store(m: BarMapping, value: number): Op<UserAccess> {
  return (yield* throughMapping('store', m, true, value, false)) as UserAccess;
}

/**
 * `copy_from_user` of a buffer that lies in a BAR mapping (4 bytes, one page): the kernel reads the
 * device through the user's mapping, faulting it in first if needed. Returns the bytes not copied
 * (0 on success). As the engine's copy_from_user, it tells lockdep it may take mmap_sem, and with
 * page faults disabled a missing page fails at once, taking no lock.
 */
export function* copy_from_user_bar(m: BarMapping, n = 4): Op<number> {
  const r = yield* throughMapping('copy_from_user', m, false, 0, true);
  return r === 'ok' ? 0 : n;
}
