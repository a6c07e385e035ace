/** Warm start (issue 20): the last-known fleet shown before, or without, the hosts. */
export const warm = {
  'warm.refreshing': 'Refreshing…',
  'warm.asOf': 'as of {age}',
  'warm.justNow': 'just now',
  'warm.notLive': 'Not live: {host} is not connected. Shown as last seen {age}; actions need the host.',
  'warm.lastState': 'Last seen: {state}',
  'warm.banner.refreshing': 'Showing the last-known state of {count} VMs while their hosts reconnect.',
  'warm.banner.offline': '{count} VMs are shown as last seen: their hosts cannot be reached.',
  'warm.hostLastSeen': 'Last connected {age}',
  'warm.hostRefreshing': 'Reconnecting; last connected {age}',
} as const;
