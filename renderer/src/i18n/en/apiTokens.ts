/** API tokens of the pools REST API, in Settings (issue 18, branch poolapi). */
export const apiTokens = {
  'apiTokens.title': 'API tokens (pools REST API)',
  'apiTokens.help': 'CI jobs lease VMs with a token: https://user:token@host:port/getservers/… or Authorization: Bearer. A token is shown once; Hangar keeps only its hash. Its quota bounds the VMs it holds at once and how long they may live.',
  'apiTokens.user': 'User',
  'apiTokens.userRule': 'Letters, digits, . _ - (up to 63), starting with a letter or digit.',
  'apiTokens.maxVms': 'Most VMs at once',
  'apiTokens.maxExpiry': 'Longest expiry (minutes)',
  'apiTokens.create': 'Create token',
  'apiTokens.shownOnce': 'The token for {user}. Copy it now: it is not shown again.',
  'apiTokens.curlHint': 'For example: curl -k "https://{user}:TOKEN@HOST:PORT/getavailablecount/centos"',
  'apiTokens.hide': 'Done',
  'apiTokens.hint': 'Token',
  'apiTokens.created': 'Created',
  'apiTokens.lastUsed': 'Last used',
  'apiTokens.never': 'Never',
  'apiTokens.revoke': 'Revoke',
  'apiTokens.confirmRevoke': 'Revoke the token of {user}? Requests with it are refused from now on; its leases stay until they expire.',
} as const;
