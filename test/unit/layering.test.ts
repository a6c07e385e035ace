import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** DESIGN §1, checked on every run: a violation fails the suite, naming the file and import. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : files(p);
    return /\.(ts|tsx|mts|cts)$/.test(e.name) ? [p] : [];
  });
}

function imports(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    out.push((m[1] ?? m[2] ?? m[3])!);
  }
  return out;
}

const rel = (f: string) => path.relative(root, f);

interface Literal {
  at: string;
  kind: 'regex' | 'string';
  source: string;
}

/**
 * The literals of a file: regular expressions (literals, and the pattern argument of `RegExp(…)` /
 * `new RegExp(…)` as written) and strings (each piece of a template between its `${}`).
 */
function literals(file: string): Literal[] {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: Literal[] = [];
  const at = (n: ts.Node) => `${rel(file)}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
  const visit = (n: ts.Node): void => {
    if (ts.isRegularExpressionLiteral(n)) out.push({ at: at(n), kind: 'regex', source: n.text.slice(1, n.text.lastIndexOf('/')) });
    else if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && ts.isIdentifier(n.expression) && n.expression.text === 'RegExp' && n.arguments?.[0]) {
      out.push({ at: at(n), kind: 'regex', source: n.arguments[0].getText(sf) });
      return;
    } else if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) {
      out.push({ at: at(n), kind: 'string', source: n.text });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Literals of engine/, renderer/, main/ and preload/ outside engine/xml, read once for the XML rules. */
let outsideXml: Literal[] | undefined;
function literalsOutsideXml(): Literal[] {
  const xmlDir = path.join(root, 'engine', 'xml') + path.sep;
  outsideXml ??= ['engine', 'renderer', 'main', 'preload']
    .flatMap((d) => files(path.join(root, d)))
    .filter((f) => !f.startsWith(xmlDir) && !XML_REGEX_ALLOWED.has(rel(f).split(path.sep).join('/')))
    .flatMap(literals);
  return outsideXml;
}

/**
 * A string that writes XML: a start tag with an attribute (`<disk type='file'`, `<source file='`)
 * or a self-closing tag (`<readonly/>`). Placeholders in prose (`<command>`, `<uuid>` in a message)
 * are neither.
 */
export function isXmlString(s: string): boolean {
  return /<[A-Za-z][\w:.-]*(?:\s+[\w:.-]+\s*=\s*['"]|\s*\/>)/.test(s);
}

/**
 * A regex that reads or writes XML: it names a start or end tag (`<name`, `</`, `<!`, `<[…]`,
 * `<\w`) or an entity reference. Named groups, back-references and lookbehinds are regex syntax,
 * not markup, and are set aside first.
 */
export function isXmlRegex(source: string): boolean {
  const s = source.replace(/\(\?<[=!]/g, '(').replace(/\(\?<[A-Za-z_$][\w$]*>/g, '(').replace(/\\k<[A-Za-z_$][\w$]*>/g, '');
  return /<\\*\/|<[A-Za-z_:!]|<\[|<\\[wW]|&(?:amp|lt|gt|quot|apos|#x?[0-9a-fA-F]*);?/.test(s);
}

/**
 * Files allowed XML-looking literals outside engine/xml, each with why. Redaction treats every file
 * of a bundle (logs, configs and XML alike) as text and must find a secret wherever it sits,
 * without parsing anything.
 */
const XML_REGEX_ALLOWED = new Set(['engine/diagnostics/gather/redact.ts']);

describe('layering rules', () => {
  it('engine/ never imports electron', () => {
    const bad = files(path.join(root, 'engine')).flatMap((f) => imports(f).filter((i) => i === 'electron' || i.startsWith('electron/')).map((i) => `${rel(f)} → ${i}`));
    expect(bad).toEqual([]);
  });

  it('renderer/ imports nothing from engine/ but engine/contract', () => {
    const bad = files(path.join(root, 'renderer')).flatMap((f) =>
      imports(f)
        .filter((i) => i.startsWith('.'))
        .map((i) => path.resolve(path.dirname(f), i))
        .filter((abs) => abs.startsWith(path.join(root, 'engine')) && !abs.startsWith(path.join(root, 'engine', 'contract')))
        .map((abs) => `${rel(f)} → ${rel(abs)}`),
    );
    expect(bad).toEqual([]);
  });

  it('engine/contract depends on nothing but zod and itself', () => {
    const bad = files(path.join(root, 'engine', 'contract')).flatMap((f) =>
      imports(f).filter((i) => !(i === 'zod' || i.startsWith('./'))).map((i) => `${rel(f)} → ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('only main/ touches ipcMain', () => {
    const bad = ['engine', 'renderer', 'preload']
      .flatMap((d) => files(path.join(root, d)))
      .filter((f) => /\bipcMain\b/.test(fs.readFileSync(f, 'utf8')))
      .map(rel);
    expect(bad).toEqual([]);
  });

  it('the renderer calls the transport only in renderer/src/api (features, components, app and stores call its typed functions)', () => {
    // Any `.call(`: client.call, client?.call, or a chained `.call('method'` on the next line.
    const api = path.join(root, 'renderer', 'src', 'api') + path.sep;
    const bad = files(path.join(root, 'renderer', 'src'))
      .filter((f) => !f.startsWith(api))
      .flatMap((f) =>
        fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, i }))
          .filter(({ line }) => /\.call\s*\(/.test(line))
          .map(({ i }) => `${rel(f)}:${i + 1}`),
      );
    expect(bad).toEqual([]);
  });

  it('no synchronous fs or child_process calls in engine/ or main/ (they would block the main thread)', () => {
    const bad = ['engine', 'main']
      .flatMap((d) => files(path.join(root, d)))
      .filter((f) => !f.includes(`${path.sep}cli${path.sep}`)) // the CLI runs before any UI exists
      .flatMap((f) =>
        fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, i }))
          .filter(({ line }) => /\b(execSync|spawnSync|execFileSync|readFileSync|writeFileSync|existsSync|readdirSync|statSync)\s*\(/.test(line) && !line.includes('sync-ok'))
          .map(({ i }) => `${rel(f)}:${i + 1}`),
      );
    expect(bad).toEqual([]);
  });

  it('regexes over XML live only in engine/xml (THE libvirt XML module)', () => {
    const bad = literalsOutsideXml().filter((l) => l.kind === 'regex' && isXmlRegex(l.source)).map((l) => `${l.at}: /${l.source}/`);
    expect(bad).toEqual([]);
  });

  it('XML is written only in engine/xml (its element builder escapes every value)', () => {
    const bad = literalsOutsideXml().filter((l) => l.kind === 'string' && isXmlString(l.source)).map((l) => `${l.at}: ${JSON.stringify(l.source.slice(0, 80))}`);
    expect(bad).toEqual([]);
    // What create-vm, vm-service and local-host used to write inline (each template had a piece
    // like these), and prose that is not XML.
    expect(["</name><capacity unit='bytes'>", "<source file='", "<target><format type='qcow2'/></target></volume>", "<pool type='dir'><name>default</name><target><path>"].filter((x) => !isXmlString(x))).toEqual([]);
    expect(['Usage: hangar <command> [options]', "The XML must keep this VM's <uuid>", '-- vm:<vmId> | nic:<vmId>/<dev>', 'a <= b'].filter(isXmlString)).toEqual([]);
  });

  it('the XML-regex rule catches the patterns it replaced, and not regex syntax', () => {
    // What delete-vm, vm-details, host-identity, host-facts, collect-host, health/parse and pool-identity used to do.
    const removed = [
      String.raw`<backingStore>\s*<path>([^<]+)<\/path>`,
      String.raw`<domain\b[^>]*\btype=['"]kvm['"]`,
      String.raw`<host>([\s\S]*?)<\/host>`,
      String.raw`<uuid>\s*([0-9a-fA-F-]{32,36})\s*<\/uuid>`,
      String.raw`<path>([^<]*)<\/path>`,
      String.raw`<graphics\b`,
      String.raw`<channel[^>]*type=['"]unix['"][\s\S]*?<target[^>]*name=['"]org\.qemu\.guest_agent\.0['"][^>]*>`,
      String.raw`<cpu[^>]*mode=['"]([^'"]+)['"]`,
      String.raw`<target>([\s\S]*?)<\/target>`,
      '&amp;',
      '&apos;',
      "'</path>'",
      '`<[^>]+>`',
    ];
    expect(removed.filter((r) => !isXmlRegex(r))).toEqual([]);
    const notXml = [String.raw`(?<k>\w+)=(?<v>\S+)`, String.raw`(?<![A-Za-z])key=\k<k>`, String.raw`[^\s'",;&<>]+`, String.raw`a <= b`, '^<$'];
    expect(notXml.filter(isXmlRegex)).toEqual([]);
  });

  it('fast-xml-parser (its parser, validator and XMLBuilder) is used only in engine/xml', () => {
    const xmlDir = path.join(root, 'engine', 'xml') + path.sep;
    const bad = ['engine', 'renderer', 'main', 'preload']
      .flatMap((d) => files(path.join(root, d)))
      .filter((f) => !f.startsWith(xmlDir))
      .flatMap((f) => [
        ...imports(f).filter((i) => i === 'fast-xml-parser' || i.startsWith('fast-xml-parser/')).map((i) => `${rel(f)} → ${i}`),
        ...(/\b(XMLBuilder|XMLParser|XMLValidator)\b/.test(fs.readFileSync(f, 'utf8')) ? [`${rel(f)} uses fast-xml-parser`] : []),
      ]);
    expect(bad).toEqual([]);
  });
});
