/**
 * Run as an unprivileged user by local-autostart.test.ts (bundled by esbuild): the local host's
 * libvirt as Hangar opens it — the session daemon autostarted, qemu:///session, a default pool —
 * then a tiny guest with user-mode networking started on it. Prints one JSON line.
 */
import { findLocalLibvirt } from '../../../engine/hosts/local-host';
import { LibvirtConnection } from '../../../engine/libvirt';
import { silentLogger } from '../../../engine/logger';

const local = await findLocalLibvirt(silentLogger);
if (!local) throw new Error('no local libvirt found');
const started = Date.now();
const conn = await LibvirtConnection.open(await local.dial(), { uri: local.uri });
const connectMs = Date.now() - started;
await local.prepare(conn);
const pools = (await conn.listAllStoragePools(0)).map((p) => p.name);
const dom = await conn.domainCreateXml(
  `<domain type='qemu'><name>${process.argv[2]}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices><interface type='user'><model type='virtio'/></interface></devices></domain>`,
  0,
);
const { state } = await conn.domainGetState(dom);
await conn.domainDestroy(dom);
console.log(JSON.stringify({ socket: local.socket, uri: await conn.getUri(), connectMs, pools, state }));
await conn.close();
process.exit(0);
