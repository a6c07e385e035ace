import { z } from 'zod';
import { APP_VERSION } from '../app-version';
import { V1Capacity, V1Error, V1ExtendRequest, V1History, V1Lease, V1LeaseRequest, V1LeaseStarted, V1Leases, V1Pools } from './v1-schemas';

const schema = (s: z.ZodTypeAny, io: 'input' | 'output' = 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'openapi-3.0' });

const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]));

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad input (count, OS, sizes, expiry, name)',
  401: 'Missing or unknown token',
  404: 'No such lease or pool (or not this token’s)',
  409: 'No capacity, or a name in use',
  429: 'Over the token’s quota (VMs held, expiry)',
};

const ok = (description: string, ref: string, status = '200') => ({ [status]: { description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } } });

const osParam = { name: 'os', in: 'path', required: true, schema: { type: 'string' } };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

/**
 * The OpenAPI document of /api/v1, generated from the zod schemas the handlers validate with
 * (themselves made from the engine's contract): served at /api/v1/openapi.json.
 */
export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Hangar disposable VM pools',
      version: APP_VERSION,
      description:
        'Leases of throw-away VMs from OS pools. Authenticate with an API token from Settings: HTTP Basic (user:token) or Bearer. The seed-compatible endpoints (/getservers, /releaseservers, /getavailablecount, /showall) are served beside this API.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ basic: [] }, { bearer: [] }],
    paths: {
      '/api/v1/pools': { get: { summary: 'Pools', responses: { ...ok('The pools', 'Pools'), ...errors(401) } } },
      '/api/v1/pools/{os}/capacity': { get: { summary: 'How many leases a pool can give now', parameters: [osParam], responses: { ...ok('Capacity', 'Capacity'), ...errors(400, 401) } } },
      '/api/v1/pools/{os}/leases': {
        post: {
          summary: 'Lease VMs',
          parameters: [
            osParam,
            { name: 'wait', in: 'query', required: false, schema: { type: 'string', enum: ['ip'] }, description: 'ip: answer once every VM has its address (200)' },
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 }, description: 'A retried request with the same key gets the same leases; no second VM' },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/LeaseRequest' } } } },
          responses: { ...ok('Leases being provisioned (or ready from spares)', 'LeaseStarted', '202'), ...ok('Every lease ready (wait=ip)', 'LeaseStarted'), ...errors(400, 401, 409, 429) },
        },
      },
      '/api/v1/leases': { get: { summary: 'This token’s live leases', responses: { ...ok('Leases', 'Leases'), ...errors(401) } } },
      '/api/v1/leases/{id}': {
        get: { summary: 'One lease', parameters: [idParam], responses: { ...ok('The lease', 'Lease'), ...errors(401, 404) } },
        delete: { summary: 'Release: delete the VM and its disks', parameters: [idParam], responses: { ...ok('Releasing', 'Leases', '202'), ...errors(401, 404) } },
      },
      '/api/v1/leases/{id}/extend': {
        post: {
          summary: 'Move the expiry later',
          parameters: [idParam],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ExtendRequest' } } } },
          responses: { ...ok('The lease', 'Lease'), ...errors(400, 401, 404, 429) },
        },
      },
      '/api/v1/history': {
        get: {
          summary: 'History of this token’s leases (the seed’s fields), newest first',
          parameters: ['os', 'username', 'from', 'to', 'limit'].map((name) => ({ name, in: 'query', required: false, schema: { type: name === 'os' || name === 'username' ? 'string' : 'number' } })),
          responses: { ...ok('Records', 'History'), ...errors(400, 401) },
        },
      },
    },
    components: {
      securitySchemes: { basic: { type: 'http', scheme: 'basic' }, bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        LeaseRequest: schema(V1LeaseRequest, 'input'),
        ExtendRequest: schema(V1ExtendRequest, 'input'),
        LeaseStarted: schema(V1LeaseStarted),
        Lease: schema(V1Lease),
        Leases: schema(V1Leases),
        Pools: schema(V1Pools),
        Capacity: schema(V1Capacity),
        History: schema(V1History),
        Error: schema(V1Error),
      },
    },
  };
}
