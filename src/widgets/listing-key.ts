/**
 * A short key for a listing's text, so the widget can find the build-time (Shiki) rendering of the
 * listing a scenario carries: 32-bit FNV-1a, in hex. The same function runs at build time and in
 * the browser.
 */
export function listingKey(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
