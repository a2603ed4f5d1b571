/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Human in the loop for tools called from code, in ADK's own terms: what a tool call asked of
 * the user (a confirmation, a credential, or the result of a long-running operation), the
 * function-call parts that ask it (`adk_request_confirmation`, `adk_request_credential`, the
 * long-running tool's own call), and the user's answer read back from a `functionResponse`.
 */

import {
  AuthHandler,
  REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
  REQUEST_CREDENTIAL_FUNCTION_CALL_NAME,
  State,
  generateClientFunctionCallId,
  type AuthConfig,
  type BaseTool,
  type Context,
} from '@google/adk';
import type {Content, FunctionCall, Part} from '@google/genai';

/** What a tool call waits for: a yes or no, a credential, or a long-running operation's result. */
export type InteractionKind = 'confirmation' | 'credential' | 'long-running';

/** A tool call from code that waits for the user. */
export interface PendingInteraction {
  /** What the call waits for. */
  kind: InteractionKind;
  /** The tool call's function-call id (the one its `Context` had). */
  functionCallId: string;
  /**
   * Id of the function call that asks the user, which the answer's `functionResponse` names:
   * the `adk_request_*` call's id, or the tool call's own id for a long-running tool.
   */
  requestId: string;
  /** The tool's name as declared (the original call's name). */
  toolName: string;
  /** The call's arguments (the original call's args). */
  args: Record<string, unknown>;
  /** The confirmation's hint and payload, as the tool or plugin asked. */
  hint?: string;
  payload?: unknown;
  /** The credential request, as `toolContext.requestCredential` made it. */
  authConfig?: AuthConfig;
  /** What a long-running tool returned at once (its intermediate status). */
  initialResult?: unknown;
  /**
   * State changes of the call's first pass (e.g. SecurityPlugin's record that it asked): the
   * event that asks carries them, and the call's second pass starts from them.
   */
  stateDelta?: Record<string, unknown>;
}

/** The user's answer to a {@link PendingInteraction}. */
export type InteractionAnswer =
  | {kind: 'confirmation'; confirmed: boolean; payload?: unknown}
  | {kind: 'credential'; response: Record<string, unknown>}
  | {kind: 'long-running'; response: unknown};

/**
 * What the call made with `context` waits for, read from the actions ADK's own code set
 * (`requestConfirmation`, `requestCredential`) or the tool's `isLongRunning` flag; undefined
 * when it waits for nothing.
 */
export function interactionOf(
  tool: BaseTool,
  args: Record<string, unknown>,
  context: Context,
  result: unknown,
): PendingInteraction | undefined {
  const id = context.functionCallId;
  if (!id) return undefined;
  const base = {functionCallId: id, toolName: tool.name, args};
  const confirmation = context.actions.requestedToolConfirmations[id];
  if (confirmation) {
    return {
      ...base,
      kind: 'confirmation',
      requestId: generateClientFunctionCallId(),
      hint: confirmation.hint,
      payload: confirmation.payload,
    };
  }
  const authConfig = context.actions.requestedAuthConfigs[id];
  if (authConfig) {
    return {...base, kind: 'credential', requestId: generateClientFunctionCallId(), authConfig};
  }
  if (tool.isLongRunning) {
    return {...base, kind: 'long-running', requestId: id, initialResult: result};
  }
  return undefined;
}

/** The function call that asks the user, as `LlmAgent` emits it, so `adk web` shows its dialog. */
export function interactionCall(pending: PendingInteraction): FunctionCall {
  const originalFunctionCall = {
    id: pending.functionCallId,
    name: pending.toolName,
    args: pending.args,
  };
  switch (pending.kind) {
    case 'confirmation':
      return {
        id: pending.requestId,
        name: REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
        args: {
          originalFunctionCall,
          toolConfirmation: {
            hint: pending.hint ?? '',
            confirmed: false,
            payload: pending.payload,
          },
        },
      };
    case 'credential':
      return {
        id: pending.requestId,
        name: REQUEST_CREDENTIAL_FUNCTION_CALL_NAME,
        // ADK's auth preprocessor reads `function_call_id` and `auth_config` (camel- or snake-case).
        args: {
          function_call_id: pending.functionCallId,
          auth_config: pending.authConfig as unknown as Record<string, unknown>,
          originalFunctionCall,
        },
      };
    case 'long-running':
      return originalFunctionCall;
  }
}

/** The parts of the event that asks: one function call per interaction. */
export function interactionParts(pending: readonly PendingInteraction[]): Part[] {
  return pending.map((p) => ({functionCall: interactionCall(p)}));
}

/**
 * The answers `userContent` brings for `pending`, by request id: `functionResponse` parts whose
 * id is a request's (and whose name matches it). A confirmation's response is
 * `{confirmed, payload}` (adk web's dialog sends that; `{response: "<json>"}` is read too).
 */
export function answersFrom(
  userContent: Content | undefined,
  pending: readonly PendingInteraction[],
): Map<string, InteractionAnswer> {
  const answers = new Map<string, InteractionAnswer>();
  for (const part of userContent?.parts ?? []) {
    const response = part.functionResponse;
    if (!response?.id) continue;
    const asked = pending.find((p) => p.requestId === response.id);
    if (!asked || response.name !== interactionCall(asked).name) continue;
    const fields = (response.response ?? {}) as Record<string, unknown>;
    switch (asked.kind) {
      case 'confirmation': {
        const parsed = unwrapResponse(fields);
        answers.set(asked.requestId, {
          kind: 'confirmation',
          confirmed: parsed.confirmed === true,
          payload: parsed.payload,
        });
        break;
      }
      case 'credential':
        answers.set(asked.requestId, {kind: 'credential', response: fields});
        break;
      case 'long-running':
        answers.set(asked.requestId, {kind: 'long-running', response: response.response});
        break;
    }
  }
  return answers;
}

/** `{response: "<json>"}` (a client that sends the confirmation as a string) unwrapped. */
function unwrapResponse(fields: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(fields);
  if (keys.length === 1 && typeof fields.response === 'string') {
    try {
      const parsed: unknown = JSON.parse(fields.response);
      if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
    } catch {
      // Not JSON: read the fields as they are.
    }
  }
  return fields;
}

/**
 * Stores the credential the user supplied where `toolContext.getAuthResponse` finds it
 * (`temp:<credentialKey>` of the session state, exchanged first for OAuth2, as ADK's auth
 * preprocessor does). Returns false when the answer carries no credential.
 */
export async function storeCredential(
  pending: PendingInteraction,
  answer: Extract<InteractionAnswer, {kind: 'credential'}>,
  sessionState: Record<string, unknown>,
): Promise<boolean> {
  const requested = pending.authConfig;
  const response = answer.response;
  const supplied = response.exchangedAuthCredential ?? response.exchanged_auth_credential;
  if (!requested?.authScheme || typeof supplied !== 'object' || supplied === null) return false;
  const config: AuthConfig = {
    ...requested,
    exchangedAuthCredential: supplied as AuthConfig['exchangedAuthCredential'],
  };
  await new AuthHandler(config).parseAndStoreAuthResponse(new State(sessionState));
  return true;
}
