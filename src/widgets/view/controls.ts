/**
 * The variant switch (buggy, fixed, and any other variant) and the case's parameters (a select for
 * a parameter with named values, such as the rwsem policy; a number field for a count). Changing
 * either asks the widget to rebuild the scenario, keeping the steps that still fit.
 */
import type { Verdict } from '@interleave/engine';
import type { WidgetCase } from '../case-shape.ts';
import type { Params } from '../session.ts';
import { keepWhole } from '../../lib/format.ts';
import { h } from './dom.ts';
import { verdictBadge } from './verdict.ts';

let counter = 0;

export class ControlsView {
  readonly element: HTMLElement;
  readonly #radios: HTMLInputElement[] = [];
  readonly #fields = new Map<string, HTMLSelectElement | HTMLInputElement>();
  readonly #description: HTMLElement;
  readonly #c: WidgetCase;

  constructor(c: WidgetCase, onChange: (variant: string, params: Params) => void) {
    this.#c = c;
    const uid = `iw${++counter}`;
    const changed = () => onChange(this.variant(), this.params());
    const variants = h('fieldset', { class: 'iw-variants' }, h('legend', { text: 'Variant' }));
    for (const v of c.variants) {
      const input = h('input', { attrs: { type: 'radio', name: `${uid}-variant`, value: v.id } });
      input.addEventListener('change', changed);
      this.#radios.push(input);
      variants.append(h('label', { class: 'iw-radio' }, input, h('span', { text: v.label })));
    }
    this.#description = h('p', { class: 'iw-variant-description', attrs: { id: `${uid}-variant-description` } });
    const params = h('div', { class: 'iw-params' });
    const notes = h('ul', { class: 'iw-param-notes' });
    for (const p of c.params) {
      const id = `${uid}-${p.name}`;
      let field: HTMLSelectElement | HTMLInputElement;
      if (p.values) {
        field = h('select', { attrs: { id, 'aria-describedby': `${id}-note` } }, ...p.values.map((v) => h('option', { text: v, attrs: { value: v } })));
      } else {
        field = h('input', { attrs: { id, type: 'number', inputmode: 'numeric', step: '1', 'aria-describedby': `${id}-note`, ...(p.min !== undefined ? { min: String(p.min) } : {}), ...(p.max !== undefined ? { max: String(p.max) } : {}) } });
      }
      field.addEventListener('change', () => {
        if (field instanceof HTMLInputElement && !field.checkValidity()) field.value = String(p.default);
        changed();
      });
      this.#fields.set(p.name, field);
      params.append(h('div', { class: 'iw-param' }, h('label', { text: p.name, attrs: { for: id } }), field));
      notes.append(h('li', { attrs: { id: `${id}-note` } }, h('code', { text: p.name }), `: ${p.description}`));
    }
    this.element = h(
      'div',
      { class: 'iw-controls' },
      h('div', { class: 'iw-controls-row' }, variants, c.params.length ? params : null),
      this.#description,
      c.params.length ? h('details', { class: 'iw-param-help' }, h('summary', { text: c.params.length === 1 ? 'What the parameter does' : 'What the parameters do' }), notes) : null,
    );
  }

  update(variant: string, params: Params): void {
    for (const r of this.#radios) r.checked = r.value === variant;
    for (const [name, field] of this.#fields) field.value = String(params[name]);
    const v = this.#c.variants.find((x) => x.id === variant);
    this.#description.replaceChildren();
    if (v) this.#description.append(keepWhole(v.description), ' Verdict at the default settings: ', verdictBadge(v.expected as Verdict));
  }

  variant(): string {
    return this.#radios.find((r) => r.checked)?.value ?? this.#c.variants[0]!.id;
  }

  params(): Params {
    const out: Params = {};
    for (const p of this.#c.params) {
      const raw = this.#fields.get(p.name)!.value;
      out[p.name] = typeof p.default === 'number' ? Number(raw) : raw;
    }
    return out;
  }
}
