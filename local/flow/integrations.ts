import { FC_INVOCATION_TYPES, isFcInvocationType, parseResourceArn } from '../../shared/fdl/arn';
import { evaluateServiceParams } from '../../shared/fdl/mappings';
import { isObject } from '../../shared/fdl/path';
import type { JsonObject, TaskStep } from '../../shared/fdl/types';
import { newRequestId, randomHex } from '../ids';
import type { IntegrationCore } from './core';
import { FnfError, fnfErrors } from './errors';
import type { InterpreterHost } from './interpreter';
import type { TaskRun } from './state';
import type { FunctionInvokeRequest } from './types';

/** Everything one task submission needs. */
export interface SubmitContext {
  run: TaskRun;
  step: TaskStep;
  input: JsonObject;
  host: InterpreterHost;
  core: IntegrationCore;
  effects: Array<() => void>;
  execId: number;
}

/**
 * Submits one task attempt inside the current transaction. MNS sends are the
 * outbox: the message row commits with the transition or not at all.
 */
export function submitTask(c: SubmitContext): void {
  const { run, step, input, host, core } = c;
  const pattern = step.pattern ?? 'requestResponse';
  const fail = (error: string, cause: string) => {
    host.emit({
      type: 'TaskSubmitFailed',
      stepName: run.name,
      scheduleEventId: run.scheduledId,
      detail: { error, cause },
    });
    core.completeTaskInPlace(run, { ok: false, error, cause }, host);
  };
  const submitted = (detail: JsonObject) =>
    host.emit({
      type: 'TaskSubmitted',
      stepName: run.name,
      scheduleEventId: run.scheduledId,
      detail,
    });
  const params = step.serviceParams ? evaluateServiceParams(step.serviceParams, input) : {};
  // `action: fnf:StartExecution` (seen in awesome-fnf samples) names the flow in serviceParams.
  const ref =
    step.action === 'fnf:StartExecution' && typeof params.FlowName === 'string'
      ? { kind: 'fnf-flow' as const, flowName: params.FlowName }
      : step.resourceArn
        ? parseResourceArn(step.resourceArn)
        : undefined;
  if (!ref) {
    fail(
      'FnF.UnsupportedResource',
      `task ${step.name}: ${step.resourceArn ?? step.action ?? '(none)'} is not a resource the local engine can call`,
    );
    return;
  }
  switch (ref.kind) {
    case 'mns-queue': {
      const bodyValue = step.serviceParams && 'MessageBody' in params ? params.MessageBody : input;
      const body = typeof bodyValue === 'string' ? bodyValue : JSON.stringify(bodyValue ?? input);
      const msg: { body: string; priority?: number; delaySeconds?: number } = { body };
      if (typeof params.Priority === 'number') msg.priority = params.Priority;
      if (typeof params.DelaySeconds === 'number') msg.delaySeconds = params.DelaySeconds;
      let sent: { messageId: string; bodyMD5: string };
      try {
        sent = core.queues.sendMessage(ref.queue, msg);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        fail(
          `MNS.${typeof code === 'string' ? code : 'Unknown'}`,
          String((err as Error).message ?? err),
        );
        return;
      }
      submitted({ MessageId: sent.messageId, queue: ref.queue });
      if (pattern === 'waitForCallback') run.phase = 'waiting';
      else {
        core.completeTaskInPlace(
          run,
          {
            ok: true,
            local: {
              MessageId: sent.messageId,
              MessageBodyMD5: sent.bodyMD5,
              RequestId: newRequestId(),
            },
          },
          host,
        );
      }
      return;
    }
    case 'mns-topic':
      fail(
        'FnF.UnsupportedResource',
        `task ${step.name}: MNS topics are not supported by the local queue service; use a queue (acs:mns:::/queues/<name>/messages)`,
      );
      return;
    case 'fc': {
      if (pattern === 'sync') {
        fail(
          'FnF.UnsupportedResource',
          `task ${step.name}: FC tasks support requestResponse and waitForCallback, not sync`,
        );
        return;
      }
      const req: FunctionInvokeRequest = {
        functionName: ref.functionName,
        payload: JSON.stringify(input),
      };
      if (ref.serviceName) req.serviceName = ref.serviceName;
      if (ref.qualifier) req.qualifier = ref.qualifier;
      // serviceParams.InvocationType (help.aliyun.com/document_detail/357640.html):
      // Sync (the default) or Async, FC's stored call with its own retries.
      const invocationType = params.InvocationType ?? 'Sync';
      if (!isFcInvocationType(invocationType)) {
        fail(
          'FnF.InvalidArgument',
          `task ${step.name}: serviceParams.InvocationType is ${JSON.stringify(invocationType)}; use ${FC_INVOCATION_TYPES.join(' or ')}`,
        );
        return;
      }
      if (invocationType === 'Async') {
        req.invocationType = 'Async';
        req.callerKey = randomHex(12);
      }
      // waitForCallback: the function gets the mapped input (with the token, if the
      // flow maps it) and the step waits for the report, which may arrive before
      // the call itself returns. requestResponse: the call's result is the step's $local.
      run.phase = pattern === 'waitForCallback' ? 'waiting' : 'invoking';
      run.invoke = req;
      submitted({ functionName: ref.functionName });
      c.effects.push(() => core.launchInvoke(c.execId, run, req));
      return;
    }
    case 'fnf-flow': {
      const flow = core.flowRow(ref.flowName);
      if (!flow) {
        const err = fnfErrors.flowNotExists(ref.flowName);
        fail(`fnf.${err.code}`, err.message);
        return;
      }
      // A child is started with StartExecution, which takes Standard flows only.
      if (flow.execution_mode === 'Express') {
        const err = fnfErrors.expressNotStartable(
          flow.name,
          'a child flow runs through StartExecution, which starts Standard flows only',
        );
        fail(`fnf.${err.code}`, err.message);
        return;
      }
      const name = typeof params.ExecutionName === 'string' ? params.ExecutionName : core.newName();
      const childInput =
        step.serviceParams && 'Input' in params && isObject(params.Input) ? params.Input : input;
      try {
        core.createExecution(
          {
            flow,
            name,
            input: childInput,
            callbackToken: pattern === 'sync' ? host.token(run.scheduledId) : undefined,
          },
          c.effects,
        );
      } catch (err) {
        if (err instanceof FnfError) fail(`fnf.${err.code}`, err.message);
        else throw err;
        return;
      }
      submitted({ FlowName: ref.flowName, ExecutionName: name });
      if (pattern === 'requestResponse') {
        core.completeTaskInPlace(
          run,
          { ok: true, local: { FlowName: ref.flowName, ExecutionName: name } },
          host,
        );
      } else run.phase = 'waiting';
      return;
    }
  }
}
