import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HangarError } from '../contract/errors';
import type { MethodParams } from '../contract';
import type { Host } from '../contract/hosts';
import type { Job } from '../contract/jobs';
import type { LibraryItem } from '../contract/library';
import type { Engine } from '../engine';
import { withCliEngine } from './cli-engine';
import { followJob, vmIdByName } from './cli-lookups';
import { detectFormat, readHead } from './upload-command';

export const LIBRARY_USAGE = `Usage: hangar library <list|upload|register|copy|delete> [options]

The template and ISO library of the hosts Hangar knows (its data dir), as the Templates & ISOs page has it.

  list                        every item, with its state on each host
  upload FILE --host HOST --pool POOL --name NAME
                              --kind template|iso (default: an ISO if the file is one), --bootable,
                              --os ID, --description TEXT, --min-vcpus N, --min-memory MIB, --min-disk GIB
  register VM --name NAME     a template from VM's root disk (a stopped VM), or --snapshot SNAP
                              (of a running VM an external snapshot only); --pool POOL, --os ID, …
  copy ITEM --to HOST         copy a Ready item to another host; --pool POOL (default: default), --from HOST
  delete ITEM                 delete the item and every copy; --host HOST deletes that host's copy only
  --data-dir DIR              Hangar's data dir (default: the app's)`;

const STATE_WORDS = { uploading: 'Uploading', verifying: 'Verifying', ready: 'Ready', error: 'Error' } as const;

function table(items: LibraryItem[], hosts: Host[]): string {
  if (items.length === 0) return '(the library is empty)';
  const name = (id: string) => hosts.find((h) => h.id === id)?.name ?? id;
  return items
    .map((it) => {
      const copies = it.copies.map((c) => `${name(c.hostId)} ${c.pool}/${c.volume} ${STATE_WORDS[c.state]}${c.state === 'uploading' && c.percent !== null ? ` ${c.percent}%` : ''}${c.shared ? ` (shared: ${c.reach.map(name).join(', ') || '-'})` : ''}`);
      return `${it.name}  ${it.kind}${it.bootable ? ' bootable' : ''}  ${it.osId}  ${it.format}  ${it.id}\n${copies.map((c) => `    ${c}`).join('\n') || '    (no copies)'}`;
    })
    .join('\n');
}

async function finish(engine: Engine, jobId: string, what: string): Promise<Job> {
  const job = await followJob(engine, jobId);
  process.stderr.write('\n');
  if (job.state !== 'succeeded') throw job.error ? HangarError.fromData(job.error) : new HangarError('CANCELLED', `${what}: ${job.state}`);
  return job;
}

async function hostOf(engine: Engine, n: string): Promise<Host> {
  const { hosts } = await engine.call('hosts.list', {});
  const h = hosts.find((x) => x.name === n || x.id === n);
  if (!h) throw new HangarError('NOT_FOUND', `No host ${n} (known: ${hosts.map((x) => x.name).join(', ') || 'none'})`);
  return h;
}

async function itemOf(engine: Engine, n: string): Promise<LibraryItem> {
  const { items } = await engine.call('library.list', {});
  const it = items.find((i) => i.id === n) ?? items.find((i) => i.name === n);
  if (!it) throw new HangarError('NOT_FOUND', `No library item ${n}`);
  return it;
}

const int = (v: string, flag: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new HangarError('INVALID_PARAMS', `${flag} ${v}: a number`);
  return n;
};

/**
 * Uploads a file on this machine into the library through the same ticketed upload run the
 * browser's PUT feeds (hashed on the way, checked on the host), and waits until the item is Ready.
 */
async function uploadToLibrary(engine: Engine, file: string, p: MethodParams<'library.upload'>): Promise<LibraryItem> {
  const started = await engine.call('library.upload', p);
  const run = started.ticket ? engine.transfers.takeUpload(started.ticket.ticket) : null;
  if (!run) throw new HangarError('INTERNAL', 'The upload gave no ticket');
  const sent = new Promise<void>((resolve, reject) => run.offer({ stream: fs.createReadStream(file), settle: (err) => (err ? reject(err) : resolve()) }));
  await Promise.all([sent, finish(engine, started.jobId, 'upload')]);
  return itemOf(engine, started.itemId);
}

export async function libraryCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      pool: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string' },
      os: { type: 'string' },
      description: { type: 'string' },
      bootable: { type: 'boolean', default: false },
      'min-vcpus': { type: 'string' },
      'min-memory': { type: 'string' },
      'min-disk': { type: 'string' },
      snapshot: { type: 'string' },
      to: { type: 'string' },
      from: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const [verb, arg] = positionals;
  if (values.help || !verb) {
    console.log(LIBRARY_USAGE);
    return;
  }
  const need = (ok: unknown, what: string) => {
    if (!ok) throw new HangarError('INVALID_PARAMS', `hangar library ${verb}: ${what} needed\n\n${LIBRARY_USAGE}`);
  };
  if (!['list', 'upload', 'register', 'copy', 'delete'].includes(verb)) throw new HangarError('INVALID_PARAMS', `hangar library: unknown verb '${verb}'\n\n${LIBRARY_USAGE}`);
  if (values.kind !== undefined && values.kind !== 'template' && values.kind !== 'iso') throw new HangarError('INVALID_PARAMS', `--kind ${values.kind}: template or iso`);
  if (verb === 'upload') {
    need(arg, 'FILE');
    need(values.host && values.pool && values.name, '--host, --pool and --name');
    if (!fs.statSync(arg!, { throwIfNoEntry: false })?.isFile()) throw new HangarError('NOT_FOUND', `${arg}: no such file`);
  }
  if (verb === 'register') need(arg && values.name, 'VM and --name');
  if (verb === 'copy') need(arg && values.to, 'ITEM and --to');
  if (verb === 'delete') need(arg, 'ITEM');
  const fields = {
    ...(values.os ? { osId: values.os } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
    ...(values['min-vcpus'] ? { minVcpus: int(values['min-vcpus'], '--min-vcpus') } : {}),
    ...(values['min-memory'] ? { minMemoryMiB: int(values['min-memory'], '--min-memory') } : {}),
    ...(values['min-disk'] ? { minDiskGiB: int(values['min-disk'], '--min-disk') } : {}),
  };

  await withCliEngine(values['data-dir'], async (engine) => {
    if (verb === 'list') {
      const [{ items }, { hosts }] = await Promise.all([engine.call('library.list', {}), engine.call('hosts.list', {})]);
      console.log(table(items, hosts));
      return;
    }
    if (verb === 'upload') {
      const file = arg!;
      const host = await hostOf(engine, values.host!);
      const format = detectFormat(readHead(file));
      const kind = (values.kind as 'template' | 'iso' | undefined) ?? (format === 'iso' ? 'iso' : 'template');
      const it = await uploadToLibrary(engine, file, { kind, name: values.name!, ...fields, bootable: values.bootable, hostId: host.id, pool: values.pool!, fileName: path.basename(file), bytes: fs.statSync(file).size, format: kind === 'iso' ? 'iso' : format === 'iso' ? 'raw' : format });
      const c = it.copies.find((x) => x.hostId === host.id);
      console.log(`${it.name}: ${it.kind} Ready on ${host.name} (${c?.pool}/${c?.volume}), sha256 ${c?.sha256} (checked on the host)`);
      return;
    }
    if (verb === 'register') {
      const vmId = await vmIdByName(engine, arg!);
      const r = await engine.call('library.registerFromVm', { vmId, name: values.name!, ...fields, ...(values.pool ? { pool: values.pool } : {}), ...(values.snapshot ? { snapshot: values.snapshot } : {}) });
      await finish(engine, r.jobId, 'register');
      const it = await itemOf(engine, r.itemId);
      console.log(`${it.name}: template Ready from ${arg}${values.snapshot ? `, snapshot ${values.snapshot}` : ''}, sha256 ${it.copies[0]?.sha256}`);
      return;
    }
    const it = await itemOf(engine, arg!);
    if (verb === 'copy') {
      const to = await hostOf(engine, values.to!);
      const from = values.from ? await hostOf(engine, values.from) : null;
      const r = await engine.call('library.copyToHost', { itemId: it.id, toHostId: to.id, ...(values.pool ? { pool: values.pool } : {}), ...(from ? { fromHostId: from.id } : {}) });
      await finish(engine, r.jobId, 'copy');
      const c = (await itemOf(engine, it.id)).copies.find((x) => x.hostId === to.id);
      console.log(`${it.name}: Ready on ${to.name} (${c?.pool}/${c?.volume}), sha256 ${c?.sha256}`);
      return;
    }
    if (values.host) {
      const host = await hostOf(engine, values.host);
      const c = it.copies.find((x) => x.hostId === host.id);
      if (!c) throw new HangarError('NOT_FOUND', `${it.name} has no copy on ${host.name}`);
      await finish(engine, (await engine.call('library.deleteCopy', { itemId: it.id, hostId: host.id, pool: c.pool, volume: c.volume })).jobId, 'delete');
      console.log(`${it.name}: the copy on ${host.name} is deleted`);
      return;
    }
    const job = await finish(engine, (await engine.call('library.delete', { itemId: it.id })).jobId, 'delete');
    const left = (job.result as { leftBehind?: string[] } | null)?.leftBehind ?? [];
    console.log(`${it.name}: deleted${left.length ? ` (left on disconnected hosts: ${left.join(', ')})` : ''}`);
  });
}
