import { readdir, readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import SSHConfig, { type Line } from 'ssh-config';
import { HangarError } from '../contract/errors';

/** What the user typed for a host: an address or a ~/.ssh/config alias, optionally user and port. */
export interface SshTarget {
  address: string;
  user?: string;
  port?: number;
  /** A key file the user chose for this host: tried first, like `ssh -i`. */
  identityFile?: string;
}

/** One machine to open an SSH session with, after ~/.ssh/config was applied. */
export interface ResolvedHop {
  /** The name it was asked by (alias or address). */
  alias: string;
  /** Where to connect (HostName, or the alias). */
  host: string;
  port: number;
  user: string;
  /** Absolute paths, in order; files that do not exist are skipped at auth time. */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** IdentityAgent from the config: a socket path, 'none', or undefined (use SSH_AUTH_SOCK). */
  identityAgent: string | undefined;
  /** HostKeyAlias: the name host keys are looked up and pinned under instead of `host`. */
  hostKeyAlias: string | undefined;
}

export interface ResolvedTarget extends ResolvedHop {
  /** Bastions, in the order they are connected: jumps[0] is dialled directly. */
  jumps: ResolvedHop[];
}

export interface ConfigSource {
  /** Path of the ssh config; default ~/.ssh/config; null to use none. A missing file is empty. */
  configPath?: string | null;
  /** Config text, instead of reading a file (tests). */
  configText?: string;
  homeDir?: string;
  /** The local user name, OpenSSH's default remote user. */
  localUser?: string;
}

const DEFAULT_IDENTITY_FILES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_dsa'];
const MAX_JUMPS = 8;

export async function loadSshConfig(source: ConfigSource): Promise<SSHConfig> {
  const home = source.homeDir ?? homedir();
  let config: SSHConfig;
  if (source.configText !== undefined) config = SSHConfig.parse(source.configText);
  else if (source.configPath === null) return new SSHConfig();
  else {
    const path = source.configPath ?? join(home, '.ssh', 'config');
    try {
      config = SSHConfig.parse(await readFile(path, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new SSHConfig();
      throw new HangarError('INVALID_PARAMS', `Cannot read ssh config ${path}: ${(err as Error).message}`);
    }
  }
  await expandIncludes(config, home, 0);
  return config;
}

/**
 * ssh-config parses `Include` but does not follow it; field engineers' configs often live in
 * `~/.ssh/config.d/*`. Included files are spliced in place (relative paths are under ~/.ssh, globs
 * in the file name are expanded and sorted, as ssh_config(5) says); inside a Host block they are
 * spliced into that block. Missing files are ignored, like OpenSSH does.
 */
async function expandIncludes(lines: Line[], home: string, depth: number): Promise<void> {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line || line.type !== SSHConfig.DIRECTIVE) continue;
    if ('config' in line) {
      await expandIncludes(line.config, home, depth);
      continue;
    }
    if (line.param.toLowerCase() !== 'include') continue;
    if (depth >= 16) throw new HangarError('INVALID_PARAMS', 'ssh config: Include nested too deeply');
    const patterns = typeof line.value === 'string' ? line.value.split(/\s+/) : line.value.map((v) => v.val);
    const included: Line[] = [];
    for (const pattern of patterns.filter((p) => p !== '')) {
      for (const file of await globFiles(pattern, home)) {
        const text = await readFile(file, 'utf8').catch(() => undefined);
        if (text === undefined) continue;
        const sub = SSHConfig.parse(text);
        await expandIncludes(sub, home, depth + 1);
        included.push(...sub);
      }
    }
    lines.splice(i, 1, ...included);
    i += included.length - 1;
  }
}

async function globFiles(pattern: string, home: string): Promise<string[]> {
  let p = pattern.startsWith('~/') ? join(home, pattern.slice(2)) : pattern;
  if (!isAbsolute(p)) p = join(home, '.ssh', p);
  const name = basename(p);
  if (!/[*?]/.test(name)) return [p];
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const entries = await readdir(dirname(p)).catch(() => [] as string[]);
  return entries.filter((e) => re.test(e)).sort().map((e) => join(dirname(p), e));
}

/** Resolves the target and its ProxyJump chain. Explicit user/port win over the config, like `ssh -l -p`. */
export async function resolveTarget(target: SshTarget, source: ConfigSource = {}): Promise<ResolvedTarget> {
  const config = await loadSshConfig(source);
  const env = { home: source.homeDir ?? homedir(), localUser: source.localUser ?? safeLocalUser() };
  const { hop, proxyJump } = resolveHop(config, target, env);
  const jumps = proxyJump ? resolveJumps(config, proxyJump, env, [hop.alias]) : [];
  return { ...hop, jumps };
}

interface Env {
  home: string;
  localUser: string;
}

function resolveHop(config: SSHConfig, target: SshTarget, env: Env): { hop: ResolvedHop; proxyJump: string | undefined } {
  const alias = target.address.trim();
  if (alias === '' || /\s/.test(alias)) throw new HangarError('INVALID_PARAMS', `Not a host name: "${target.address}"`);
  // matchExec:false: a `Match exec` line would run a local shell command from inside the engine.
  const query: { Host: string; User?: string } = target.user ? { Host: alias, User: target.user } : { Host: alias };
  const c = config.compute(query, { ignoreCase: true, matchExec: false });
  const str = (k: string): string | undefined => {
    const v = c[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const host = (str('hostname') ?? alias).replaceAll('%h', alias).replaceAll('%%', '%');
  const port = target.port ?? parsePort(str('port'), alias) ?? 22;
  const user = target.user ?? str('user') ?? env.localUser;
  const rawFiles = c['identityfile'];
  const files = rawFiles === undefined ? [] : Array.isArray(rawFiles) ? rawFiles : [rawFiles];
  const tokens: Record<string, string> = { d: env.home, u: env.localUser, r: user, h: host, n: alias, p: String(port) };
  const fromConfig = files.length > 0 ? files : DEFAULT_IDENTITY_FILES.map((f) => `~/.ssh/${f}`);
  const identityFiles = [...(target.identityFile ? [target.identityFile] : []), ...fromConfig].map((f) => expandPath(f, env.home, tokens));
  const agent = str('identityagent');
  const hop: ResolvedHop = {
    alias,
    host,
    port,
    user,
    identityFiles,
    identitiesOnly: str('identitiesonly')?.toLowerCase() === 'yes',
    identityAgent: agent === undefined || agent === 'SSH_AUTH_SOCK' ? undefined : expandPath(agent, env.home, tokens),
    hostKeyAlias: str('hostkeyalias'),
  };
  const pj = str('proxyjump');
  return { hop, proxyJump: pj === undefined || pj.toLowerCase() === 'none' ? undefined : pj };
}

/**
 * `ProxyJump a,b` means: dial a, through it b, through b the target. As with OpenSSH (which runs
 * `ssh -J a -W target b`), only the first hop's own ProxyJump from the config still applies.
 */
function resolveJumps(config: SSHConfig, spec: string, env: Env, seen: string[]): ResolvedHop[] {
  const hops: ResolvedHop[] = [];
  const specs = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  specs.forEach((s, i) => {
    const t = parseJumpSpec(s);
    const key = `${t.user ?? ''}@${t.address}:${t.port ?? ''}`;
    if (seen.includes(key) || seen.length > MAX_JUMPS) {
      throw new HangarError('INVALID_PARAMS', `ProxyJump loop or chain too long at "${s}"`);
    }
    const { hop, proxyJump } = resolveHop(config, t, env);
    if (i === 0 && proxyJump) hops.push(...resolveJumps(config, proxyJump, env, [...seen, key]));
    hops.push(hop);
  });
  if (hops.length > MAX_JUMPS) throw new HangarError('INVALID_PARAMS', 'ProxyJump chain too long');
  return hops;
}

/** `[user@]host[:port]`, `[user@][v6addr]:port` or `ssh://[user@]host[:port]`. */
export function parseJumpSpec(spec: string): SshTarget {
  let s = spec.startsWith('ssh://') ? spec.slice('ssh://'.length) : spec;
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
  }
  let address = s;
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    address = bracket[1] ?? '';
    port = parsePort(bracket[2], spec);
  } else if ((s.match(/:/g) ?? []).length === 1) {
    const [h, p] = s.split(':');
    address = h ?? '';
    port = parsePort(p, spec);
  }
  if (address === '' || user === '') throw new HangarError('INVALID_PARAMS', `Bad ProxyJump entry "${spec}"`);
  const out: SshTarget = { address };
  if (user !== undefined) out.user = user;
  if (port !== undefined) out.port = port;
  return out;
}

function parsePort(value: string | undefined, where: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new HangarError('INVALID_PARAMS', `Bad port "${value}" for ${where}`);
  return n;
}

/** OpenSSH's `~` and `%` tokens for file paths (ssh_config(5) TOKENS), limited to those that make sense here. */
function expandPath(path: string, home: string, tokens: Record<string, string>): string {
  let p = path.replace(/%([%a-zA-Z])/g, (m, t: string) => (t === '%' ? '%' : (tokens[t] ?? m)));
  if (p === '~') p = home;
  else if (p.startsWith('~/')) p = join(home, p.slice(2));
  return p;
}

function safeLocalUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? process.env['USERNAME'] ?? 'root';
  }
}
