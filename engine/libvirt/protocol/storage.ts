/**
 * Storage pool and volume procedures, including the upload/download stream procedures.
 */
import { array, char, int, struct, uhyper, uint, type Infer } from '../codec';
import { REMOTE_STORAGE_POOL_LIST_MAX, REMOTE_STORAGE_VOL_LIST_MAX } from './constants';
import { remoteProc } from './procedure';
import { nonnullString, storagePoolRef, storageVolRef, uuid } from './types';

const pool = struct({ pool: storagePoolRef });
const poolFlags = struct({ pool: storagePoolRef, flags: uint });
const vol = struct({ vol: storageVolRef });
const volFlags = struct({ vol: storageVolRef, flags: uint });

// --- pools ---------------------------------------------------------------------------------

export const connectListAllStoragePools = remoteProc(
  'connect list all storage pools',
  281,
  struct({ needResults: int, flags: uint }),
  struct({ pools: array(storagePoolRef, REMOTE_STORAGE_POOL_LIST_MAX, 20), ret: uint }),
);
export const storagePoolLookupByName = remoteProc('storage pool lookup by name', 84, nonnullString, storagePoolRef);
export const storagePoolLookupByUuid = remoteProc('storage pool lookup by uuid', 85, uuid, storagePoolRef);
export const storagePoolGetXmlDesc = remoteProc('storage pool get xml desc', 88, poolFlags, nonnullString);

export const storagePoolInfo = struct({
  state: char, // virStoragePoolState: 0 inactive, 1 building, 2 running, 3 degraded, 4 inaccessible
  capacity: uhyper,
  allocation: uhyper,
  available: uhyper,
});
export type StoragePoolInfo = Infer<typeof storagePoolInfo>;
export const storagePoolGetInfo = remoteProc('storage pool get info', 87, pool, storagePoolInfo);
export const storagePoolRefresh = remoteProc('storage pool refresh', 83, poolFlags);
export const storagePoolDefineXml = remoteProc(
  'storage pool define xml',
  77,
  struct({ xml: nonnullString, flags: uint }),
  storagePoolRef,
);
export const storagePoolCreate = remoteProc('storage pool create', 78, poolFlags);
export const storagePoolBuild = remoteProc('storage pool build', 79, poolFlags);
export const storagePoolDestroy = remoteProc('storage pool destroy', 80, pool);
export const storagePoolUndefine = remoteProc('storage pool undefine', 82, pool);
export const storagePoolGetAutostart = remoteProc('storage pool get autostart', 89, pool, int);
export const storagePoolSetAutostart = remoteProc(
  'storage pool set autostart',
  90,
  struct({ pool: storagePoolRef, autostart: int }),
);

// --- volumes -------------------------------------------------------------------------------

export const storagePoolListAllVolumes = remoteProc(
  'storage pool list all volumes',
  282,
  struct({ pool: storagePoolRef, needResults: int, flags: uint }),
  struct({ vols: array(storageVolRef, REMOTE_STORAGE_VOL_LIST_MAX, 12), ret: uint }),
);
export const storageVolLookupByName = remoteProc(
  'storage vol lookup by name',
  95,
  struct({ pool: storagePoolRef, name: nonnullString }),
  storageVolRef,
);
export const storageVolLookupByPath = remoteProc('storage vol lookup by path', 97, nonnullString, storageVolRef);
export const storageVolLookupByKey = remoteProc('storage vol lookup by key', 96, nonnullString, storageVolRef);
export const storageVolGetXmlDesc = remoteProc('storage vol get xml desc', 99, volFlags, nonnullString);
export const storageVolGetPath = remoteProc('storage vol get path', 100, vol, nonnullString);

export const storageVolInfo = struct({
  type: char, // virStorageVolType: 0 file, 1 block, 2 dir, 3 network, 4 netdir, 5 ploop
  capacity: uhyper,
  allocation: uhyper,
});
export type StorageVolInfo = Infer<typeof storageVolInfo>;
export const storageVolGetInfo = remoteProc('storage vol get info', 98, vol, storageVolInfo);
export const storageVolCreateXml = remoteProc(
  'storage vol create xml',
  93,
  struct({ pool: storagePoolRef, xml: nonnullString, flags: uint }),
  storageVolRef,
);
export const storageVolCreateXmlFrom = remoteProc(
  'storage vol create xml from',
  125,
  struct({ pool: storagePoolRef, xml: nonnullString, clonevol: storageVolRef, flags: uint }),
  storageVolRef,
);
export const storageVolDelete = remoteProc('storage vol delete', 94, volFlags);
export const storageVolResize = remoteProc(
  'storage vol resize',
  260,
  struct({ vol: storageVolRef, capacity: uhyper, flags: uint }),
);

/** Overwrites the volume's data with zeroes. */
export const storageVolWipe = remoteProc('storage vol wipe', 165, volFlags);

const transfer = struct({ vol: storageVolRef, offset: uhyper, length: uhyper, flags: uint });
/** Write stream: the client sends the bytes (length 0 = to the end of the volume). */
export const storageVolUpload = remoteProc('storage vol upload', 208, transfer);
/** Read stream: the daemon sends the bytes. */
export const storageVolDownload = remoteProc('storage vol download', 209, transfer);
