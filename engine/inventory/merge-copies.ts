import { hostsRunningTwice, type DisplayState, type Vm } from '../contract/vms';
import type { CollectionFeed } from '../contract/collection';

/** A copy with a guest that runs, or is being started or stopped by a job. */
const LIVE: ReadonlySet<DisplayState> = new Set(['running', 'paused', 'stopping', 'starting']);

/**
 * Which copy stands for the VM, best first. A migration's incoming copy (paused, "migrating") ranks
 * below the copy that still runs, so the VM moves in one step when the guest switches over. A copy a
 * migration left behind (shut off, reason "migrated") ranks last: it is the VM's past, not its home.
 */
function rank(c: Vm): number {
  if (LIVE.has(c.state)) return 3;
  if (c.state === 'migrating') return 2;
  if (c.state === 'stopped' && c.libvirtReason === 'migrated') return 0;
  return 1;
}

/**
 * DESIGN §8: the copies of one UUID on several hosts are one VM. It is shown at the copy that runs;
 * when none runs, at the copy on the host it was last shown at (`previousHostId`, where it last ran
 * as this engine saw it), else at the copy on the first host in id order, so the choice does not flap.
 * The others are listed as `otherCopies`. Pure: the inventory calls it on every change of a copy.
 */
export function mergeCopies(copies: readonly Vm[], previousHostId?: string): Vm | undefined {
  if (copies.length === 0) return undefined;
  const ordered = [...copies].sort((a, b) => rank(b) - rank(a) || Number(b.hostId === previousHostId) - Number(a.hostId === previousHostId) || (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0));
  const shown = ordered[0]!;
  const otherCopies = ordered
    .slice(1)
    .map((c) => ({ hostId: c.hostId, state: c.state }))
    .sort((a, b) => (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0));
  return { ...shown, id: shown.uuid, otherCopies };
}

/**
 * A listener for the `vms` feed that calls `onNew` when a VM starts running on two hosts at once
 * (once per episode, not per change of the VM).
 */
export function splitBrainWatcher(onNew: () => void): (feed: CollectionFeed<Vm>) => void {
  const split = new Set<string>();
  return (feed) => {
    const upsert = feed.kind === 'delta' ? feed.upsert : feed.items;
    let fresh = false;
    for (const vm of upsert) {
      if (hostsRunningTwice(vm).length === 0) split.delete(vm.id);
      else if (!split.has(vm.id)) {
        split.add(vm.id);
        fresh = true;
      }
    }
    if (feed.kind === 'delta') for (const id of feed.remove) split.delete(id);
    if (fresh) onNew();
  };
}
