/**
 * The playground's editor: CodeMirror 6 with JavaScript, line numbers, undo history, bracket
 * matching, completion of the engine's exported names, a scenario error shown at its line, and the
 * lines where the threads are marked. Tab moves the focus on (CodeMirror's default), so the page
 * can be used with the keyboard alone; Escape then Tab leaves the editor too.
 */
import { EditorState, StateEffect, StateField, type Extension, type StateEffectType } from '@codemirror/state';
import { Decoration, EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection, type DecorationSet } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, ensureSyntaxTree, indentOnInput, LanguageSupport, syntaxHighlighting, syntaxTree } from '@codemirror/language';
import { javascriptLanguage } from '@codemirror/lang-javascript';
import { autocompletion, closeBrackets, completeFromList, completionKeymap } from '@codemirror/autocomplete';
import { classHighlighter } from '@lezer/highlight';
import type { ScenarioFault } from './protocol.ts';

export interface Editor {
  view: EditorView;
  get code(): string;
  set code(text: string);
  /** Shows `fault` at its line (line 0: at the top), or clears it (null). */
  showFault(fault: ScenarioFault | null): void;
  /** Marks each thread's current line. */
  markThreads(lines: { line: number; label: string; blocked: boolean }[]): void;
  /** The first syntax error the parser finds, without running anything. */
  syntaxError(): { line: number; column: number } | null;
}

/** Decorations set as a whole by an effect, and dropped when the code changes. */
function decorations(): { set: StateEffectType<DecorationSet>; field: StateField<DecorationSet> } {
  const set = StateEffect.define<DecorationSet>();
  const field = StateField.define<DecorationSet>({
    create: () => Decoration.none,
    update: (value, tr) => {
      for (const e of tr.effects) if (e.is(set)) return e.value;
      return tr.docChanged ? Decoration.none : value;
    },
    provide: (f) => EditorView.decorations.from(f),
  });
  return { set, field };
}

const marks = decorations();
const fault = decorations();

export function createEditor(parent: HTMLElement, code: string, engineNames: readonly string[], onChange: () => void): Editor {
  const completions = engineNames.map((label) => ({ label, type: /^[A-Z]/.test(label) ? (/^[A-Z0-9_]+$/.test(label) ? 'constant' : 'class') : 'function', detail: '@interleave/engine' }));
  const extensions: Extension[] = [
    lineNumbers(),
    highlightActiveLineGutter(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    highlightActiveLine(),
    // The language without lang-javascript's snippets and local-name completion (the page's weight budget): the engine's names are completed.
    new LanguageSupport(javascriptLanguage),
    javascriptLanguage.data.of({ autocomplete: completeFromList(completions) }),
    autocompletion(),
    syntaxHighlighting(classHighlighter),
    marks.field,
    fault.field,
    keymap.of([...defaultKeymap, ...historyKeymap, ...completionKeymap]),
    EditorView.contentAttributes.of({ 'aria-label': 'Scenario code (JavaScript)', tabindex: '0' }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) onChange();
    }),
  ];
  const view = new EditorView({ parent, state: EditorState.create({ doc: code, extensions }) });
  const lineStart = (line: number) => view.state.doc.line(Math.max(1, Math.min(view.state.doc.lines, line)));
  return {
    view,
    get code() {
      return view.state.doc.toString();
    },
    set code(text: string) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    showFault(f) {
      const decos = [];
      if (f) {
        const l = lineStart(f.line || 1);
        const from = Math.min(l.to, l.from + Math.max(0, (f.column ?? 1) - 1));
        decos.push(Decoration.line({ class: 'pg-error-line' }).range(l.from));
        if (l.to > l.from) decos.push(Decoration.mark({ class: 'pg-error', attributes: { title: f.message } }).range(from === l.to ? l.from : from, l.to));
      }
      view.dispatch({ effects: fault.set.of(Decoration.set(decos, true)) });
    },
    markThreads(lines) {
      const decos = lines
        .filter((l) => l.line >= 1 && l.line <= view.state.doc.lines)
        .sort((a, b) => a.line - b.line)
        .map((l) => Decoration.line({ class: l.blocked ? 'pg-at pg-at-blocked' : 'pg-at', attributes: { 'data-threads': l.label } }).range(lineStart(l.line).from));
      view.dispatch({ effects: marks.set.of(Decoration.set(decos, true)) });
    },
    syntaxError() {
      let at: number | null = null;
      (ensureSyntaxTree(view.state, view.state.doc.length, 1000) ?? syntaxTree(view.state)).iterate({
        enter: (n) => {
          if (at === null && n.type.isError) at = n.from;
          return at === null;
        },
      });
      if (at === null) return null;
      const l = view.state.doc.lineAt(at);
      return { line: l.number, column: at - l.from + 1 };
    },
  };
}
