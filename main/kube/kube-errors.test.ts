/**
 * API Status objects and network failures mapped to stable codes, with the quota refusals read
 * out of upstream's message formats and apply conflicts split into managers and fields.
 */
import { describe, expect, it } from 'vitest';
import { kubeErrorInfo } from '../../preload/contract/kube';
import { fromApiResponse, fromNetworkError, toKubeError } from './kube-errors';

const status = (code: number, reason: string, message: string, details?: object) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...(details ? { details } : {}) });

describe('fromApiResponse', () => {
  it('reads an exceeded quota', () => {
    const e = fromApiResponse(403, status(403, 'Forbidden', 'pods "nginx-7c5ddbdf54-" is forbidden: exceeded quota: q1, requested: limits.cpu=500m,pods=1, used: limits.cpu=1500m,pods=3, limited: limits.cpu=2,pods=3'));
    expect(e.code).toBe('FORBIDDEN');
    expect(e.forbidden).toEqual({ kind: 'quota-exceeded', quota: 'q1', requested: { 'limits.cpu': '500m', pods: '1' }, used: { 'limits.cpu': '1500m', pods: '3' }, limited: { 'limits.cpu': '2', pods: '3' } });
    expect(kubeErrorInfo.parse(e.toInfo())).toEqual(e.toInfo());
  });

  it('reads a "must specify" refusal', () => {
    const e = fromApiResponse(403, status(403, 'Forbidden', 'pods "x" is forbidden: failed quota: q1: must specify limits.cpu for: nginx; limits.memory for: nginx,sidecar; requests.cpu for: nginx'));
    expect(e.forbidden).toEqual({
      kind: 'quota-must-specify',
      quota: 'q1',
      missing: [
        { resource: 'limits.cpu', containers: ['nginx'] },
        { resource: 'limits.memory', containers: ['nginx', 'sidecar'] },
        { resource: 'requests.cpu', containers: ['nginx'] },
      ],
    });
  });

  it('reads LimitRange refusals and leaves other Forbidden messages alone', () => {
    expect(fromApiResponse(403, status(403, 'Forbidden', 'pods "x" is forbidden: maximum cpu usage per Container is 500m, but limit is 1')).forbidden).toEqual({ kind: 'limit-range', reasons: ['maximum cpu usage per Container is 500m, but limit is 1'] });
    expect(fromApiResponse(403, status(403, 'Forbidden', 'pods "x" is forbidden: unable to create new content in namespace l because it is being terminated')).forbidden).toBeUndefined();
  });

  it('splits apply conflicts into managers and fields', () => {
    const e = fromApiResponse(409, status(409, 'Conflict', 'Apply failed with 2 conflicts: ...', { causes: [
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using apps/v1', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.template.spec.containers[name="nginx"].image' },
    ] }));
    expect(e.code).toBe('CONFLICT');
    expect(e.conflicts).toEqual([
      { manager: 'kubectl-edit', field: '.spec.replicas', apiVersion: 'apps/v1' },
      { manager: 'kubectl-client-side-apply', field: '.spec.template.spec.containers[name="nginx"].image', apiVersion: 'apps/v1' },
    ]);
  });

  it('maps reasons and codes', () => {
    expect(fromApiResponse(409, status(409, 'AlreadyExists', 'deployments.apps "x" already exists')).code).toBe('ALREADY_EXISTS');
    expect(fromApiResponse(404, status(404, 'NotFound', 'deployments.apps "x" not found')).code).toBe('NOT_FOUND');
    const invalid = fromApiResponse(422, status(422, 'Invalid', 'Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0', { causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' }] }));
    expect(invalid).toMatchObject({ code: 'INVALID', causes: [{ field: 'spec.replicas', reason: 'FieldValueInvalid' }] });
    expect(fromApiResponse(401, 'Unauthorized').code).toBe('UNAUTHORIZED');
    expect(fromApiResponse(503, 'service unavailable').code).toBe('UNAVAILABLE');
    expect(fromApiResponse(500, status(500, 'InternalError', 'Internal error occurred: boom')).message).toBe('Internal error occurred: boom');
  });
});

describe('network and client-node errors', () => {
  it('classifies refused, timed out and TLS failures', () => {
    expect(fromNetworkError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'https://a:16443', 'connect')).toMatchObject({ code: 'UNAVAILABLE', network: { code: 'ECONNREFUSED', server: 'https://a:16443', phase: 'connect' } });
    expect(fromNetworkError(Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 's', 'connect').code).toBe('TLS');
  });

  it('reads client-node ApiExceptions and watch errors', () => {
    expect(toKubeError({ code: 404, body: JSON.stringify(status(404, 'NotFound', 'pods "x" not found')) })).toMatchObject({ code: 'NOT_FOUND', message: 'pods "x" not found' });
    expect(toKubeError(Object.assign(new Error('Gone'), { statusCode: 410 })).code).toBe('GONE');
  });
});
