/**
 * Connection, authentication and host (node) procedures.
 */
import { array, char, fixedArray, int, mapped, struct, uhyper, uint, type Infer } from '../codec';
import { AuthType, REMOTE_AUTH_TYPE_LIST_MAX, REMOTE_NODE_CPU_STATS_MAX, REMOTE_NODE_MEMORY_STATS_MAX } from './constants';
import { remoteProc } from './procedure';
import { nonnullString, optString } from './types';

export const connectOpen = remoteProc('connect open', 1, struct({ name: optString, flags: uint }));
export const connectClose = remoteProc('connect close', 2);
export const connectGetType = remoteProc('connect get type', 3, undefined, nonnullString);
/** Hypervisor version as major*1e6 + minor*1e3 + micro. */
export const connectGetVersion = remoteProc('connect get version', 4, undefined, uhyper);
export const connectGetHostname = remoteProc('connect get hostname', 59, undefined, nonnullString);
export const connectSupportsFeature = remoteProc('connect supports feature', 60, int, int);
export const connectGetUri = remoteProc('connect get uri', 110, undefined, nonnullString);
export const connectGetLibVersion = remoteProc('connect get lib version', 157, undefined, uhyper);
export const connectGetCapabilities = remoteProc('connect get capabilities', 7, undefined, nonnullString);
export const connectGetSysinfo = remoteProc('connect get sysinfo', 203, uint, nonnullString);
export const connectIsSecure = remoteProc('connect is secure', 149, undefined, int);
/**
 * Whether this host's hypervisor can run a guest CPU described by `xmlCPU` (a domain's `<cpu>`):
 * virCPUCompareResult, 0 incompatible, 1 identical, 2 superset.
 */
export const connectCompareHypervisorCpu = remoteProc(
  'connect compare hypervisor cpu',
  393,
  struct({ emulator: optString, arch: optString, machine: optString, virttype: optString, xmlCPU: nonnullString, flags: uint }),
  int,
);

/** The auth types (AuthType) the daemon demands, in its order of preference. */
export const authList = remoteProc('auth list', 66, undefined, array(int, REMOTE_AUTH_TYPE_LIST_MAX));
/** Returns `complete` (1 when the daemon accepted the polkit check). */
export const authPolkit = remoteProc('auth polkit', 70, undefined, int);
export { AuthType };

/** char model[32] is 32 XDR ints, one per byte; trailing NULs are trimmed. */
const cModel32 = mapped(
  fixedArray(char, 32),
  (chars) => {
    const end = chars.indexOf(0);
    return Buffer.from((end < 0 ? chars : chars.slice(0, end)).map((c) => c & 0xff)).toString('latin1');
  },
  (s: string) => {
    const bytes = Array.from(Buffer.from(s, 'latin1').subarray(0, 31));
    while (bytes.length < 32) bytes.push(0);
    return bytes;
  },
);

export const nodeInfo = struct({
  model: cModel32,
  memory: uhyper, // KiB
  cpus: int,
  mhz: int,
  nodes: int,
  sockets: int,
  cores: int,
  threads: int,
});
export type NodeInfo = Infer<typeof nodeInfo>;
export const nodeGetInfo = remoteProc('node get info', 6, undefined, nodeInfo);

const fieldValue = struct({ field: nonnullString, value: uhyper });
export type NodeStat = Infer<typeof fieldValue>;

/** cpuNum -1 = all CPUs; nparams 0 asks how many there are (libvirt's two-step getter). */
export const nodeGetCpuStats = remoteProc(
  'node get cpu stats',
  227,
  struct({ cpuNum: int, nparams: int, flags: uint }),
  struct({ params: array(fieldValue, REMOTE_NODE_CPU_STATS_MAX, 12), nparams: int }),
);
/** cellNum -1 = whole host. */
export const nodeGetMemoryStats = remoteProc(
  'node get memory stats',
  228,
  struct({ nparams: int, cellNum: int, flags: uint }),
  struct({ params: array(fieldValue, REMOTE_NODE_MEMORY_STATS_MAX, 12), nparams: int }),
);
export const nodeGetFreeMemory = remoteProc('node get free memory', 102, undefined, uhyper);

/** VIR_NODE_CPU_STATS_ALL_CPUS / VIR_NODE_MEMORY_STATS_ALL_CELLS */
export const NODE_ALL = -1;
