/**
 * Where a page first states an engine sentence. A case page shows the same scenario in several
 * places (the figure's run, a table, a later comparison); the engine's full sentence is printed
 * the first time only, and later places link back to it. Keyed by the page's `Astro.locals`, so
 * each render of a page starts afresh.
 */
interface Page {
  said: Map<string, string>;
  ids: Set<string>;
}
const pages = new WeakMap<object, Page>();

/**
 * Where `sentence` is already stated on this page ({ earlier: its id }), or, the first time, the id
 * to state it under (made unique on the page). When `folded` (the place sits in a disclosure), the
 * sentence is stated in full but not recorded: a closed disclosure is no place for the page's statement.
 */
export function statedBefore(locals: object, sentence: string, id: string, folded = false): { earlier: string } | { id?: string } {
  let p = pages.get(locals);
  if (!p) pages.set(locals, (p = { said: new Map(), ids: new Set() }));
  const earlier = p.said.get(sentence);
  if (earlier) return { earlier };
  if (folded) return {};
  let unique = id;
  for (let n = 2; p.ids.has(unique); n++) unique = `${id}-${n}`;
  p.ids.add(unique);
  p.said.set(sentence, unique);
  return { id: unique };
}
