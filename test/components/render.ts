/** Renders one Astro component to HTML with the Container API, and parses the result. */
import { experimental_AstroContainer as AstroContainer } from 'astro/container';
import { parse, type HTMLElement } from 'node-html-parser';

let container: AstroContainer | null = null;

export async function render(component: any, props: Record<string, unknown>, slots?: Record<string, string>): Promise<HTMLElement> {
  container ??= await AstroContainer.create();
  const html = await container.renderToString(component, { props, slots });
  return parse(html, { comment: false, blockTextElements: { script: true, style: true } });
}

export const text = (el: HTMLElement | null | undefined) => (el?.text ?? '').replace(/\s+/g, ' ').trim();
