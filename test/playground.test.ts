/**
 * The playground's pure parts, in Node: the reader's module made into a function body (lines kept),
 * evaluation with errors at their lines, every template's verdict, the line each thread is at while
 * stepping, and the permalink (round trip, refusals). The page itself: playground.browser.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../src/lib/csp.ts';
import { readPage, requireDist, ROOT } from './support/dist.ts';
import * as engine from '@interleave/engine';
import { explore } from '@interleave/engine';
import { compile } from '../src/playground/compile.ts';
import { evaluate } from '../src/playground/evaluate.ts';
import { api, takeThrow, tracked } from '../src/playground/instrument.ts';
import { templates } from '../src/playground/templates.ts';
import { decodeLink, encodeLink, MAX_CODE } from '../src/playground/permalink.ts';
import { Session } from '../src/widgets/session.ts';
import { scenarioCase } from '../src/playground/scenario-case.ts';
import { threadBodies } from '../src/playground/bodies.ts';
import { bodyTexts } from '../src/playground/instrument.ts';
import { isResult, isView } from '../src/playground/shape.ts';

describe('compile', () => {
  it('turns imports of the engine into destructuring and keeps every line on its line', () => {
    const src = "import { scenario,\n  mutex_lock as lock } from '@interleave/engine';\nexport const s = 1;\nexport default 2;";
    const c = compile(src);
    if (!c.ok) throw new Error(c.fault.message);
    expect(c.body.split('\n')).toHaveLength(4);
    expect(c.body).toContain('const { scenario, mutex_lock: lock } = __engine;');
    expect(c.body).toContain('const s = __exports.s = 1;');
    expect(c.body).toContain('__exports.default = 2;');
  });

  it('refuses an import of anything else, at its line', () => {
    expect(compile("const a = 1;\nimport fs from 'node:fs';")).toEqual({ ok: false, fault: { line: 2, message: "only @interleave/engine can be imported in the playground, not 'node:fs'" } });
    expect(compile("\n\nimport 'https://example.com/x.js';")).toMatchObject({ ok: false, fault: { line: 3 } });
  });
});

describe('evaluate', () => {
  it('reports an exception of the module at its line', () => {
    expect(evaluate("const a = 1;\n\nnull.x;", engine)).toEqual({ ok: false, fault: { line: 3, message: "TypeError: Cannot read properties of null (reading 'x')" } });
  });

  it('reports a syntax error (its line comes from the editor, which parses without running)', () => {
    const r = evaluate('const a = ;', engine);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fault.message).toMatch(/^SyntaxError/);
  });

  it('asks for an exported scenario', () => {
    expect(evaluate('const a = 1;', engine)).toMatchObject({ ok: false, fault: { message: expect.stringMatching(/exports no scenario/) } });
  });
});

describe('templates', () => {
  it('has the five cases, the guide\'s example, ABBA, a lost wake-up and a recursive read under each policy', () => {
    expect(templates.map((t) => t.id)).toEqual(['cxl', 'hmm', 'userfaultfd', 'intel-svm', 'vfio-pci', 'fault-lock', 'abba', 'lost-wakeup', ...engine.RWSEM_POLICIES.map((p) => `recursive-read-${p}`)]);
  });

  it.each(templates.map((t) => [t.id, t] as const))('%s explores to its verdict', (_id, t) => {
    const r = evaluate(t.code, api);
    if (!r.ok) throw new Error(`line ${r.fault.line}: ${r.fault.message}`);
    const first = [...r.scenarios.values()][0]!;
    const report = explore(first);
    expect(report.verdict).toBe(t.expected);
    expect(report.complete || report.verdict !== 'ok').toBe(true);
  });

  it("the guide's example explores to ok when fixed", () => {
    const r = evaluate(templates.find((t) => t.id === 'fault-lock')!.code, api);
    if (!r.ok) throw new Error(r.fault.message);
    expect(explore(r.scenarios.get('fixed')!).verdict).toBe('ok');
  });
});

describe('stepping', () => {
  const code = [
    "import { scenario, mutex_lock, mutex_unlock } from '@interleave/engine';", // 1
    "export default scenario('x', (k) => {", // 2
    "  const a = k.mutex('A');", // 3
    "  k.thread('T1', function* () {", // 4
    '    yield* mutex_lock(a);', // 5
    '    yield* mutex_unlock(a);', // 6
    "    throw new RangeError('no');", // 7
    '  });', // 8
    '});', // 9
  ].join('\n');

  it('each step carries the line of the reader\'s code it was called from, and a throw its line', () => {
    const r = evaluate(code, api);
    if (!r.ok) throw new Error(r.fault.message);
    const s = tracked(() => new Session(scenarioCase(r.scenarios), 'default', {}));
    tracked(() => s.step('T1'));
    expect(s.frame.step?.line).toBe(5);
    tracked(() => s.step('T1'));
    expect(s.frame.step?.line).toBe(6);
    expect(s.frame.outcome?.verdict).toBe('violation');
    expect(takeThrow()).toEqual({ line: 7, column: expect.any(Number), message: 'T1 threw RangeError: no' });
  });
});

describe("the workbench's data", () => {
  const loaded = (code: string) => {
    const r = evaluate(code, api);
    if (!r.ok) throw new Error(r.fault.message);
    return tracked(() => new Session(scenarioCase(r.scenarios), 'default', {}));
  };

  it("finds each thread's body in the reader's code, one body for several threads too", () => {
    const abba = templates.find((t) => t.id === 'abba')!.code;
    const s = loaded(abba);
    const lines = abba.split('\n');
    const bodies = threadBodies(abba, s.scenario.threads, bodyTexts());
    expect(bodies.map((b) => [b.name, lines[b.start - 1]!.trim(), lines[b.end - 1]!.trim()])).toEqual([
      ['T1', "k.thread('T1', function* () {", '});'],
      ['T2', "k.thread('T2', function* () {", '});'],
    ]);
    const shared = ["import { scenario, mutex_lock, mutex_unlock } from '@interleave/engine';", "export default scenario('x', (k) => {", "  const a = k.mutex('A');", '  for (const name of [\'P\', \'Q\']) k.thread(name, function* () {', '    yield* mutex_lock(a);', '    yield* mutex_unlock(a);', '  });', '});'].join('\n');
    const t = loaded(shared);
    expect(threadBodies(shared, t.scenario.threads, bodyTexts())).toEqual([
      { name: 'P', start: 4, end: 7 },
      { name: 'Q', start: 4, end: 7 },
    ]);
    expect(threadBodies('something else', ['P'], bodyTexts())).toEqual([]);
  });

  it('accepts the views and results the runner sends, and refuses anything else', () => {
    const s = loaded(templates.find((t) => t.id === 'abba')!.code);
    const view = JSON.parse(JSON.stringify({ exports: ['default'], exportName: 'default', title: 'AB-BA', threads: [...s.scenario.threads], focus: [...s.scenario.focus], bodies: [], frames: s.run.frames, schedules: [''], cursor: 0 }));
    expect(isView(view)).toBe(true);
    expect(isView({ forged: true })).toBe(false);
    expect(isView({ ...view, cursor: 1 }), 'a cursor past the frames').toBe(false);
    expect(isView({ ...view, frames: [{ ...view.frames[0], threads: [{ name: 'T1', status: 'ready', stack: ['<img>'], holds: [] }] }] }), 'a line that is no number').toBe(false);
    expect(isView({ ...view, frames: [{ ...view.frames[0], outcome: { verdict: 'pwned', message: '' } }] }), 'an unknown verdict').toBe(false);
    const result = { verdict: 'deadlock', message: 'm', complete: true, executions: 3, ms: 1, lockdep: [] };
    expect(isResult(result)).toBe(true);
    expect(isResult({ ...result, lockdep: [{ title: 1 }] })).toBe(false);
  });
});

describe('permalink', () => {
  it('round-trips code, export and schedule', async () => {
    const link = { code: templates[5]!.code, exportName: 'fixed', steps: 'a2ba' };
    const hash = await encodeLink(link);
    expect(hash).toMatch(/^#play=1&code=[\w-]+&export=fixed&steps=a2ba$/);
    expect(hash.length).toBeLessThan(link.code.length);
    expect(await decodeLink(hash)).toEqual({ ok: true, link });
  });

  it('refuses another version, garbage, and code that inflates past its bound', async () => {
    expect(await decodeLink('#play=2&code=abc')).toMatchObject({ ok: false, reason: expect.stringMatching(/version 2/) });
    expect(await decodeLink('#play=1&code=not-deflate')).toMatchObject({ ok: false, reason: expect.stringMatching(/could not be read/) });
    expect(await decodeLink('#play=1&code=abc&steps=a%3Cb')).toMatchObject({ ok: false, reason: expect.stringMatching(/schedule/) });
    const bomb = await encodeLink({ code: ' '.repeat(MAX_CODE + 1) });
    expect(bomb.length).toBeLessThan(400);
    expect(await decodeLink(bomb)).toMatchObject({ ok: false, reason: expect.stringMatching(/longer than 64 KB/) });
  });
});

describe('the policies', () => {
  const meta = (html: string) => /<meta http-equiv="content-security-policy" content="([^"]+)"/i.exec(html)?.[1];

  it("confines 'unsafe-eval' to the sandbox frame, which may connect nowhere", () => {
    const sandbox = readFileSync(join(ROOT, 'public', 'playground', 'sandbox.html'), 'utf8');
    expect(meta(sandbox)).toBe("default-src 'none'; script-src 'self' 'unsafe-eval'; worker-src blob:; connect-src 'none'; base-uri 'none'; form-action 'none'");
    expect(sandbox).not.toMatch(/<script(?![^>]*\bsrc=)/);
    // Every page of the site, the playground's included, keeps its scripts to the site's own files.
    expect(contentSecurityPolicy().split('; ')).toContain("script-src 'self'");
    requireDist();
    expect(meta(readPage('/playground/'))).toBe(contentSecurityPolicy());
  });
});
