/** Templates and ISOs. */
export const templates = {
  'templates.title': 'Templates & ISOs',
  'templates.empty': 'No templates or ISOs yet.',
} as const;
