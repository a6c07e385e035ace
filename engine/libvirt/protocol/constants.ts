/**
 * Wire constants of libvirt's RPC (virnetprotocol.x, virkeepaliveprotocol.x, remote_protocol.x).
 * These are facts of the wire format; the names follow libvirt's so a reader can cross-check.
 */

export const REMOTE_PROGRAM = 0x20008086;
export const REMOTE_PROTOCOL_VERSION = 1;
export const KEEPALIVE_PROGRAM = 0x6b656570; // "keep"
export const KEEPALIVE_PROTOCOL_VERSION = 1;

export const KeepaliveProc = { PING: 1, PONG: 2 } as const;

/** virNetMessageType */
export const MessageType = {
  CALL: 0,
  REPLY: 1,
  MESSAGE: 2, // async notification (events, keepalive)
  STREAM: 3,
  CALL_WITH_FDS: 4,
  REPLY_WITH_FDS: 5,
  STREAM_HOLE: 6, // sparse streams; only sent when the stream was opened with the sparse flag
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** virNetMessageStatus */
export const MessageStatus = { OK: 0, ERROR: 1, CONTINUE: 2 } as const;
export type MessageStatus = (typeof MessageStatus)[keyof typeof MessageStatus];

/** Size of the length word that precedes every message; it counts itself. */
export const LENGTH_WORD = 4;
/** Serialised virNetMessageHeader: six 4-byte words. */
export const HEADER_SIZE = 24;
/**
 * Largest message we accept. libvirt 1.x used 16 MiB, current releases 32 MiB; a frame larger
 * than this is refused before buffering it, so a corrupt length cannot make us allocate.
 */
export const MESSAGE_MAX = 32 * 1024 * 1024;
/** Stream data packets libvirt sends and expects are at most this big (LEGACY_PAYLOAD_MAX). */
export const STREAM_CHUNK_MAX = 262144;

// remote_protocol.x limits (the newest, most generous values, so newer daemons are not refused).
export const REMOTE_STRING_MAX = 4194304;
export const REMOTE_DOMAIN_LIST_MAX = 16384;
export const REMOTE_MIGRATE_COOKIE_MAX = 4194304;
export const REMOTE_NETWORK_LIST_MAX = 16384;
export const REMOTE_STORAGE_POOL_LIST_MAX = 16384;
export const REMOTE_STORAGE_VOL_LIST_MAX = 16384;
export const REMOTE_NODE_CPU_STATS_MAX = 16;
export const REMOTE_NODE_MEMORY_STATS_MAX = 16;
export const REMOTE_AUTH_TYPE_LIST_MAX = 20;
export const REMOTE_DOMAIN_SNAPSHOT_LIST_MAX = 16384;
export const REMOTE_DOMAIN_SEND_KEY_MAX = 16;
export const REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX = 64;
export const REMOTE_DOMAIN_JOB_STATS_MAX = 64;
export const REMOTE_NETWORK_DHCP_LEASES_MAX = 65536;
export const REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX = 262144;
export const REMOTE_DOMAIN_INTERFACE_MAX = 2048;
export const REMOTE_DOMAIN_IP_ADDR_MAX = 2048;
export const REMOTE_DOMAIN_GUEST_INFO_PARAMS_MAX = 2048;
export const REMOTE_DOMAIN_EVENT_TUNABLE_MAX = 2048;
export const REMOTE_DOMAIN_MEMORY_PARAMETERS_MAX = 16;
export const VIR_UUID_BUFLEN = 16;

/** remote_auth_type */
export const AuthType = { NONE: 0, SASL: 1, POLKIT: 2 } as const;

/** virDrvFeature values asked with CONNECT_SUPPORTS_FEATURE. */
export const DrvFeature = {
  MIGRATION_V3: 6,
  TYPED_PARAM_STRING: 9,
  PROGRAM_KEEPALIVE: 10,
  MIGRATION_PARAMS: 13,
  REMOTE_EVENT_CALLBACK: 14,
  REMOTE_CLOSE_CALLBACK: 15,
} as const;

/**
 * Flag for typed-parameter getters: tells the daemon the client understands string parameters
 * (VIR_TYPED_PARAM_STRING_OKAY); without it some daemons filter string fields out.
 */
export const TYPED_PARAM_STRING_OKAY = 1 << 2;
