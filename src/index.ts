/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

// The public API. Everything a user imports comes from here.

export {
  CodingAgent,
  DEFAULT_MODEL,
  lastRecordedVariables,
  renderAnswer,
} from './agents/coding_agent.js';
export type {CodingAgentConfig, RecordedVariables, StopReason} from './agents/coding_agent.js';
export {artifactNameForFile, saveExecutionArtifacts} from './agents/artifacts.js';
export {isActiveMimeType} from './utils/mime.js';
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
export {codeSoFar, extractCode} from './agents/code_extraction.js';
export type {
  ExtractedReply,
  ReplyPart,
  SkipReason,
  SkippedBlock,
} from './agents/code_extraction.js';
export {CODING_RULES, buildSystemPrompt} from './agents/prompt.js';
export type {SystemPromptParts} from './agents/prompt.js';

export {BubblewrapCodeExecutor} from './code_executors/bubblewrap/bubblewrap_code_executor.js';
export type {
  BubblewrapAvailability,
  BubblewrapCodeExecutorOptions,
} from './code_executors/bubblewrap/bubblewrap_code_executor.js';
export {UnsandboxedCodeExecutor} from './code_executors/unsandboxed_code_executor.js';
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
export {WORKSPACE_PATH, walkTree, diffTrees, OriginalTree} from './code_executors/workspace.js';
export type {
  WorkspaceChanges,
  WorkspaceConfig,
  WorkspaceInfo,
  WorkspaceMode,
  WorkspaceOption,
  WorkspaceSessionInfo,
  WorkspaceSpec,
} from './code_executors/workspace.js';
export {WORKSPACE_DIFF_ARTIFACT} from './agents/workspace_changes.js';
export type {WorkspaceChangesRecord} from './agents/workspace_changes.js';
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
  ToolCallControl,
  ToolCallHandler,
  ToolCallOutcome,
  ToolCallRequest,
  WrittenInputFile,
} from './code_executors/sandbox.js';

export {
  DEFAULT_MAX_SNAPSHOT_BYTES,
  SNAPSHOT_ARTIFACT_PREFIX,
  isReservedArtifactName,
  openSnapshot,
  resolveSnapshotOptions,
  restoreSnapshot,
  sealSnapshot,
  snapshotArtifactName,
  takeSnapshot,
  withoutReservedArtifacts,
} from './state/snapshots.js';
export type {
  OpenedSnapshot,
  ResolvedSnapshotOptions,
  RestoredSnapshot,
  SnapshotBinding,
  SnapshotCompression,
  SnapshotHeader,
  SnapshotOptions,
  SnapshotProblem,
  SnapshotWhen,
  TakenSnapshot,
} from './state/snapshots.js';
export {lastRecordedSnapshot} from './agents/durable_state.js';
export type {RecordedSnapshot, RestoreOutcome} from './agents/durable_state.js';
export {ScriptedLlm} from './models/scripted_llm.js';
// Importing these registers openai/, ollama/ and anthropic/ with ADK's LLMRegistry.
export {OllamaLlm, OpenAILlm, ollamaBaseUrl} from './models/openai_llm.js';
export type {OllamaLlmOptions, OpenAILlmOptions} from './models/openai_llm.js';
export {
  ANTHROPIC_API_VERSION,
  ANTHROPIC_DEFAULT_MAX_TOKENS,
  AnthropicLlm,
} from './models/anthropic_llm.js';
export type {AnthropicLlmOptions, MessagesRequest} from './models/anthropic_llm.js';
export {ModelApiError, ModelConnectionError} from './models/model_errors.js';
export type {GenerationDefaults} from './models/request_mapping.js';
export type {ScriptedLlmOptions, ScriptedReply, ScriptedResponder} from './models/scripted_llm.js';

export {
  ALLOW_ALL_IMPORTS,
  DATA_SCIENCE_IMPORTS,
  DEFAULT_SAFE_IMPORTS,
} from './security/import_policy.js';
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
export type {InteractionGate, RecordedOutcomes} from './tools/tool_bridge.js';
export {interactionCall, interactionOf} from './tools/interactions.js';
export type {InteractionAnswer, InteractionKind, PendingInteraction} from './tools/interactions.js';
export {DEFAULT_INTERACTION_TIMEOUT_MS} from './agents/pauses.js';
export {ToolCodeGenerator} from './tools/tool_code_generator.js';
export {FETCH_CSV_MAX_BYTES, fetchCsv, fetchCsvTool} from './tools/fetch_csv_tool.js';

export {
  AGENT_KINDS,
  runEval,
  tokensOf,
  type AgentKind,
  type EvalRun,
  type EvalRunOptions,
  type ModelSource,
  type RunResult,
  type RunTokens,
} from './eval/runner.js';
export {
  CASSETTE_FORMAT,
  CassetteMismatchError,
  RecordingLlm,
  ReplayLlm,
  cassettePath,
  readCassette,
  recordedRequest,
  writeCassette,
  type Cassette,
  type RecordedCall,
  type RecordedRequest,
} from './eval/cassette.js';
export {
  REPORT_FORMAT,
  buildReport,
  renderChart,
  renderMarkdown,
  renderSummary,
  wilsonInterval,
  writeReport,
  type AgentSummary,
  type EvalReport,
  type WrittenReport,
} from './eval/report.js';
export {
  allOf,
  approximateCheck,
  chartSavedCheck,
  integerCheck,
  numberCheck,
  numbersCheck,
  shareCheck,
  statedNumbers,
  textCheck,
  textSetCheck,
  type Checker,
} from './eval/checkers.js';
export {validateSuite} from './eval/suite.js';
export type {
  ArtifactRecord,
  CheckResult,
  EvalSuite,
  EvalTask,
  TaskOutcome,
  ToolCallRecord,
} from './eval/suite.js';
export {BUNDLED_SUITES, PUBLIC_SUITES, SUITE_NAMES, loadSuite} from './eval/suites/index.js';
export type {LoadSuiteOptions} from './eval/suites/index.js';
