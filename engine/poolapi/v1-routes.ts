import type { z } from 'zod';
import type { ApiToken } from '../contract/api-tokens';
import { ErrorCode } from '../contract/errors';
import { paramIssuesText } from './param-text';
import { describeError, HttpRefusal, json, readJsonBody, type Reply } from './http-util';
import { ownerOf, type PoolApi } from './pool-api';
import { checkOsName } from './seed-params';
import { V1ExtendRequest, V1HistoryQuery, V1LeaseRequest } from './v1-schemas';
import type http from 'node:http';

export interface V1Context {
  api: PoolApi;
  token: ApiToken;
  req: http.IncomingMessage;
  method: string;
  /** The path after /api/v1. */
  segments: string[];
  query: URLSearchParams;
  signal: AbortSignal;
  idempotencyKey: string | undefined;
}

export const v1Failure = (err: unknown): Reply => {
  const { status, code, message } = describeError(err);
  return json(status, { error: { code: ErrorCode.parse(code), message: `Error: ${message}` } });
};

function parse<S extends z.ZodTypeAny>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpRefusal(400, paramIssuesText(r.error));
  return r.data;
}

function osOf(segment: string | undefined): string {
  const err = checkOsName(segment ?? '');
  if (err) throw new HttpRefusal(400, err);
  return segment!;
}

/** How long a v1 request may take: blocking until addresses is the long one. */
export function v1DeadlineMs(method: string, segments: string[], query: URLSearchParams): number {
  return method === 'POST' && segments[0] === 'pools' && query.get('wait') === 'ip' ? 60 * 60_000 : 60_000;
}

/** /api/v1: JSON in and out; errors as `{error: {code, message}}`. */
export async function handleV1(ctx: V1Context): Promise<Reply> {
  const { api, token, method, segments: s } = ctx;
  try {
    // POST /pools/{os}/leases
    if (method === 'POST' && s.length === 3 && s[0] === 'pools' && s[2] === 'leases') {
      const os = osOf(s[1]);
      const body = parse(V1LeaseRequest, await readJsonBody(ctx.req));
      const wait = ctx.query.get('wait');
      if (wait !== null && wait !== 'ip') throw new HttpRefusal(400, "wait must be 'ip' or left out");
      const started = await api.acquire(token, {
        os,
        username: body.username,
        count: body.count,
        cpus: body.cpus,
        memoryMiB: body.memoryMiB,
        expiresInMinutes: body.expiresInMinutes,
        hostRef: body.host,
        sshAuthorizedKeys: body.sshAuthorizedKeys,
        idempotencyKey: ctx.idempotencyKey,
      });
      if (wait !== 'ip') return json(202, started, { location: `/api/v1/leases/${encodeURIComponent(started.leases[0]?.id ?? '')}` });
      const leases = await api.deps.leases.waitReady(
        started.leases.map((l) => l.id),
        ctx.signal,
      );
      return json(200, { jobId: started.jobId, leases });
    }
    if (method === 'GET' && s.length === 1 && s[0] === 'pools') return json(200, { pools: api.deps.leases.listPools() });
    if (method === 'GET' && s.length === 3 && s[0] === 'pools' && s[2] === 'capacity') {
      const os = osOf(s[1]);
      api.pool(os);
      return json(200, await api.deps.leases.capacity(os));
    }
    if (s[0] === 'leases') {
      if (method === 'GET' && s.length === 1) return json(200, { leases: api.liveLeases(token) });
      const id = s[1];
      if (!id || id.length > 64) throw new HttpRefusal(404, 'no such lease');
      if (method === 'GET' && s.length === 2) return json(200, await api.get(token, id));
      if (method === 'DELETE' && s.length === 2) {
        const leases = await api.release(token, { ids: [id] }, ctx.signal, false);
        if (!leases.length) throw new HttpRefusal(404, 'no such lease');
        return json(202, { leases });
      }
      if (method === 'POST' && s.length === 3 && s[2] === 'extend') {
        const body = parse(V1ExtendRequest, await readJsonBody(ctx.req));
        const lease = await api.get(token, id);
        const wanted = Math.max(lease.expiresAt, Date.now()) + body.minutes * 60_000;
        if (wanted - Date.now() > token.maxExpiryMinutes * 60_000) throw new HttpRefusal(429, `the lease would live past this token's limit of ${token.maxExpiryMinutes} minutes from now`);
        return json(200, await api.deps.leases.extend({ id, minutes: body.minutes, owner: ownerOf(token) }));
      }
    }
    if (method === 'GET' && s.length === 1 && s[0] === 'history') {
      const q = parse(V1HistoryQuery, Object.fromEntries(ctx.query));
      const records = await api.deps.leases.history({
        owner: ownerOf(token),
        ...(q.os ? { os: q.os } : {}),
        ...(q.username ? { username: q.username } : {}),
        ...(q.from !== undefined ? { from: q.from } : {}),
        ...(q.to !== undefined ? { to: q.to } : {}),
        limit: q.limit,
      });
      return json(200, { records });
    }
    return json(404, { error: { code: 'NOT_FOUND', message: 'Error: no such endpoint (see /api/v1/openapi.json)' } });
  } catch (err) {
    return v1Failure(err);
  }
}
