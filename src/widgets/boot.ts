/**
 * The only script a page with a widget loads up front (about 1 KB): it defines `<interleave-widget>`
 * and waits. When a widget comes near the viewport, or the URL hash is a permalink for it, the
 * widget's code (and the engine, and its case) is imported and mounted; until then the static form
 * rendered at build time is what the reader sees, and with JavaScript off it is all there is.
 */
import { isOurs, parseHash } from './permalink.ts';
import type { WidgetApi } from './widget.ts';

const mounted = new WeakMap<HTMLElement, Promise<WidgetApi | null>>();

function load(el: HTMLElement): Promise<WidgetApi | null> {
  let p = mounted.get(el);
  if (!p) {
    el.dataset.state = 'loading';
    p = import('./widget.ts')
      .then((m) => m.mount(el))
      .catch((e: unknown) => {
        el.dataset.state = 'failed';
        const note = el.querySelector<HTMLElement>('.iw-static-note');
        if (note) note.textContent = `The simulator could not start (${e instanceof Error ? e.message : String(e)}); the execution below was computed when the page was built.`;
        return null;
      });
    mounted.set(el, p);
  }
  return p;
}

const observer =
  typeof window !== 'undefined' && typeof IntersectionObserver === 'function'
    ? new IntersectionObserver(
        (entries) => {
          for (const e of entries) {
            if (!e.isIntersecting) continue;
            observer?.unobserve(e.target);
            void load(e.target as HTMLElement);
          }
        },
        { rootMargin: '300px 0px' },
      )
    : null;

/** A permalink in the hash: mount the widget it is for (or the first one, to say why it was ignored). */
async function followHash(): Promise<void> {
  const hash = location.hash;
  if (!isOurs(hash)) return;
  const widgets = [...document.querySelectorAll<HTMLElement>('interleave-widget')];
  const parsed = parseHash(hash);
  const target = (parsed?.ok ? widgets.find((w) => w.dataset.case === parsed.link.caseId) : undefined) ?? widgets[0];
  if (!target) return;
  const api = await load(target);
  api?.applyHash(hash);
  target.scrollIntoView({ block: 'start' });
}

const Base = (typeof HTMLElement === 'function' ? HTMLElement : Object) as typeof HTMLElement;

class InterleaveWidget extends Base {
  connectedCallback(): void {
    if (observer) observer.observe(this);
    else void load(this);
  }
}

// This module may also be evaluated in the search worker (it shares chunks with the page), where
// there is no window: do nothing there.
if (typeof window !== 'undefined' && typeof customElements !== 'undefined' && !customElements.get('interleave-widget')) {
  customElements.define('interleave-widget', InterleaveWidget);
  window.addEventListener('hashchange', () => void followHash());
  void followHash();
}
