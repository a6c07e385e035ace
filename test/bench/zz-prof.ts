import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { createEngine } from '../../engine/engine';
import { silentLogger } from '../../engine/logger';
import { aesGcmCipher } from '../../engine/secrets/key-cipher';
import { eventLoop } from '../../engine/perf/event-loop';
import { readLabInfo } from '../lab/lab-info';

const lab = readLabInfo();
const hosts = lab.hosts.slice(0, 2);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-prof-'));
const engine = await createEngine({ dataDir: dir, secrets: aesGcmCipher(Buffer.alloc(32, 7), 'test'), logger: { debug() {}, info() {}, warn: (m, f) => console.error(m, JSON.stringify(f)), error: (m, f) => console.error(m, JSON.stringify(f)) }, runtime: 'in-process', localLibvirt: 'none', ssh: { knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText: '' } } });
const s = new Session();
s.connect();
await s.post('Profiler.enable');
await s.post('Profiler.start');
const since = Date.now();
await Promise.all(hosts.map((h) => engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint })));
for (;;) {
  const n = (await engine.call('vms.list', {})).vms.filter((v) => v.name.startsWith('evloop-it-')).length;
  if (n >= 2000) break;
  await new Promise((r) => setTimeout(r, 250));
}
const cold = Date.now() - since;
await new Promise((r) => setTimeout(r, 1500));
const { profile } = await s.post('Profiler.stop');
console.error(JSON.stringify({ cold, loop: eventLoop.stats(since), stalls: eventLoop.recentStalls() }));
// self time per function
const self = new Map<string, number>();
const dt = profile.timeDeltas!;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map<number, number>();
profile.samples!.forEach((id, i) => counts.set(id, (counts.get(id) ?? 0) + (dt[i] ?? 0)));
for (const [id, us] of counts) {
  const n = byId.get(id)!;
  const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`;
  self.set(k, (self.get(k) ?? 0) + us);
}
console.error([...self].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, us]) => `${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`).join('\n'));
fs.writeFileSync('/tmp/evloop/cold.cpuprofile', JSON.stringify(profile));
await engine.close();
process.exit(0);
