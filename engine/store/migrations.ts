/**
 * Numbered schema migrations, applied in order inside one transaction each; `user_version`
 * records the last one applied. Never edit a migration that has shipped: add the next number.
 * (This file is loaded by the DB worker as-is, so it uses only erasable TypeScript syntax.)
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'jobs, settings, secrets',
    sql: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,          -- JSON Message
        target TEXT,                  -- JSON object or NULL
        state TEXT NOT NULL,
        progress REAL,
        step TEXT,                    -- JSON Message or NULL
        cancellable INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        error TEXT,                   -- JSON ErrorData or NULL
        result TEXT                   -- JSON or NULL
      );
      CREATE INDEX jobs_created_at ON jobs(created_at DESC);
      CREATE INDEX jobs_state ON jobs(state);

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL           -- JSON
      );

      -- Secrets are stored only as ciphertext produced by the SecretStore's cipher.
      CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        backend TEXT NOT NULL,
        ciphertext BLOB NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'pinned SSH host keys',
    sql: `
      -- Host keys the user confirmed in Hangar, one per endpoint ('host' or '[host]:port').
      CREATE TABLE host_keys (
        endpoint TEXT PRIMARY KEY,
        host_id TEXT,
        key_type TEXT NOT NULL,
        public_key TEXT NOT NULL,     -- base64 of the SSH wire-format key blob
        fingerprint TEXT NOT NULL,    -- SHA256:... as OpenSSH prints it
        pinned_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'hosts',
    sql: `
      CREATE TABLE hosts (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        address TEXT NOT NULL,
        port INTEGER,
        user TEXT,
        auth TEXT NOT NULL,
        key_path TEXT,
        tags TEXT NOT NULL DEFAULT '[]',    -- JSON array
        disconnected INTEGER NOT NULL DEFAULT 0,  -- the user disconnected it: do not connect at start
        facts TEXT,                          -- JSON HostFacts from the last successful connect
        created_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX hosts_name ON hosts(name);
    `,
  },
  {
    version: 4,
    name: 'event history',
    sql: `
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        host_id TEXT,
        vm_uuid TEXT,
        severity TEXT NOT NULL,       -- info | warning | error
        message TEXT NOT NULL         -- JSON Message (i18n key + args)
      );
      CREATE INDEX events_host ON events(host_id, at DESC);
      CREATE INDEX events_vm ON events(vm_uuid, at DESC);
    `,
  },
  {
    version: 5,
    name: 'metrics',
    // Bytes per VM per day, measured by bench:metrics (5 s sampling; a VM with one disk and one NIC;
    // docs/metrics-schema.md): raw 1.08 MB (kept 24 h), 1m 326 KB (kept 7 days), 1h 5.4 KB (kept a
    // year): about 5.3 MB per VM in steady state.
    sql: `
      CREATE TABLE metric_entity (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,      -- vm:<vmId> | nic:<vmId>/<dev> | disk:<vmId>/<dev> | host:<id> | pool:<hostId>/<name> | fleet
        kind TEXT NOT NULL,            -- vm | nic | disk | host | pool | fleet: fixes the series layout
        label TEXT NOT NULL            -- VM/host/pool name or device name, for charts of deleted things
      );
      CREATE INDEX metric_entity_kind ON metric_entity(kind);
      -- One row per entity per minute; data = the minute's samples, Float32 [offsetSec, values…]…
      CREATE TABLE metric_raw (entity INTEGER NOT NULL, t INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (entity, t)) WITHOUT ROWID;
      -- Rollups; t = bucket start (epoch s); data = Float32 [avg…, max…]
      CREATE TABLE metric_1m (entity INTEGER NOT NULL, t INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (entity, t)) WITHOUT ROWID;
      CREATE TABLE metric_1h (entity INTEGER NOT NULL, t INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (entity, t)) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'health alerts',
    sql: `
      CREATE TABLE alerts (
        id TEXT PRIMARY KEY,           -- checkId:hostId:vmUuid[:subject], stable while the condition lasts
        check_id TEXT NOT NULL,
        severity TEXT NOT NULL,        -- critical | warning | info
        host_id TEXT,
        vm_id TEXT,
        data TEXT NOT NULL,            -- JSON Alert
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        resolved_at INTEGER            -- null while active
      );
      CREATE INDEX alerts_active ON alerts(resolved_at, severity);
    `,
  },
  {
    version: 7,
    name: 'job artifacts',
    sql: `
      -- What each job made or meant to make on hosts (JSON JobArtifact[]), written before each
      -- is asked for, so an interrupted job can say what it left; and the clean-up job, if any.
      ALTER TABLE jobs ADD COLUMN artifacts TEXT;
      ALTER TABLE jobs ADD COLUMN cleanup_job_id TEXT;
    `,
  },
  {
    version: 8,
    name: 'host identity (h1-hosts)',
    // A host is itself by its libvirt host UUID and SSH host key, whatever address reaches it.
    sql: `
      ALTER TABLE hosts ADD COLUMN host_uuid TEXT;
      ALTER TABLE hosts ADD COLUMN host_key_fingerprint TEXT;
    `,
  },
  {
    version: 9,
    name: 'VM identity is the libvirt UUID (fc-identity)',
    // DESIGN §8: a VM was `${hostId}:${uuid}`; it is now its UUID, whichever host runs it. Host ids
    // never hold ':' (UUIDs, 'local'), so the UUID is what follows the first ':'. Copies of one
    // VM's series kept under two hosts merge into one (the older id keeps the rows; a minute both
    // have keeps the keeper's); of two alerts that become one, the last seen stays.
    sql: `
      CREATE TEMP TABLE m9_entity AS
        SELECT id, kind || ':' || substr(rest, instr(rest, ':') + 1) AS nk
        FROM (SELECT id, kind, substr(key, length(kind) + 2) AS rest FROM metric_entity WHERE kind IN ('vm', 'nic', 'disk'))
        WHERE instr(rest, ':') > 0 AND (kind = 'vm' OR instr(rest, ':') < instr(rest, '/'));
      CREATE TEMP TABLE m9_keep AS
        SELECT nk, MIN(id) AS keep FROM (
          SELECT id, nk FROM m9_entity
          UNION ALL SELECT e.id, e.key FROM metric_entity e WHERE e.key IN (SELECT nk FROM m9_entity)
        ) GROUP BY nk;
      CREATE TEMP TABLE m9_move AS
        SELECT c.id AS old, k.keep AS keep FROM (
          SELECT id, nk FROM m9_entity
          UNION SELECT e.id, e.key FROM metric_entity e WHERE e.key IN (SELECT nk FROM m9_entity)
        ) c JOIN m9_keep k ON k.nk = c.nk WHERE c.id <> k.keep;
      INSERT OR IGNORE INTO metric_raw SELECT m.keep, r.t, r.data FROM metric_raw r JOIN m9_move m ON r.entity = m.old;
      INSERT OR IGNORE INTO metric_1m SELECT m.keep, r.t, r.data FROM metric_1m r JOIN m9_move m ON r.entity = m.old;
      INSERT OR IGNORE INTO metric_1h SELECT m.keep, r.t, r.data FROM metric_1h r JOIN m9_move m ON r.entity = m.old;
      DELETE FROM metric_raw WHERE entity IN (SELECT old FROM m9_move);
      DELETE FROM metric_1m WHERE entity IN (SELECT old FROM m9_move);
      DELETE FROM metric_1h WHERE entity IN (SELECT old FROM m9_move);
      DELETE FROM metric_entity WHERE id IN (SELECT old FROM m9_move);
      UPDATE metric_entity SET key = (SELECT nk FROM m9_keep WHERE keep = metric_entity.id) WHERE id IN (SELECT keep FROM m9_keep);
      DROP TABLE m9_entity;
      DROP TABLE m9_keep;
      DROP TABLE m9_move;

      -- Alerts: checkId:hostId:uuid[:subject] becomes checkId:-:uuid[:subject] (DomainOnTwoHosts,
      -- one per host, keeps the host as its subject).
      CREATE TEMP TABLE m9_alert AS
        SELECT id AS old, last_seen, substr(vm_id, instr(vm_id, ':') + 1) AS uuid,
          check_id || ':-:' || substr(id, length(check_id) + instr(vm_id, ':') + 2)
            || CASE WHEN check_id = 'DomainOnTwoHosts' THEN ':' || substr(vm_id, 1, instr(vm_id, ':') - 1) ELSE '' END AS nid
        FROM alerts WHERE instr(vm_id, ':') > 0;
      DELETE FROM alerts WHERE id IN (
        SELECT a.old FROM m9_alert a WHERE EXISTS (
          SELECT 1 FROM m9_alert b WHERE b.nid = a.nid AND (b.last_seen > a.last_seen OR (b.last_seen = a.last_seen AND b.old > a.old))));
      UPDATE OR IGNORE alerts SET
        id = (SELECT nid FROM m9_alert WHERE old = alerts.id),
        vm_id = (SELECT uuid FROM m9_alert WHERE old = alerts.id),
        data = json_set(data, '$.id', (SELECT nid FROM m9_alert WHERE old = alerts.id), '$.vmId', (SELECT uuid FROM m9_alert WHERE old = alerts.id))
        WHERE id IN (SELECT old FROM m9_alert);
      DELETE FROM alerts WHERE instr(vm_id, ':') > 0;
      DROP TABLE m9_alert;

      -- Jobs name what they act on: {hostId, vmId} (and the typed {kind: 'vm', id} of fc-jobs).
      UPDATE jobs SET target = json_set(target, '$.vmId', substr(json_extract(target, '$.vmId'), instr(json_extract(target, '$.vmId'), ':') + 1))
        WHERE target IS NOT NULL AND json_valid(target) AND instr(json_extract(target, '$.vmId'), ':') > 0;
      UPDATE jobs SET target = json_set(target, '$.id', substr(json_extract(target, '$.id'), instr(json_extract(target, '$.id'), ':') + 1))
        WHERE target IS NOT NULL AND json_valid(target) AND json_extract(target, '$.kind') = 'vm' AND instr(json_extract(target, '$.id'), ':') > 0;
    `,
  },
  {
    version: 10,
    name: 'typed job targets, nesting, waits and step state (fc-jobs)',
    // A target becomes a typed reference {kind, id}; the host it ran on gets its own column (per-host
    // limits, history). parent_id nests jobs; waiting_for says why a queued job waits; step_state is
    // what a resumable job saved, so a restart continues it.
    sql: `
      ALTER TABLE jobs ADD COLUMN host_id TEXT;
      ALTER TABLE jobs ADD COLUMN parent_id TEXT;
      ALTER TABLE jobs ADD COLUMN waiting_for TEXT;
      ALTER TABLE jobs ADD COLUMN step_state TEXT;
      UPDATE jobs SET host_id = json_extract(target, '$.hostId') WHERE target IS NOT NULL;
      UPDATE jobs SET target = CASE
          WHEN json_extract(target, '$.vmId') IS NOT NULL THEN json_object('kind', 'vm', 'id', json_extract(target, '$.vmId'))
          WHEN json_extract(target, '$.hostId') IS NOT NULL AND json_extract(target, '$.jobId') IS NULL THEN json_object('kind', 'host', 'id', json_extract(target, '$.hostId'))
          ELSE NULL END
        WHERE target IS NOT NULL AND json_extract(target, '$.kind') IS NULL;
      CREATE INDEX jobs_parent ON jobs(parent_id);
    `,
  },
  {
    version: 11,
    name: 'placement (fc-placement)',
    // Per-host capacity settings, VM-VM affinity groups, and the resources held for placements
    // whose job has not ended (so parallel requests never overbook; dropped with their job).
    sql: `
      CREATE TABLE placement_host_settings (
        host_id TEXT PRIMARY KEY,
        memory_ratio REAL NOT NULL,
        cpu_ratio REAL NOT NULL,
        memory_reserve_mib INTEGER NOT NULL,
        taints TEXT NOT NULL DEFAULT '[]'       -- JSON array of tags
      );
      CREATE TABLE affinity_groups (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,                     -- affinity | antiAffinity
        enforcement TEXT NOT NULL,              -- hard | soft
        description TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL
      );
      CREATE TABLE affinity_members (
        group_id TEXT NOT NULL,
        vm_uuid TEXT NOT NULL,                  -- libvirt UUID: survives a move between hosts
        name TEXT NOT NULL,                     -- as last seen
        PRIMARY KEY (group_id, vm_uuid)
      );
      CREATE TABLE placement_reservations (
        id TEXT PRIMARY KEY,
        job_id TEXT,                            -- NULL between the decision and the job's start
        host_id TEXT NOT NULL,
        memory_mib INTEGER NOT NULL,
        vcpus INTEGER NOT NULL,
        group_ids TEXT NOT NULL DEFAULT '[]',   -- JSON array
        vm_name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX placement_reservations_job ON placement_reservations(job_id);
    `,
  },
  {
    version: 13,
    name: 'host maintenance state',
    // The state placement and the host list read, and beside it the rest (evacuation job, plan,
    // since, reason) as one JSON document: read and written whole, never queried.
    sql: `
      ALTER TABLE hosts ADD COLUMN maintenance TEXT NOT NULL DEFAULT 'none';
      ALTER TABLE hosts ADD COLUMN maintenance_detail TEXT;
    `,
  },
  {
    version: 18,
    name: 'metrics history in compressed chunks',
    // Issue 20: the same three tables now hold chunks (engine/metrics/chunk-codec.ts) instead of
    // one deflated Float32 row per minute. The old rows are moved aside, not dropped: the engine
    // converts them in the SQLite worker a few entities at a time after start (chunk-store.ts,
    // `legacy`), so a user's history survives, and drops these tables when they are empty.
    sql: `
      ALTER TABLE metric_raw RENAME TO metric_v5_raw;
      ALTER TABLE metric_1m RENAME TO metric_v5_1m;
      ALTER TABLE metric_1h RENAME TO metric_v5_1h;
      CREATE TABLE metric_raw (entity INTEGER NOT NULL, t INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (entity, t)) WITHOUT ROWID;
      CREATE TABLE metric_1m (entity INTEGER NOT NULL, t INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (entity, t)) WITHOUT ROWID;
      CREATE TABLE metric_1h (entity INTEGER NOT NULL, t INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (entity, t)) WITHOUT ROWID;
    `,
  },
  {
    version: 19,
    name: 'last-known inventory for a warm start (warmstart)',
    // Each host's copy of each VM as last seen live (the contract's Vm as JSON, written behind and
    // batched), and when each host was last seen connected: shown at start before hosts answer.
    sql: `
      CREATE TABLE inventory_vms (
        host_id TEXT NOT NULL,
        uuid TEXT NOT NULL,
        data TEXT NOT NULL,                     -- JSON Vm (one host's copy)
        PRIMARY KEY (host_id, uuid)
      ) WITHOUT ROWID;
      CREATE INDEX inventory_vms_uuid ON inventory_vms(uuid);
      CREATE TABLE inventory_hosts (
        host_id TEXT PRIMARY KEY,
        seen_at INTEGER NOT NULL                -- ms: last time it was seen connected
      );
    `,
  },
  {
    version: 15,
    name: 'template and ISO library (library)',
    // A library item and its copies on hosts. A copy's state is Uploading (percent), Verifying,
    // Ready or Error; `reach` (JSON array of host ids) lists the hosts that see a shared copy.
    sql: `
      CREATE TABLE library_items (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,                     -- template | iso
        os_id TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        min_vcpus INTEGER NOT NULL DEFAULT 1,
        min_memory_mib INTEGER NOT NULL DEFAULT 512,
        min_disk_gib REAL NOT NULL DEFAULT 1,
        bootable INTEGER NOT NULL DEFAULT 0,
        format TEXT NOT NULL,
        source TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE library_copies (
        item_id TEXT NOT NULL,
        host_id TEXT NOT NULL,
        pool TEXT NOT NULL,
        volume TEXT NOT NULL,
        path TEXT NOT NULL,
        bytes INTEGER,
        sha256 TEXT,
        state TEXT NOT NULL,                    -- uploading | verifying | ready | error
        percent REAL,
        error TEXT,                             -- JSON Message or NULL
        shared INTEGER NOT NULL DEFAULT 0,
        reach TEXT NOT NULL DEFAULT '[]',
        created_at INTEGER NOT NULL,
        PRIMARY KEY (item_id, host_id, pool, volume)
      );
    `,
  },
  {
    version: 16,
    name: 'disposable VM pools and leases',
    // Pools and leases are read and written whole (JSON documents); the columns beside them are
    // what queries filter on. A lease row outlives its VM: it is the seed's history record.
    sql: `
      CREATE TABLE lease_pools (
        os TEXT PRIMARY KEY,
        doc TEXT NOT NULL,                      -- JSON LeasePool
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE leases (
        id TEXT PRIMARY KEY,
        os TEXT NOT NULL,
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        state TEXT NOT NULL,                    -- provisioning | ready | releasing | released | expired | failed
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,            -- epoch ms: the reaper reads it after a restart
        idempotency_key TEXT,
        doc TEXT NOT NULL                       -- JSON: the Lease and its history fields
      );
      CREATE INDEX leases_state ON leases(state);
      CREATE INDEX leases_created ON leases(created_at DESC);
      CREATE UNIQUE INDEX leases_idempotency ON leases(owner, idempotency_key, name) WHERE idempotency_key IS NOT NULL;
      CREATE TABLE lease_spares (
        id TEXT PRIMARY KEY,
        os TEXT NOT NULL,
        doc TEXT NOT NULL                       -- JSON Spare
      );
    `,
  },
  {
    version: 17,
    name: 'pools REST API tokens (poolapi)',
    // Kept as the SHA-256 of their secret only. A lease's owner is its token's id (the leases
    // engine keeps owner and Idempotency-Key with the lease), so a request touches only its own.
    sql: `
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,              -- hex SHA-256 of the secret
        hint TEXT NOT NULL,
        max_vms INTEGER NOT NULL,
        max_expiry_min INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      );
    `,
  },
  {
    version: 20,
    name: 'metrics chunks keyed by one integer (codec)',
    // Issue 20. A WITHOUT ROWID table is an index b-tree: a row over ~1 KB (4 KiB pages) spills to
    // overflow pages whose last one is part empty (1m pages measured 2.2x their chunk bytes). A
    // rowid table keeps rows up to ~4 KB in the leaf and sizes the spill to whole pages, so the
    // chunks are keyed by one integer k = entity * 2^32 + t (t = chunk start, epoch s) with entity
    // and t as virtual columns. The chunks themselves are copied as they are (the codec reads its
    // older version), so no history is lost or re-encoded here.
    sql: `
      CREATE TABLE metric_raw_k (k INTEGER PRIMARY KEY, data BLOB NOT NULL, entity INTEGER GENERATED ALWAYS AS (k >> 32) VIRTUAL, t INTEGER GENERATED ALWAYS AS (k & 4294967295) VIRTUAL);
      CREATE TABLE metric_1m_k (k INTEGER PRIMARY KEY, data BLOB NOT NULL, entity INTEGER GENERATED ALWAYS AS (k >> 32) VIRTUAL, t INTEGER GENERATED ALWAYS AS (k & 4294967295) VIRTUAL);
      CREATE TABLE metric_1h_k (k INTEGER PRIMARY KEY, data BLOB NOT NULL, entity INTEGER GENERATED ALWAYS AS (k >> 32) VIRTUAL, t INTEGER GENERATED ALWAYS AS (k & 4294967295) VIRTUAL);
      INSERT INTO metric_raw_k(k, data) SELECT entity * 4294967296 + t, data FROM metric_raw ORDER BY entity, t;
      INSERT INTO metric_1m_k(k, data) SELECT entity * 4294967296 + t, data FROM metric_1m ORDER BY entity, t;
      INSERT INTO metric_1h_k(k, data) SELECT entity * 4294967296 + t, data FROM metric_1h ORDER BY entity, t;
      DROP TABLE metric_raw;
      DROP TABLE metric_1m;
      DROP TABLE metric_1h;
      ALTER TABLE metric_raw_k RENAME TO metric_raw;
      ALTER TABLE metric_1m_k RENAME TO metric_1m;
      ALTER TABLE metric_1h_k RENAME TO metric_1h;
    `,
  },
];
