import { at, type Op } from '../../core/action.ts';
import { KObject, type ObjectState } from '../../core/object.ts';
import { PCI_COMMAND_IO, PCI_COMMAND_MEMORY, mmap_bar, mmio_load, type BarMapping, type VfioPciDevice } from '../../devices/vfio-pci.ts';
import type { File } from '../../mm/file.ts';
import { sys_mmap } from '../../mm/mmap.ts';
import { PAGE_SIZE, hex } from '../../mm/vma.ts';
import type { Driver } from './driver.ts';

/**
 * The user-space threads of the scripts (kernel-semantics.md, seed 5: scripts 5a, 5b, 5c; `writer`
 * is ours). Each function stands for one function of the listing's user part.
 *
 * Script writer starts from a running VMM: P1 has mapped BAR0 and BAR2, and has read BAR0, so BAR0's
 * VMA is on vma_list with its pages mapped; T1 now reads BAR2 for the first time. Starting there
 * keeps the three-thread search small; the mmap and the first fault are what scripts 5a–5c show.
 */

export type Script = '5a' | '5b' | '5c' | 'writer';

/** Where things are mapped in the processes' address spaces. */
export const BAR0_AT = 0x100000;
export const BAR2_AT = 0x200000;
export const ANON_AT = 0x300000;

/**
 * What a user thread saw: the result of each of its system calls and accesses, as it would print
 * them. Only its own thread writes it, in its own code, so it is not shared state; it is an object
 * so the timeline can show it.
 */
export class UserView extends KObject {
  readonly kind = 'user_view';
  private readonly seen: string[] = [];

  record(what: string, result: number | string): void {
    const text = typeof result === 'number' ? (result < 0 ? `-${errno(-result)}` : String(result)) : result;
    this.seen.push(`${what} → ${text}`);
  }

  /** The results so far (for tests and widgets, not for thread code). */
  results(): readonly string[] {
    return this.seen;
  }

  snapshot(): ObjectState {
    return { name: this.name, kind: this.kind, seen: [...this.seen], summary: this.seen.join('; ') || 'nothing yet' };
  }
}

function errno(n: number): string {
  return ({ 5: 'EIO', 14: 'EFAULT', 22: 'EINVAL', 17: 'EEXIST' } as Record<number, string>)[n] ?? String(n);
}

export interface Env {
  vdev: VfioPciDevice;
  devfd: File;
  driver: Driver;
  accesses: number;
  disable: 'command' | 'reset';
  /** BARs of P1 mapped before the threads start, by BAR index (script writer). */
  premapped: Record<number, BarMapping>;
}

function* mapBar(env: Env, label: string, bar: number, address: number, view: UserView): Op<BarMapping> {
  const m = yield* at(label, mmap_bar(env.devfd, env.vdev, bar, address, PAGE_SIZE));
  if (typeof m === 'number') {
    view.record(`mmap BAR${bar}`, m);
    throw new Error(`mmap of BAR${bar} failed with ${m}`);
  }
  return m;
}

function* load(label: string, m: BarMapping, view: UserView): Op<void> {
  view.record(`load BAR${m.bar}`, yield* at(label, mmio_load(m)));
}

function* pread(env: Env, label: string, bar: number, view: UserView): Op<void> {
  view.record(`pread BAR${bar}`, yield* at(label, env.driver.barRw(env.vdev, bar, null, false)));
}

function* pwriteFrom(env: Env, label: string, bar: number, buf: BarMapping, view: UserView): Op<void> {
  view.record(`pwrite BAR${bar} from BAR${buf.bar}'s mapping`, yield* at(label, env.driver.barRw(env.vdev, bar, buf, true)));
}

/** T1's program for each script: the listing's vcpu_5a, vcpu_5b, vcpu_5c, vcpu_writer. */
export const vcpu: Record<Script, { fn: string; body: (env: Env, view: UserView) => Op<void> }> = {
  '5a': {
    fn: 'vcpu_5a',
    *body(env, view) {
      const bar0 = yield* mapBar(env, 'a.mmap', 0, BAR0_AT, view);
      for (let i = 0; i < env.accesses; i++) yield* load('a.load', bar0, view);
    },
  },
  '5b': {
    fn: 'vcpu_5b',
    *body(env, view) {
      const bar0 = yield* mapBar(env, 'b5.mmap', 0, BAR0_AT, view);
      yield* load('b5.load', bar0, view);
      for (let i = 0; i < env.accesses; i++) {
        yield* pread(env, 'b5.pread', 0, view);
        yield* load('b5.again', bar0, view);
      }
    },
  },
  '5c': {
    fn: 'vcpu_5c',
    *body(env, view) {
      const bar0 = yield* mapBar(env, 'c5.mmap', 0, BAR0_AT, view);
      yield* pwriteFrom(env, 'c5.pwrite', 1, bar0, view);
    },
  },
  writer: {
    fn: 'vcpu_writer',
    *body(env, view) {
      // BAR0 and BAR2 were mapped before, and BAR0 has been read (it is on vma_list).
      yield* load('w.load2', env.premapped[2]!, view);
    },
  },
};

/** Which T2 program a script runs: off, or off then on (5b); a reset with disable=reset. */
export function configProgram(script: Script, disable: Env['disable']): 'config_off' | 'config_off_on' | 'reset_device' {
  if (disable === 'reset') return 'reset_device';
  return script === '5b' ? 'config_off_on' : 'config_off';
}

/** T2's program. */
export function* config(env: Env, program: ReturnType<typeof configProgram>, view: UserView): Op<void> {
  const { vdev, driver } = env;
  if (program === 'reset_device') {
    view.record('VFIO_DEVICE_RESET', yield* at('reset.ioctl', driver.reset(vdev)));
    return;
  }
  const off = program === 'config_off' ? 'off.write' : 'onoff.off';
  view.record('PCI_COMMAND = IO', yield* at(off, driver.configWrite(vdev, PCI_COMMAND_IO)));
  if (program === 'config_off_on') view.record('PCI_COMMAND = IO | MEMORY', yield* at('onoff.on', driver.configWrite(vdev, PCI_COMMAND_IO | PCI_COMMAND_MEMORY)));
}

/** T3 (writer): maps anonymous memory, taking mmap_sem for write (mapper). */
export function* mapper(view: UserView): Op<void> {
  const ret = yield* at('m.mmap', sys_mmap(ANON_AT, PAGE_SIZE));
  view.record('mmap anonymous', ret < 0 ? ret : hex(ret));
}
