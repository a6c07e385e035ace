import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { VM_ACTIONS } from '../../../engine/contract';
import { JobArtifact } from '../../../engine/contract/jobs';
import { describeLibvirtEvent } from '../../../engine/history/describe-event';
import type { LibvirtEvent } from '../../../engine/libvirt';
import { en } from '../../../renderer/src/i18n/en';
import { ko } from '../../../renderer/src/i18n/ko';

/**
 * The engine sends text as Message {key, args} (engine/contract/message.ts), and the engine must not
 * import the renderer's catalogue (DESIGN §1), so the compiler cannot see a mistyped key: the page
 * would show the raw key. This test reads the engine's source instead and checks every key it can
 * send against the English and Korean catalogues.
 *
 * Where a key is found: the value of every `key:` property (a Message literal, a job title or step,
 * an error's details.message, a host problem), and every argument passed to a function's parameter
 * named `key` (helpers such as create-vm's refuse() or bundleError()). Only dotted literals count
 * (`key: 'fleet'` or `key: \`vm:${id}\`` are metric entities, not text). A template such as
 * `event.host.${state}` is checked by its fixed head: some key must start with it, and where the
 * values come from a closed set in the contract, every one of them must have its key.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const KEYLIKE = /^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+\.?$/;

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

interface Found {
  text: string; // the key, or a template's fixed head
  dynamic: boolean;
  where: string;
}

/** Every string literal in an expression (both arms of a ternary, `a ?? 'x'`, …). */
function literalsIn(node: ts.Node, file: ts.SourceFile, rel: string, out: Found[]): void {
  const where = () => `${rel}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    if (KEYLIKE.test(node.text)) out.push({ text: node.text, dynamic: false, where: where() });
    return;
  }
  if (ts.isTemplateExpression(node)) {
    if (KEYLIKE.test(node.head.text)) out.push({ text: node.head.text, dynamic: true, where: where() });
    return;
  }
  // A call inside the value (e.g. key: pick(x)) is someone else's business; its own literals are
  // found where that function names its parameter `key`.
  if (ts.isCallExpression(node)) return;
  ts.forEachChild(node, (c) => literalsIn(c, file, rel, out));
}

/** Functions with a parameter named `key`, by name → parameter index (added to `out`). */
function keyTakers(file: ts.SourceFile, out: Map<string, number>): void {
  const note = (name: string, params: ts.NodeArray<ts.ParameterDeclaration>) => {
    const i = params.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === 'key');
    if (i >= 0) out.set(name, i);
  };
  const walk = (n: ts.Node): void => {
    if (ts.isFunctionDeclaration(n) && n.name) note(n.name.text, n.parameters);
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && (ts.isArrowFunction(n.initializer) || ts.isFunctionExpression(n.initializer))) note(n.name.text, n.initializer.parameters);
    ts.forEachChild(n, walk);
  };
  walk(file);
}

/** Every Message key the engine's source can send. */
function engineKeys(): Found[] {
  const found: Found[] = [];
  const parsed = files(path.join(root, 'engine')).map((f) => ({ rel: path.relative(root, f), file: ts.createSourceFile(f, fs.readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true) }));
  // A helper such as bundleError() is declared in one module and called from others; a file's own
  // helper of the same name (two modules each have a refuse()) wins over another module's.
  const everywhere = new Map<string, number>();
  for (const { file } of parsed) keyTakers(file, everywhere);
  for (const { rel, file } of parsed) {
    const takers = new Map(everywhere);
    keyTakers(file, takers);
    const walk = (n: ts.Node): void => {
      if (ts.isPropertyAssignment(n) && (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name)) && n.name.text === 'key') literalsIn(n.initializer, file, rel, found);
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && takers.has(n.expression.text)) {
        const arg = n.arguments[takers.get(n.expression.text)!];
        if (arg) literalsIn(arg, file, rel, found);
      }
      ts.forEachChild(n, walk);
    };
    walk(file);
  }
  return found;
}

const enKeys = Object.keys(en);
const koKeys = new Set(Object.keys(ko));

describe('engine message keys', () => {
  const found = engineKeys();

  it('finds the keys the engine sends (the scan itself works)', () => {
    const texts = new Set(found.map((f) => f.text));
    // One of each shape: a job title, a step, a refusal through refuse(), one through a helper imported
    // from another module, a host problem, a template.
    for (const k of ['job.vm.delete', 'job.vm.create.prepare', 'vm.err.nameTaken', 'diag.bundle.error.notBundle', 'hostProblem.keyUnknown', 'event.host.']) expect(texts, k).toContain(k);
    expect(found.length).toBeGreaterThan(40);
  });

  it('every fixed key the engine sends exists in English and Korean', () => {
    const missing = found.filter((f) => !f.dynamic && !(f.text in en && koKeys.has(f.text))).map((f) => `${f.where}: ${f.text}`);
    expect(missing).toEqual([]);
  });

  it('every template key the engine builds (`event.host.${state}`) has keys under its fixed head', () => {
    const missing = found.filter((f) => f.dynamic && !enKeys.some((k) => k.startsWith(f.text))).map((f) => `${f.where}: ${f.text}…`);
    expect(missing).toEqual([]);
  });

  it('every value of a closed set that makes a key has its key', () => {
    const expected = [...VM_ACTIONS.map((a) => `job.vm.${a}`), ...JobArtifact.shape.kind.options.map((k) => `job.cleanup.${k}`), ...['connected', 'unreachable', 'disconnected'].map((s) => `event.host.${s}`)];
    // Every lifecycle event and stop reason libvirt reports becomes a history line with its own text.
    for (let event = 0; event < 16; event++) {
      for (let detail = 0; detail < 16; detail++) {
        const d = describeLibvirtEvent({ kind: 'domain-lifecycle', event, detail, dom: { name: 'vm1', uuid: '00000000-0000-0000-0000-000000000001', id: 1 } } as unknown as LibvirtEvent);
        if (d) expected.push(d.message.key);
      }
    }
    expect(expected.filter((k) => !(k in en && koKeys.has(k)))).toEqual([]);
  });
});
