/** Shared words, the app name and the engine connection. */
export const common = {
  'app.name': 'Hangar',
  'connection.connecting': 'Connecting…',
  'connection.connected': 'Engine connected',
  'connection.reconnecting': 'Reconnecting…',
  'connection.unauthorized': 'Not authorized',
  'connection.forbidden': 'Refused',
  'connection.noToken': 'This page needs the access link that `hangar serve` printed (it ends with #token=…). Open that link.',
  'connection.unauthorizedHelp': 'The access token is missing or no longer valid. Open the link `hangar serve` printed.',
  'common.cancel': 'Cancel',
  'common.yes': 'Yes',
  'common.save': 'Save',
  'common.saved': 'Saved.',
} as const;
