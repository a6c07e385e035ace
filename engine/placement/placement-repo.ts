import crypto from 'node:crypto';
import { HangarError } from '../contract/errors';
import { DEFAULT_HOST_PLACEMENT, type AffinityGroup, type HostPlacementSettings } from '../contract/placement';
import type { Db } from '../store/db';
import type { Reservation } from './request';

interface SettingsRow {
  host_id: string;
  memory_ratio: number;
  cpu_ratio: number;
  memory_reserve_mib: number;
  taints: string;
}
interface GroupRow {
  id: string;
  name: string;
  kind: AffinityGroup['kind'];
  enforcement: AffinityGroup['enforcement'];
  description: string;
  created_at: number;
}
interface ReservationRow {
  id: string;
  job_id: string | null;
  host_id: string;
  memory_mib: number;
  vcpus: number;
  group_ids: string;
  vm_name: string;
}

/** Placement's rows in SQLite: host settings, affinity groups and reservations. */
export class PlacementRepo {
  constructor(private readonly db: Db) {}

  async hostSettings(): Promise<HostPlacementSettings[]> {
    const rows = await this.db.all<SettingsRow>('SELECT * FROM placement_host_settings');
    return rows.map((r) => ({ hostId: r.host_id, memoryRatio: r.memory_ratio, cpuRatio: r.cpu_ratio, memoryReserveMiB: r.memory_reserve_mib, taints: JSON.parse(r.taints) as string[] }));
  }

  async saveHostSettings(s: HostPlacementSettings): Promise<void> {
    await this.db.run(
      `INSERT INTO placement_host_settings(host_id, memory_ratio, cpu_ratio, memory_reserve_mib, taints) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(host_id) DO UPDATE SET memory_ratio = excluded.memory_ratio, cpu_ratio = excluded.cpu_ratio, memory_reserve_mib = excluded.memory_reserve_mib, taints = excluded.taints`,
      [s.hostId, s.memoryRatio, s.cpuRatio, s.memoryReserveMiB, JSON.stringify(s.taints)],
    );
  }

  async forgetHost(hostId: string): Promise<void> {
    await this.db.run('DELETE FROM placement_host_settings WHERE host_id = ?', [hostId]);
  }

  async groups(): Promise<AffinityGroup[]> {
    const rows = await this.db.all<GroupRow>('SELECT * FROM affinity_groups ORDER BY name');
    const members = await this.db.all<{ group_id: string; vm_uuid: string; name: string }>('SELECT * FROM affinity_members ORDER BY name');
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      enforcement: r.enforcement,
      description: r.description,
      createdAt: r.created_at,
      members: members.filter((x) => x.group_id === r.id).map((x) => ({ vmUuid: x.vm_uuid, name: x.name })),
    }));
  }

  async createGroup(g: Omit<AffinityGroup, 'id' | 'members' | 'createdAt'>): Promise<string> {
    const id = crypto.randomUUID();
    await this.db.run('INSERT INTO affinity_groups(id, name, kind, enforcement, description, created_at) VALUES (?, ?, ?, ?, ?, ?)', [id, g.name, g.kind, g.enforcement, g.description, Date.now()]).catch((err: unknown) => {
      throw String(err).includes('UNIQUE') ? new HangarError('CONFLICT', `An affinity group named ${g.name} exists already`, { field: 'name', message: { key: 'placement.err.groupNameTaken', args: { name: g.name } } }) : err;
    });
    return id;
  }

  async updateGroup(g: AffinityGroup): Promise<void> {
    await this.db.run('UPDATE affinity_groups SET name = ?, kind = ?, enforcement = ?, description = ? WHERE id = ?', [g.name, g.kind, g.enforcement, g.description, g.id]).catch((err: unknown) => {
      throw String(err).includes('UNIQUE') ? new HangarError('CONFLICT', `An affinity group named ${g.name} exists already`, { field: 'name', message: { key: 'placement.err.groupNameTaken', args: { name: g.name } } }) : err;
    });
  }

  /** Seed 000 L329: members are let go; they keep running where they are. */
  async deleteGroup(id: string): Promise<void> {
    await this.db.batch([
      { sql: 'DELETE FROM affinity_members WHERE group_id = ?', params: [id] },
      { sql: 'DELETE FROM affinity_groups WHERE id = ?', params: [id] },
    ]);
  }

  async addMember(groupId: string, vmUuid: string, name: string): Promise<void> {
    await this.db.run('INSERT INTO affinity_members(group_id, vm_uuid, name) VALUES (?, ?, ?) ON CONFLICT(group_id, vm_uuid) DO UPDATE SET name = excluded.name', [groupId, vmUuid, name]);
  }

  async removeMember(groupId: string, vmUuid: string): Promise<void> {
    await this.db.run('DELETE FROM affinity_members WHERE group_id = ? AND vm_uuid = ?', [groupId, vmUuid]);
  }

  async reservations(): Promise<Reservation[]> {
    const rows = await this.db.all<ReservationRow>('SELECT * FROM placement_reservations');
    return rows.map((r) => ({ id: r.id, jobId: r.job_id, hostId: r.host_id, memoryMiB: r.memory_mib, vcpus: r.vcpus, groupIds: JSON.parse(r.group_ids) as string[], vmName: r.vm_name }));
  }

  async reserve(r: Reservation): Promise<void> {
    await this.db.run('INSERT INTO placement_reservations(id, job_id, host_id, memory_mib, vcpus, group_ids, vm_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [r.id, r.jobId, r.hostId, r.memoryMiB, r.vcpus, JSON.stringify(r.groupIds), r.vmName, Date.now()]);
  }

  async bind(id: string, jobId: string): Promise<void> {
    await this.db.run('UPDATE placement_reservations SET job_id = ? WHERE id = ?', [jobId, id]);
  }

  async release(id: string): Promise<void> {
    await this.db.run('DELETE FROM placement_reservations WHERE id = ?', [id]);
  }

  async releaseJob(jobId: string): Promise<number> {
    return (await this.db.run('DELETE FROM placement_reservations WHERE job_id = ?', [jobId])).changes;
  }

  /**
   * After a restart: a reservation lives only as long as its job runs. Unbound ones belonged to a
   * request of the previous run, and the job runner has closed every job of that run.
   */
  async dropStale(): Promise<number> {
    return (await this.db.run("DELETE FROM placement_reservations WHERE job_id IS NULL OR job_id NOT IN (SELECT id FROM jobs WHERE state IN ('queued', 'running'))")).changes;
  }
}

export const withDefaults = (hostId: string, s?: HostPlacementSettings): HostPlacementSettings => s ?? { hostId, ...DEFAULT_HOST_PLACEMENT };
