/** The pages of a content section in reading order, and each page's neighbours. */
import { getCollection, type CollectionEntry } from 'astro:content';
import { SECTIONS, type SectionId } from '../site.ts';

export type SectionEntry = CollectionEntry<'primers'> | CollectionEntry<'engine'>;

export async function sectionEntries(section: SectionId): Promise<SectionEntry[]> {
  const entries: SectionEntry[] = await getCollection(section);
  const sorted = entries.sort((a, b) => a.data.order - b.data.order || a.id.localeCompare(b.id));
  const orders = sorted.map((e) => e.data.order);
  const dup = orders.find((o, i) => orders.indexOf(o) !== i);
  if (dup !== undefined) throw new Error(`content/${section}: two pages have order ${dup}`);
  return sorted;
}

export const hrefOf = (section: SectionId, id: string) => `${SECTIONS[section].href}${id}/`;

export function neighbours(section: SectionId, entries: SectionEntry[], index: number) {
  const link = (e: SectionEntry | undefined) => (e ? { href: hrefOf(section, e.id), title: e.data.title } : undefined);
  return { prev: link(entries[index - 1]), next: link(entries[index + 1]) };
}

/** The static paths of a section's pages (for its `[id].astro` route), each with its neighbours. */
export async function sectionPaths(section: SectionId) {
  const entries = await sectionEntries(section);
  return entries.map((entry, index) => ({ params: { id: entry.id }, props: { entry, ...neighbours(section, entries, index) } }));
}
