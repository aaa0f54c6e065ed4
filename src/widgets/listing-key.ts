/**
 * A short key for a listing's text, so the widget can find the build-time (Shiki) rendering of the
 * listing a scenario carries: 32-bit FNV-1a, in hex. The same function runs at build time and in
 * the browser.
 */
import type { Listing } from '@interleave/engine';

export function listingKey(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * A listing as the pages' bundle carries an engine case's: its key instead of its text, which the
 * page holds rendered (src/lib/browser-engine.ts).
 */
export type BundledListing = Listing & { readonly key: string };

/** The key of `l`'s rendering: the one it carries, or its text's. */
export const keyOf = (l: Listing): string => (l as Partial<BundledListing>).key ?? listingKey(l.text);
