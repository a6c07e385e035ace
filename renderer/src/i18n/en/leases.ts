/** Disposable VM leases (issue 18): what the leases engine can refuse with. */
export const leases = {
  'leases.err.defaultAboveMax': 'The default expiry ({default} min) is above the maximum ({max} min).',
  'leases.err.ended': '{name} is {state}.',
  'leases.err.expiryAboveMax': 'An expiry of {minutes} min is above the pool’s maximum ({max} min).',
  'leases.err.gaveUp': '{name}: no VM got a network address after {attempts} attempt(s). Last: {reason}',
  'leases.err.hostNoBase': 'Host {hostId} has no base image of {os}.',
  'leases.err.nameTaken': 'Already in use: {names}.',
  'leases.err.noAddress': '{name} got no network address on {host} within {seconds} s.',
  'leases.err.noCapacity': 'Not enough capacity for {asked} {os} VM(s): {available} available now.',
  'leases.err.noLease': 'No lease {id}.',
  'leases.err.noLeaseNamed': 'No lease named {name}.',
  'leases.err.noPool': 'No pool for the OS {os}.',
  'leases.err.poolExists': 'A pool for {os} exists already.',
  'leases.err.poolInUse': 'The pool {os} still has leases: {names}.',
  'leases.err.releaseWhat': 'Choose the leases to release.',
  'leases.err.releasing': '{name} is being released.',
  'leases.err.twoBases': 'Two base images for host {hostId}: one per host.',
} as const;
