import { z } from 'zod';
import { HostId } from './hosts';
import { VmId } from './vms';

/** `24h`, `90m`, `7d`, or `all` (no window). */
export const Since = z.string().regex(/^(\d{1,4}[mhd]|all)$/, 'a window like 24h, 90m, 7d, or all');

export const GatherParams = z
  .object({
    /** Hosts to collect from; omitted = every host. */
    hostIds: z.array(HostId).max(200).optional(),
    /** VM details only for these VMs (their hosts are added to the scope); omitted = all VMs in scope. */
    vmIds: z.array(VmId).max(1000).optional(),
    vmDetails: z.boolean().default(true),
    images: z.boolean().default(false),
    since: Since.default('24h'),
    parallel: z.number().int().min(1).max(20).default(5),
    /** Per running VM with a display: a screenshot (PNG, or PPM from an older libvirt) through libvirt's stream. */
    screenshots: z.boolean().default(false),
    redact: z.boolean().default(true),
    /** Required (true) with `redact: false`: an unredacted bundle carries passwords and keys. */
    confirmUnredacted: z.boolean().default(false),
    /** A directory on the engine's machine; default DATA_DIR/bundles. */
    outputDir: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type GatherParams = z.input<typeof GatherParams>;

/** What a finished gather job returns as its result. */
export const GatherResult = z.object({ path: z.string(), bytes: z.number(), hosts: z.number(), skipped: z.array(z.string()), files: z.number() });
export type GatherResult = z.infer<typeof GatherResult>;

export const Severity = z.enum(['critical', 'warning', 'info']);
export type Severity = z.infer<typeof Severity>;

const Localized = z.object({ en: z.string(), ko: z.string() });

/** One health check of resources/health-checks.json. */
export const HealthCheck = z.object({
  id: z.string(),
  ref: z.string(),
  severity: Severity,
  title: Localized,
  measures: Localized,
  threshold: Localized,
  evidence: Localized,
  remediation: Localized,
});
export type HealthCheck = z.infer<typeof HealthCheck>;

/** A check that fired: per host, per VM or fleet-wide. */
export const Finding = z.object({
  /** `${checkId}:${hostId ?? '-'}:${vmUuid ?? '-'}[:subject]`: stable while the condition lasts. */
  id: z.string(),
  checkId: z.string(),
  severity: Severity,
  hostId: z.string().nullable(),
  hostName: z.string().nullable(),
  vmId: z.string().nullable(),
  vmName: z.string().nullable(),
  /** Values for the remediation text's {placeholders} and what was measured. */
  evidence: z.record(z.string(), z.string()),
});
export type Finding = z.infer<typeof Finding>;

export const Alert = Finding.extend({ firstSeen: z.number(), lastSeen: z.number() });
export type Alert = z.infer<typeof Alert>;

export const BundleHost = z.object({
  name: z.string(),
  hostname: z.string().nullable(),
  libvirtVersion: z.string().nullable(),
  qemuVersion: z.string().nullable(),
  kernel: z.string().nullable(),
  vms: z.array(z.object({ name: z.string(), uuid: z.string(), state: z.string(), reason: z.string().nullable() })),
  failedItems: z.number(),
});

export const BundleSummary = z.object({
  bundleId: z.string(),
  path: z.string(),
  version: z.string(),
  createdAt: z.number().nullable(),
  options: z.record(z.string(), z.unknown()),
  hosts: z.array(BundleHost),
  skipped: z.array(z.string()),
  failedItems: z.array(z.object({ host: z.string(), out: z.string(), command: z.string(), exitCode: z.number().nullable(), stderr: z.string() })),
  findings: z.array(Finding),
  files: z.number(),
  checksumsOk: z.boolean(),
});
export type BundleSummary = z.infer<typeof BundleSummary>;

export const BundleFile = z.object({ path: z.string(), size: z.number() });

export const LogMatch = z.object({ path: z.string(), host: z.string().nullable(), lineNo: z.number(), line: z.string(), at: z.number().nullable() });
export type LogMatch = z.infer<typeof LogMatch>;

export const BundleId = z.string().min(1).max(64);

/** A domain XML of a bundle, rendered like the VM Details tab. */
export const BundleDomain = z.object({
  host: z.string(),
  name: z.string(),
  uuid: z.string(),
  vcpus: z.number(),
  memoryKiB: z.number(),
  arch: z.string().nullable(),
  machine: z.string().nullable(),
  firmware: z.string(),
  disks: z.array(z.object({ target: z.string(), device: z.string(), source: z.string().nullable(), format: z.string().nullable() })),
  nics: z.array(z.object({ mac: z.string().nullable(), source: z.string().nullable(), model: z.string().nullable() })),
  xml: z.string(),
});
export type BundleDomain = z.infer<typeof BundleDomain>;
