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
];
