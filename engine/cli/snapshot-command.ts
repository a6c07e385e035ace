import { parseArgs } from 'node:util';
import { HangarError } from '../contract/errors';
import type { Snapshot } from '../contract/snapshots';
import { withCliEngine } from './cli-engine';
import { followJob, vmIdByName } from './cli-lookups';

export const SNAPSHOT_USAGE = `Usage: hangar snapshot <list|create|revert|delete> VM [NAME] [options]

VM snapshots on the hosts Hangar knows (its data dir), as the Snapshots tab makes them.

  list VM                     the snapshot tree (* = current, ! = made outside Hangar)
  create VM NAME              --memory (a running VM's RAM too), --external (disk-only overlays),
                              --no-quiesce, --description TEXT
  revert VM NAME              the VM returns to the snapshot (a memory snapshot resumes running)
  delete VM NAME              --children deletes its subtree too
  --data-dir DIR              Hangar's data dir (default: the app's)`;

function tree(list: Snapshot[]): string {
  return list
    .map((s) => {
      const when = s.createdAt ? new Date(s.createdAt).toISOString().replace('T', ' ').slice(0, 19) : '-';
      const flags = `${s.current ? '*' : ' '}${s.byHangar ? ' ' : '!'}`;
      const what = [s.memory ? 'memory' : 'disk-only', s.kind, s.indications.includes('NoGuestAgent') ? 'NoGuestAgent' : ''].filter(Boolean).join(', ');
      return `${flags} ${'  '.repeat(s.depth)}${s.name}  ${when}  (${what})`;
    })
    .join('\n');
}

export async function snapshotCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      memory: { type: 'boolean', default: false },
      external: { type: 'boolean', default: false },
      'no-quiesce': { type: 'boolean', default: false },
      description: { type: 'string' },
      children: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const [verb, vmName, name] = positionals;
  if (values.help || !verb) {
    console.log(SNAPSHOT_USAGE);
    return;
  }
  if (!['list', 'create', 'revert', 'delete'].includes(verb)) throw new HangarError('INVALID_PARAMS', `hangar snapshot: unknown verb '${verb}'\n\n${SNAPSHOT_USAGE}`);
  if (!vmName || (verb !== 'list' && !name)) throw new HangarError('INVALID_PARAMS', `hangar snapshot ${verb}: ${verb === 'list' ? 'VM' : 'VM and NAME'} needed\n\n${SNAPSHOT_USAGE}`);
  await withCliEngine(values['data-dir'], async (engine) => {
    const vmId = await vmIdByName(engine, vmName);
    if (verb === 'list') {
      const l = await engine.call('snapshots.list', { vmId });
      console.log(l.snapshots.length ? tree(l.snapshots) : '(no snapshots)');
      for (const c of l.conditions) console.log(`condition ${c.type}: snapshot ${c.snapshot} was taken without quiescing (no guest agent)`);
      return;
    }
    const ref =
      verb === 'create'
        ? await engine.call('snapshots.create', { vmId, name: name!, memory: values.memory, external: values.external, quiesce: !values['no-quiesce'], ...(values.description ? { description: values.description } : {}) })
        : verb === 'revert'
          ? await engine.call('snapshots.revert', { vmId, name: name! })
          : await engine.call('snapshots.delete', { vmId, name: name!, withChildren: values.children });
    const job = await followJob(engine, ref.jobId);
    process.stderr.write('\n');
    if (job.state !== 'succeeded') throw job.error ? HangarError.fromData(job.error) : new HangarError('CANCELLED', `snapshot ${verb} ${job.state}`);
    const r = job.result as { indications?: string[] };
    console.log(`${verb} ${name}: done${r.indications?.includes('NoGuestAgent') ? ' (NoGuestAgent: not quiesced)' : ''}`);
  });
}
