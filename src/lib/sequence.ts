/**
 * A trace as a sequence diagram: one lane per thread, time going down, each step a mark on its
 * thread's lane with a label (kernel function and object, and what happened), the time a thread is
 * blocked as a bar on its lane, the queue of a lock drawn where a thread joins it behind others,
 * and, at the end, the cycle that closes (who waits for whom, or who holds a reference to whom).
 *
 * Framework-free: a trace in, geometry out (coordinates, labels and the same facts in sentences for
 * the text alternative). No Astro, no DOM: the build draws it as inline SVG, and the widget can
 * draw its live history with the same layout. Long traces collapse: a run of steps by one thread
 * that changes nothing another thread could see (no lock taken or released, no wait, no count
 * changed) becomes one row.
 */
import type { Step, Trace, WorldSnapshot } from '@interleave/engine';
import { waitForGraph, type Graph } from './waitfor.ts';
import type { PlacedEdge, PlacedNode } from './graph-layout.ts';

export const SEQ_FONT = 11;
/** Width of one character of the monospace label font, in viewBox units (measured ~0.6em). */
const CHAR = SEQ_FONT * 0.61;
const ROW = 34;
const ROW_QUEUE = 48;
const GAP_ROW = 20;
const LINE = 13;
const HEAD = 30;
const PAD = 8;

export interface SeqOptions {
  /** viewBox width; the drawing is laid out for it (default 340, readable on a 360 px phone). */
  width?: number;
  /** Steps to show as their own row even when they change nothing visible (e.g. the step a sentence names). */
  keep?: (s: Step) => boolean;
  /**
   * When given, only the steps it accepts (and blocking steps, violations and the last step) get a
   * row of their own; the rest fold into "… n steps" rows. Default: every step that changes what
   * another thread can see.
   */
  focus?: (s: Step) => boolean;
  /** The cycle to draw at the end; default: the wait-for cycle of the last state, if any. */
  cycle?: Graph | null;
}

export type Tone = 'plain' | 'blocks' | 'violation' | 'gap';

export interface SeqLane {
  thread: string;
  x: number;
  /** Baseline of the lane's name (names alternate between two lines when lanes are narrow). */
  nameY: number;
}

export interface SeqQueue {
  object: string;
  /** Who holds the lock, e.g. ["T1 (read)"]. */
  holders: string[];
  /** Who waits, head first, e.g. ["T2 (write)", "T1 (read)"]. */
  waiters: string[];
}

export interface SeqRow {
  /** 1-based step numbers the row stands for (one, or a collapsed run). */
  steps: number[];
  lane: number;
  /** For a folded run: every lane that took a step in it. */
  lanes: number[];
  y: number;
  height: number;
  tone: Tone;
  /** First line: the function and object, e.g. "down_read(mm.mmap_sem)". */
  title: string;
  /** Second line: what happened (the engine's note, or the wait). */
  detail: string;
  /** `detail` cut into the lines drawn (two for a wait or a violation, one otherwise), each fitting `labelChars`. */
  detailLines: string[];
  queue?: SeqQueue;
}

export interface SeqBar {
  lane: number;
  y1: number;
  y2: number;
  /** True when the thread is still waiting at the end. */
  open: boolean;
  /** True when the thread was already waiting before the first step (idle, waiting for work). */
  fromStart: boolean;
}

/** A node of the closing cycle: placed like a node of the wait-for graph, without its kind. */
export type SeqNode = Omit<PlacedNode, 'kind'>;

export interface SeqEdge extends PlacedEdge {
  /** The edge that closes the cycle (drawn back up). */
  back: boolean;
}

export interface SeqCycle {
  y: number;
  title: string;
  nodes: SeqNode[];
  edges: SeqEdge[];
}

export interface SequenceLayout {
  width: number;
  height: number;
  lanes: SeqLane[];
  labelX: number;
  /** Characters that fit on a label line. */
  labelChars: number;
  rows: SeqRow[];
  bars: SeqBar[];
  /** "… T1, T2 still waiting" under the last row, when threads wait at the end. */
  tail: { y: number; text: string } | null;
  /** A starvation's loop (a lasso trace): a bracket beside its rows, from `y1` down to `y2`, which repeat forever. */
  loop: { y1: number; y2: number; x: number } | null;
  cycle: SeqCycle | null;
  /** The figure in sentences, one per row and one per cycle edge, for the text alternative. */
  sentences: string[];
}

const holdsOf = (s: WorldSnapshot, thread: string) =>
  (s.threads.find((t) => t.name === thread)?.holds ?? []).map((h) => `${h.lock}:${h.mode}`).join(',');
const waitOf = (s: WorldSnapshot, thread: string) => s.threads.find((t) => t.name === thread)?.waiting ?? null;

/** `text` in at most `lines` lines of `n` characters, broken at spaces; the last line ends in "…" when cut. */
export function wrapText(text: string, n: number, lines: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest && out.length < lines - 1 && rest.length > n) {
    const cut = rest.lastIndexOf(' ', n);
    const at = cut > n / 3 ? cut : n;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  if (rest) out.push(clip(rest, n));
  return out;
}

/** Shortens `text` to `n` characters, ending in "…" when cut. */
export function clip(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, Math.max(1, n - 1))}…`;
}

function queueOf(state: WorldSnapshot, object: string): SeqQueue | undefined {
  const o = state.objects.find((x) => x.name === object) as Record<string, unknown> | undefined;
  const queue = o?.queue as { thread: string; mode?: string }[] | undefined;
  if (!Array.isArray(queue) || queue.length < 2) return undefined;
  const mode = (m?: string) => (m ? ` (${m})` : '');
  const readers = Array.isArray(o!.readers) ? (o!.readers as string[]).map((r) => `${r} (read)`) : [];
  const writer = typeof o!.writer === 'string' ? [`${o!.writer} (write)`] : typeof o!.owner === 'string' ? [o!.owner as string] : [];
  return { object, holders: [...writer, ...readers], waiters: queue.map((q) => `${q.thread}${mode(q.mode)}`) };
}

/** Whether a step changes something another thread can see: a lock, a wait, a count, a violation. */
function visible(trace: Trace, i: number): boolean {
  const s = trace.steps[i]!;
  if (s.blocked || s.violation) return true;
  const before = trace.states[i]!;
  const after = trace.states[i + 1]!;
  if (holdsOf(before, s.thread) !== holdsOf(after, s.thread)) return true;
  for (const t of after.threads) if ((waitOf(before, t.name) === null) !== (waitOf(after, t.name) === null)) return true;
  return /\b[\w.]+ = \d/.test(s.note ?? '') || /\bgranted\b|\bwoke\b|\bfrees\b/.test(s.note ?? '');
}

function rowsOf(trace: Trace, o: SeqOptions): { steps: number[]; key: boolean }[] {
  const out: { steps: number[]; key: boolean }[] = [];
  trace.steps.forEach((s, i) => {
    const shown = o.focus ? o.focus(s) || !!s.blocked || !!s.violation : visible(trace, i);
    const key = shown || (o.keep?.(s) ?? false) || i === trace.steps.length - 1;
    const last = out[out.length - 1];
    if (!key && last && !last.key) last.steps.push(i + 1);
    else out.push({ steps: [i + 1], key });
  });
  return out;
}

const objectOf = (s: Step) => (s.target ? `(${s.target})` : '');

/** Lays a cycle out as a column of boxes, each edge an arrow down, the closing edge back up on the left. */
export function cycleLayout(graph: Graph, y0: number, width: number, title: string): SeqCycle {
  const order: string[] = [];
  // Follow the edges from the first node, so the column reads as the cycle does.
  let at = graph.edges[0]?.from;
  while (at !== undefined && !order.includes(at)) {
    order.push(at);
    at = graph.edges.find((e) => e.from === at)?.to;
  }
  for (const n of graph.nodes) if (!order.includes(n.id)) order.push(n.id);
  const boxW = Math.min(width - 80, Math.max(...order.map((id) => (graph.nodes.find((n) => n.id === id)?.label ?? id).length)) * CHAR + 20);
  const x = 40;
  const h = 22;
  const step = 46;
  const nodes = order.map((id, k) => ({ id, label: graph.nodes.find((n) => n.id === id)?.label ?? id, x, y: y0 + 22 + k * step, w: boxW, h }));
  const pos = new Map(nodes.map((n) => [n.id, n]));
  const edges = graph.edges.map((e) => {
    const a = pos.get(e.from)!;
    const b = pos.get(e.to)!;
    const back = b.y <= a.y;
    if (!back) {
      const cx = a.x + 24;
      return { ...e, back, d: `M${cx},${a.y + h} L${cx},${b.y - 2}`, lx: cx + 8, ly: (a.y + h + b.y) / 2 + 4 };
    }
    const left = a.x - 18 - (a.y - b.y > step ? 0 : 6);
    // The closing edge's label sits to the right of the box it leaves.
    return { ...e, back, d: `M${a.x},${a.y + h / 2} C${left},${a.y + h / 2} ${left},${b.y + h / 2} ${b.x - 2},${b.y + h / 2}`, lx: a.x + a.w + 8, ly: a.y + h / 2 + 4 };
  });
  return { y: y0, title, nodes, edges };
}

export function sequenceLayout(trace: Trace, options: SeqOptions = {}): SequenceLayout {
  const width = options.width ?? 340;
  const first = trace.states[0];
  if (!first) throw new Error('sequenceLayout: the trace has no states');
  const threads = first.threads.map((t) => t.name);
  const laneW = Math.max(26, Math.min(46, (width * 0.4) / threads.length));
  const stagger = threads.some((t) => t.length * CHAR > laneW - 2);
  const lanes = threads.map((thread, k) => ({ thread, x: PAD + laneW * (k + 0.5), nameY: stagger && k % 2 === 1 ? 25 : 13 }));
  const labelX = PAD + laneW * threads.length + 8;
  const labelChars = Math.floor((width - labelX - PAD) / CHAR);
  const sentences: string[] = [];

  const rows: SeqRow[] = [];
  let y = HEAD + (stagger ? 10 : 0);
  for (const r of rowsOf(trace, options)) {
    const i = r.steps[r.steps.length - 1]! - 1;
    const s = trace.steps[i]!;
    const lane = threads.indexOf(s.thread);
    const after = trace.states[i + 1]!;
    const w = waitOf(after, s.thread);
    const numbers = r.steps.length === 1 ? `Step ${r.steps[0]}` : `Steps ${r.steps[0]}–${i + 1}`;
    if (!r.key) {
      const run = r.steps.map((n) => trace.steps[n - 1]!);
      const ops = [...new Set(run.map((x) => x.op))];
      const who = [...new Set(run.map((x) => x.thread))];
      const title = r.steps.length === 1 ? `${s.op}${objectOf(s)}` : `${ops.slice(0, 2).join(', ')}${ops.length > 2 ? ', …' : ''}`;
      rows.push({ steps: r.steps, lane, lanes: who.map((t) => threads.indexOf(t)), y, height: GAP_ROW, tone: 'gap', title, detail: '', detailLines: [] });
      sentences.push(`${numbers}: ${who.join(' and ')} ${who.length > 1 ? 'run' : 'runs'} ${ops.join(', ')}.`);
      y += GAP_ROW;
      continue;
    }
    const tone: Tone = s.violation ? 'violation' : s.blocked ? 'blocks' : 'plain';
    const detail = s.violation ?? (s.blocked && w ? `blocks: ${w.text ?? `waits in ${w.op}`}` : (s.note ?? ''));
    const queue = s.blocked && s.target ? queueOf(after, s.target) : undefined;
    const detailLines = detail ? wrapText(detail, labelChars, tone === 'plain' ? 1 : 2) : [];
    const height = (queue ? ROW_QUEUE : ROW) + (detailLines.length - 1) * LINE;
    rows.push({ steps: r.steps, lane, lanes: [lane], y, height, tone, title: `${s.op}${objectOf(s)}`, detail, detailLines, queue });
    sentences.push(
      `${numbers}: ${s.thread} ${s.op}${objectOf(s)}${detail ? `: ${detail}` : ''}.` +
        (queue ? ` ${queue.object} is held by ${queue.holders.join(', ') || 'nobody'}; its queue, head first: ${queue.waiters.join(', ')}.` : ''),
    );
    y += height;
  }

  // A bar for each wait: from the row where the thread blocks to the row after which it no longer waits.
  const bars: SeqBar[] = [];
  const stillWaiting = threads.filter((t) => waitOf(trace.states[trace.states.length - 1]!, t) !== null && waitOf(first, t) === null);
  const end = y + (stillWaiting.length > 0 ? 22 : 6);
  threads.forEach((thread, lane) => {
    let from: number | null = null;
    let fromStart = waitOf(first, thread) !== null;
    if (fromStart) from = HEAD - 6;
    for (const row of rows) {
      const i = row.steps[row.steps.length - 1]! - 1;
      const waiting = waitOf(trace.states[i + 1]!, thread) !== null;
      if (waiting && from === null) from = row.lane === lane ? row.y + row.height / 2 : row.y;
      if (!waiting && from !== null) {
        bars.push({ lane, y1: from, y2: row.y + row.height / 2, open: false, fromStart });
        from = null;
        fromStart = false;
      }
    }
    if (from !== null) bars.push({ lane, y1: from, y2: end, open: true, fromStart });
  });
  for (const b of bars.filter((x) => x.open && !x.fromStart)) sentences.push(`${threads[b.lane]} is still waiting at the end.`);
  let tail = stillWaiting.length > 0 ? { y: end - 4, text: `… ${stillWaiting.join(', ')} still waiting` } : null;
  let loop: SequenceLayout['loop'] = null;
  if (trace.loop) {
    const { start, length, thread } = trace.loop;
    const inLoop = rows.filter((r) => r.steps.some((n) => n > start && n <= start + length));
    const from = `${start + 1}–${start + length}`;
    loop = { y1: inLoop[0]!.y + 4, y2: inLoop[inLoop.length - 1]!.y + inLoop[inLoop.length - 1]!.height - 4, x: 3 };
    tail = { y: end - 4, text: clip(`↺ steps ${from} again, forever`, labelChars) };
    sentences.push(`Steps ${from} end in the state where they began, so they can repeat forever, and ${thread} waits throughout.`);
  }

  const last = trace.states[trace.states.length - 1]!;
  const waits = waitForGraph(last);
  const graph = options.cycle === undefined ? (waits.edges.length > 0 ? waits : null) : options.cycle;
  let cycle: SeqCycle | null = null;
  let height = end + PAD;
  if (graph && graph.edges.length > 0) {
    const title = options.cycle ? 'The reference cycle at the end' : 'Who waits for whom at the end';
    cycle = cycleLayout(graph, end + 14, width, title);
    height = Math.max(...cycle.nodes.map((n) => n.y + n.h)) + 14;
    sentences.push(`${title}: ${graph.edges.map((e) => e.text).join(' ')}`);
  }
  return { width, height, lanes, labelX, labelChars, rows, bars, tail, loop, cycle, sentences };
}
