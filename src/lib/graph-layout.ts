/**
 * Places a small graph (two to six nodes) for an inline SVG: nodes on a circle (a cycle reads as
 * a ring) or in a row (a chain reads left to right), edges as gentle curves so that two opposite
 * edges between the same nodes stay apart. Text widths are estimated from a monospace font, so
 * the layout is known at build time and the SVG has fixed dimensions (no layout shift).
 */
import type { Graph } from './waitfor.ts';

export const FONT_SIZE = 13;
export const LABEL_SIZE = 12;
/** Advance width of a monospace character, as a fraction of the font size. */
const CHAR = 0.62;
const PAD = 12;

export interface PlacedNode {
  id: string;
  label: string;
  kind: 'thread' | 'object';
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  label: string;
  text: string;
  /** SVG path data. */
  d: string;
  lx: number;
  ly: number;
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

interface Point {
  x: number;
  y: number;
}

const textWidth = (s: string, size: number) => Math.ceil(s.length * size * CHAR);

/** Where the segment from the centre of a w×h box towards `toward` leaves the box. */
function boxExit(c: Point, w: number, h: number, toward: Point, gap = 3): Point {
  const dx = toward.x - c.x;
  const dy = toward.y - c.y;
  const len = Math.hypot(dx, dy) || 1;
  const t = Math.min(dx === 0 ? Infinity : (w / 2) / Math.abs(dx), dy === 0 ? Infinity : (h / 2) / Math.abs(dy));
  return { x: c.x + dx * t + (dx / len) * gap, y: c.y + dy * t + (dy / len) * gap };
}

const round = (n: number) => Math.round(n * 10) / 10;

export function layoutGraph(g: Graph, shape: 'circle' | 'row' = 'circle'): Layout {
  if (g.nodes.length === 0) return { width: 0, height: 0, nodes: [], edges: [] };
  const sizes = g.nodes.map((n) => ({ w: textWidth(n.label, FONT_SIZE) + 2 * PAD, h: FONT_SIZE + 2 * 9 }));
  const maxW = Math.max(...sizes.map((s) => s.w));
  const maxLabel = Math.max(0, ...g.edges.map((e) => textWidth(e.label, LABEL_SIZE)));
  const n = g.nodes.length;
  const centres: Point[] = [];
  if (shape === 'row' || n === 1) {
    const step = Math.max(maxW + 40, maxLabel + 40);
    g.nodes.forEach((_, i) => centres.push({ x: i * step, y: 0 }));
  } else if (n === 2) {
    const dist = Math.max(maxW + 60, maxLabel + 60, 200);
    centres.push({ x: 0, y: 0 }, { x: dist, y: 0 });
  } else {
    const r = Math.max(90, (maxW + maxLabel * 0.8) / (2 * Math.sin(Math.PI / n)));
    for (let i = 0; i < n; i++) {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
      centres.push({ x: r * Math.cos(a), y: r * Math.sin(a) });
    }
  }
  const index = new Map(g.nodes.map((node, i) => [node.id, i]));
  const placedEdges = g.edges.map((e) => {
    const i = index.get(e.from);
    const j = index.get(e.to);
    if (i === undefined || j === undefined) throw new Error(`graph: edge ${e.from} → ${e.to} names a node that is not in the graph`);
    const p = centres[i]!;
    const q = centres[j]!;
    const si = sizes[i]!;
    const sj = sizes[j]!;
    if (i === j) {
      // A self-loop above the node.
      const top = p.y - si.h / 2;
      const d = `M${round(p.x - 10)},${round(top - 2)} C${round(p.x - 30)},${round(top - 45)} ${round(p.x + 30)},${round(top - 45)} ${round(p.x + 10)},${round(top - 3)}`;
      return { ...e, d, lx: round(p.x), ly: round(top - 42) };
    }
    const dx = q.x - p.x;
    const dy = q.y - p.y;
    const dist = Math.hypot(dx, dy);
    // Bend to the left of the direction of travel; in a row, forward edges stay straight and a
    // backward edge arcs below.
    const backward = shape === 'row' && j < i;
    const adjacentInRow = shape === 'row' && Math.abs(j - i) === 1 && !g.edges.some((o) => o.from === e.to && o.to === e.from);
    const bend = adjacentInRow ? 0 : backward ? -(0.25 * dist + 30) : shape === 'row' ? 0.25 * dist + 20 : 0.2 * dist + 8;
    const nx = dy / dist;
    const ny = -dx / dist;
    const c = { x: (p.x + q.x) / 2 + nx * bend, y: (p.y + q.y) / 2 + ny * bend };
    const a = boxExit(p, si.w, si.h, c, 2);
    const b = boxExit(q, sj.w, sj.h, c, 5);
    const mid = { x: 0.25 * a.x + 0.5 * c.x + 0.25 * b.x, y: 0.25 * a.y + 0.5 * c.y + 0.25 * b.y };
    const off = bend === 0 ? -12 : Math.sign(bend) * 12;
    const lx = mid.x + nx * off;
    const ly = mid.y + ny * off + (ny * off > 0 ? LABEL_SIZE * 0.4 : 0);
    const d = bend === 0 ? `M${round(a.x)},${round(a.y)} L${round(b.x)},${round(b.y)}` : `M${round(a.x)},${round(a.y)} Q${round(c.x)},${round(c.y)} ${round(b.x)},${round(b.y)}`;
    return { ...e, d, lx: round(lx), ly: round(ly) };
  });
  // Fit everything (node boxes and edge labels) into a box with a margin.
  const xs: number[] = [];
  const ys: number[] = [];
  centres.forEach((c, i) => {
    xs.push(c.x - sizes[i]!.w / 2, c.x + sizes[i]!.w / 2);
    ys.push(c.y - sizes[i]!.h / 2, c.y + sizes[i]!.h / 2);
  });
  for (const e of placedEdges) {
    const w = textWidth(e.label, LABEL_SIZE);
    xs.push(e.lx - w / 2, e.lx + w / 2);
    ys.push(e.ly - LABEL_SIZE, e.ly + 4);
    for (const m of e.d.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)) {
      xs.push(Number(m[1]));
      ys.push(Number(m[2]));
    }
  }
  const margin = 10;
  const minX = Math.min(...xs) - margin;
  const minY = Math.min(...ys) - margin;
  const width = Math.ceil(Math.max(...xs) + margin - minX);
  const height = Math.ceil(Math.max(...ys) + margin - minY);
  const shift = (d: string) => d.replace(/(-?[\d.]+),(-?[\d.]+)/g, (_, x, y) => `${round(Number(x) - minX)},${round(Number(y) - minY)}`);
  return {
    width,
    height,
    nodes: g.nodes.map((node, i) => ({
      id: node.id,
      label: node.label,
      kind: node.kind ?? 'thread',
      x: round(centres[i]!.x - minX),
      y: round(centres[i]!.y - minY),
      w: sizes[i]!.w,
      h: sizes[i]!.h,
    })),
    edges: placedEdges.map((e) => ({ ...e, d: shift(e.d), lx: round(e.lx - minX), ly: round(e.ly - minY) })),
  };
}
