/**
 * The search page's script: Pagefind's results for the query in the form (or in `?q=`). It loads
 * Pagefind's runtime from this site when a query is made; the runtime fetches only the parts of the
 * index the query needs.
 */
interface PagefindResult {
  data(): Promise<{ url: string; excerpt: string; meta: { title?: string } }>;
}
interface Pagefind {
  search(query: string): Promise<{ results: PagefindResult[] }>;
}

const form = document.querySelector<HTMLFormElement>('.search-form')!;
const input = document.querySelector<HTMLInputElement>('#q')!;
const status = document.querySelector<HTMLElement>('#search-status')!;
const list = document.querySelector<HTMLOListElement>('#search-results')!;
let pagefind: Promise<Pagefind> | null = null;
let latest = 0;

// Pagefind's runtime is built after the site, so it is imported by URL at run time, not bundled.
const PAGEFIND = '/pagefind/pagefind.js';
const load = () => (pagefind ??= import(/* @vite-ignore */ PAGEFIND) as Promise<Pagefind>);

async function run(query: string) {
  const id = ++latest;
  list.replaceChildren();
  if (query.trim() === '') {
    status.textContent = '';
    return;
  }
  status.textContent = 'Searching…';
  try {
    const search = await (await load()).search(query);
    const data = await Promise.all(search.results.slice(0, 20).map((r) => r.data()));
    if (id !== latest) return;
    for (const d of data) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = d.url;
      a.textContent = d.meta.title ?? d.url;
      const p = document.createElement('p');
      p.innerHTML = d.excerpt; // Pagefind's excerpt: the page's own text, with <mark> around the matches
      li.append(a, p);
      list.append(li);
    }
    const n = search.results.length;
    status.textContent = n === 0 ? `No page matches “${query}”.` : `${n} page${n === 1 ? '' : 's'} match “${query}”.`;
  } catch {
    if (id === latest) status.textContent = 'The search index could not be loaded.';
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const q = input.value;
  history.replaceState(null, '', q ? `?q=${encodeURIComponent(q)}` : location.pathname);
  run(q);
});
const initial = new URLSearchParams(location.search).get('q') ?? '';
if (initial) {
  input.value = initial;
  run(initial);
}
