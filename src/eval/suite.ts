/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** What an eval suite is: tasks, the tools both agents get, and how each answer is checked. */

import type {BaseTool} from '@google/adk';

/** A tool call made during a task run, as the harness records it (for checkers and reports). */
export interface ToolCallRecord {
  name: string;
  args: Record<string, unknown>;
}

/** An artifact saved during a task run. */
export interface ArtifactRecord {
  name: string;
  mimeType: string;
}

/** What a checker gets: the answer of the last turn and what the run left behind. */
export interface TaskOutcome {
  /** The final text of the last turn. */
  answer: string;
  toolCalls: readonly ToolCallRecord[];
  artifacts: readonly ArtifactRecord[];
}

/** A checker's verdict; `reason` says why an answer failed (and may say what matched). */
export interface CheckResult {
  pass: boolean;
  reason: string;
}

/** One task of a suite. */
export interface EvalTask {
  /** Unique in the suite; names the task's cassettes (letters, digits, `_`, `-`, `.`). */
  id: string;
  /** Groups tasks in the report (aggregation, join, multi-turn, ...). */
  category: string;
  /** The user's messages in order; the answer to the last one is checked. */
  turns: readonly string[];
  /** Judges the outcome of one run. Deterministic: the same outcome, the same verdict. */
  check(outcome: TaskOutcome): CheckResult;
}

/** A suite of tasks that both agents run with the same instruction and the same tools. */
export interface EvalSuite {
  /** The name `--suite` takes. */
  name: string;
  /** One line for the report. */
  description: string;
  /** The instruction both agents get. */
  instruction: string;
  tasks: readonly EvalTask[];
  /**
   * Fresh tools for one run of `task`: tools that keep state (a paginated cursor, a service that
   * fails on the first call) start over for each run, so runs do not depend on their order.
   */
  tools(task: EvalTask): BaseTool[] | Promise<BaseTool[]>;
  /** Python modules the CodingAgent may import beyond the safe standard library. */
  extraImports?: readonly string[];
  /** Folder of the cassettes shipped for this suite (used by `--replay` without a folder). */
  bundledCassettes?: string;
  /** A note the report repeats (a data licence, where the tasks came from). */
  notice?: string;
  /** Releases what loading the suite started (e.g. a sandbox hosting a public suite's tools). */
  close?(): Promise<void>;
}

/** Task ids name files: keep them to a safe alphabet. */
export const TASK_ID = /^[A-Za-z0-9_.-]+$/;

/** Throws unless every task id is well formed and unique. */
export function validateSuite(suite: EvalSuite): void {
  const seen = new Set<string>();
  for (const task of suite.tasks) {
    if (!TASK_ID.test(task.id)) {
      throw new Error(`suite ${suite.name}: task id "${task.id}" must match ${TASK_ID}`);
    }
    if (seen.has(task.id)) throw new Error(`suite ${suite.name}: task id "${task.id}" repeats`);
    if (task.turns.length === 0)
      throw new Error(`suite ${suite.name}: task ${task.id} has no turns`);
    seen.add(task.id);
  }
}
