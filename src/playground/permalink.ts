/**
 * The playground's permalink: `#play=1&code=<deflate-raw, base64url>&export=<name>&steps=<schedule>`.
 * `play=1` is the version; a link of another version, or one whose code does not inflate, is
 * refused with a one-line reason. Opening a link only fills the editor: nothing runs until Explore.
 */
export const VERSION = '1';
/** Longest code a link may carry, inflated (a bound against a link that inflates to gigabytes). */
export const MAX_CODE = 64 * 1024;

export interface Link {
  code: string;
  exportName?: string;
  steps?: string;
}

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

async function through(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(stream).getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`the code is longer than ${limit / 1024} KB`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export async function encodeLink(link: Link): Promise<string> {
  const packed = await through(new TextEncoder().encode(link.code), new CompressionStream('deflate-raw'), Infinity);
  const p = new URLSearchParams({ play: VERSION, code: toBase64Url(packed) });
  if (link.exportName) p.set('export', link.exportName);
  if (link.steps) p.set('steps', link.steps);
  return `#${p.toString()}`;
}

export function isPlayLink(hash: string): boolean {
  return /^#play=/.test(hash);
}

export type Parsed = { ok: true; link: Link } | { ok: false; reason: string };

export async function decodeLink(hash: string): Promise<Parsed> {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  if (p.get('play') !== VERSION) return { ok: false, reason: `this link is of playground version ${p.get('play') ?? '(none)'}; this page reads version ${VERSION}` };
  const code = p.get('code');
  if (!code || !/^[A-Za-z0-9_-]+$/.test(code)) return { ok: false, reason: 'the link has no code' };
  const exportName = p.get('export') ?? undefined;
  const steps = p.get('steps') ?? undefined;
  if (exportName !== undefined && !/^[A-Za-z_$][\w$]{0,63}$/.test(exportName)) return { ok: false, reason: 'the link names no valid export' };
  if (steps !== undefined && !/^[A-Za-z0-9]{0,4096}$/.test(steps)) return { ok: false, reason: 'the link has a malformed schedule' };
  try {
    const bytes = await through(fromBase64Url(code), new DecompressionStream('deflate-raw'), MAX_CODE);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { ok: true, link: { code: text, ...(exportName ? { exportName } : {}), ...(steps ? { steps } : {}) } };
  } catch (e) {
    return { ok: false, reason: `the link's code could not be read (${e instanceof Error ? e.message : String(e)})` };
  }
}
