/**
 * Which storage pools of different hosts are one store. libvirt gives each host's definition its
 * own UUID, even for a directory every host mounts from the same NFS or GlusterFS export, so the
 * fleet's storage totals would count such a pool once per host. A pool is shared when its target
 * directory sits on a network or cluster filesystem (the same list libvirt uses to allow a live
 * migration without copying disks) and the mount's source and the directory's inode agree.
 */
import { shellQuote } from '../ssh/shell-quote';

/** Filesystem types that are the same data on every host that mounts them (libvirt's virFileIsSharedFS). */
export const SHARED_FS_TYPES = new Set([
  'nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'afs', 'gfs2', 'gfs2meta', 'ocfs2', 'ceph', 'fuse.ceph', 'fuse.cephfs',
  'glusterfs', 'fuse.glusterfs', 'gpfs', 'fuse.quobyte', 'beegfs', 'lustre',
]);

const SEP = '--hangar-pool--';

/** One shell command that reports, for each path, its mount's type and source and the directory's inode. */
export function poolProbeCommand(paths: readonly string[]): string {
  return paths
    .map((p) => `${shellQuote(['findmnt', '-n', '-o', 'FSTYPE,SOURCE', '-T', p])} 2>/dev/null | head -n 1; ${shellQuote(['stat', '-c', '%i', '--', p])} 2>/dev/null || echo -; echo ${SEP}`)
    .join('; ');
}

/**
 * The probe's answer as identities: `shared:<fstype> <source>#<inode>` for a directory on a shared
 * filesystem, absent for anything else (a local disk at the same path is a different store).
 */
export function parsePoolProbe(stdout: string, paths: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const blocks = stdout.split(`${SEP}\n`);
  paths.forEach((p, i) => {
    const [mount = '', inode = '-'] = (blocks[i] ?? '').split('\n').map((l) => l.trim());
    const [fstype = '', ...source] = mount.split(/\s+/);
    if (!SHARED_FS_TYPES.has(fstype) || !/^\d+$/.test(inode)) return;
    out.set(p, `shared:${fstype} ${source.join(' ')}#${inode}`);
  });
  return out;
}
