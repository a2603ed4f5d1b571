/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// The public API. Everything a user imports comes from here.

export {
  CodingAgent,
  DEFAULT_MODEL,
  VARIABLES_STATE_PREFIX,
  renderAnswer,
} from './agents/coding_agent.js';
export type {CodingAgentConfig, RecordedVariables, StopReason} from './agents/coding_agent.js';
export {artifactNameForFile, saveExecutionArtifacts} from './agents/artifacts.js';
export type {SaveArtifactsOptions, SavedArtifact, SavedArtifacts} from './agents/artifacts.js';
export {
  OUTPUT_FILES_HINT,
  collectAttachments,
  renderInputFilesSection,
  stageInputFiles,
} from './agents/input_files.js';
export type {
  Attachment,
  InputFileInfo,
  StageInputOptions,
  StagedInputs,
} from './agents/input_files.js';
export {extractCode} from './agents/code_extraction.js';
export type {ExtractedReply} from './agents/code_extraction.js';
export {CODING_RULES, buildSystemPrompt} from './agents/prompt.js';
export type {SystemPromptParts} from './agents/prompt.js';

export {BubblewrapCodeExecutor} from './code_executors/bubblewrap/bubblewrap_code_executor.js';
export type {
  BubblewrapAvailability,
  BubblewrapCodeExecutorOptions,
} from './code_executors/bubblewrap/bubblewrap_code_executor.js';
export {UnsafeLocalCodeExecutor} from './code_executors/unsafe_local_code_executor.js';
export {KernelCodeExecutor} from './code_executors/kernel_code_executor.js';
export type {
  KernelCodeExecutorOptions,
  KernelLimits,
  SandboxCodeExecutorOptions,
} from './code_executors/kernel_code_executor.js';
export {
  CONTAINER_LABEL,
  CONTAINER_OWNER_LABEL,
  CONTAINER_OWNER_START_LABEL,
  ContainerCodeExecutor,
  DEFAULT_CONTAINER_IMAGE,
  parseMemoryLimit,
} from './code_executors/docker/container_code_executor.js';
export type {
  ContainerCodeExecutorOptions,
  ReapOptions,
} from './code_executors/docker/container_code_executor.js';
export {
  DEFAULT_IMAGE_PACKAGES,
  buildDefaultImage,
} from './code_executors/docker/container_image.js';
export type {BuildImageOptions, BuildImageResult} from './code_executors/docker/container_image.js';
export {DEFAULT_PRELOAD} from './code_executors/warm_pool.js';
export type {WarmPoolOptions} from './code_executors/warm_pool.js';
export {defaultCodeExecutor} from './code_executors/default_code_executor.js';
export {CODE_EXECUTOR_SIGNATURE, isCodeExecutor} from './code_executors/sandbox.js';
export {
  SESSION_MANAGER_SIGNATURE,
  SandboxSessionManager,
  isSandboxSessionManager,
  sessionManagerFor,
} from './code_executors/session_manager.js';
export type {SandboxLease, SandboxSessionManagerOptions} from './code_executors/session_manager.js';
export type {
  CodeExecutor,
  ExecutionError,
  ExecutionRequest,
  ExecutionResult,
  FigureOutput,
  FileOutput,
  InputFile,
  SandboxSession,
  SandboxSessionOptions,
  ToolCallHandler,
  ToolCallOutcome,
  ToolCallRequest,
  WrittenInputFile,
} from './code_executors/sandbox.js';

export {ScriptedLlm} from './models/scripted_llm.js';
export type {ScriptedLlmOptions, ScriptedReply, ScriptedResponder} from './models/scripted_llm.js';

export {ALLOW_ALL_IMPORTS, DEFAULT_SAFE_IMPORTS} from './security/import_policy.js';
export {
  MASKED_PATHS,
  SANDBOX_LAYOUT,
  resolveHardeningProfile,
} from './security/hardening_profile.js';
export type {
  HardeningOptions,
  HardeningProfile,
  SandboxId,
  SandboxUser,
  SessionLimits,
  TmpfsSizes,
} from './security/hardening_profile.js';
export {
  SECCOMP_ARGUMENT_RULES,
  buildSeccompFilter,
  seccompArch,
  seccompDeniedSyscalls,
} from './security/seccomp_filter.js';
export type {SeccompArch} from './security/seccomp_filter.js';

export {ToolBridge} from './tools/tool_bridge.js';
export {ToolCodeGenerator} from './tools/tool_code_generator.js';
export {FETCH_CSV_MAX_BYTES, fetchCsv, fetchCsvTool} from './tools/fetch_csv_tool.js';
