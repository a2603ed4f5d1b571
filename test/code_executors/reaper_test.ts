/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * Which labelled containers the Docker reaper removes: this machine's by their owner process
 * (pid and start time), another machine's by state and age; never a live host's.
 */

import {describe, expect, it} from 'vitest';

import {
  CONTAINER_LABEL,
  CONTAINER_OWNER_LABEL,
  CONTAINER_OWNER_START_LABEL,
  shouldReap,
  shouldReapVolume,
  type ContainerFacts,
  type Reaper,
} from '../../src/code_executors/docker/reaper.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const MINUTE = 60_000;
/** Processes of this (made-up) machine: 100 runs since tick 555, 200 is gone. */
const reaper: Reaper = {
  hostname: 'here',
  self: 'here/1',
  nowMs: NOW,
  ownerGone: (pid, start) => pid === 200 || (pid === 100 && start !== undefined && start !== '555'),
};

function container(owner: string, state: string, ages: {created?: number; finished?: number} = {}) {
  const facts: ContainerFacts = {
    labels: {[CONTAINER_LABEL]: 'true', [CONTAINER_OWNER_LABEL]: owner},
    state,
    createdMs: NOW - (ages.created ?? 0),
  };
  if (ages.finished !== undefined) facts.finishedMs = NOW - ages.finished;
  return facts;
}

describe('docker reaper', () => {
  it("removes this machine's containers whose owner process is gone, running or not", () => {
    expect(shouldReap(container('here/200', 'running'), reaper)).toBe(true);
    expect(shouldReap(container('here/200', 'exited', {finished: 1000}), reaper)).toBe(true);
    expect(shouldReap(container('here/100', 'running'), reaper)).toBe(false);
    // Its own containers, never.
    expect(shouldReap(container('here/1', 'exited', {finished: 60 * MINUTE}), reaper)).toBe(false);
  });

  it('tells a reused pid from its owner by the start time', () => {
    const reused = container('here/100', 'running');
    reused.labels[CONTAINER_OWNER_START_LABEL] = '999';
    expect(shouldReap(reused, reaper)).toBe(true);
    reused.labels[CONTAINER_OWNER_START_LABEL] = '555';
    expect(shouldReap(reused, reaper)).toBe(false);
  });

  it("removes another machine's exited or never-started containers after a grace period", () => {
    expect(shouldReap(container('there/7', 'exited', {finished: 2 * MINUTE}), reaper)).toBe(true);
    expect(shouldReap(container('there/7', 'dead', {finished: 2 * MINUTE}), reaper)).toBe(true);
    // Just exited: its live owner is about to read its state and remove it.
    expect(shouldReap(container('there/7', 'exited', {finished: 5000}), reaper)).toBe(false);
    expect(shouldReap(container('there/7', 'created', {created: 11 * MINUTE}), reaper)).toBe(true);
    expect(shouldReap(container('there/7', 'created', {created: 30_000}), reaper)).toBe(false);
    const options = {exitedGraceMs: 0, createdGraceMs: 0};
    expect(shouldReap(container('there/7', 'exited', {finished: 1}), reaper, options)).toBe(true);
  });

  it("never removes another machine's running container, however old", () => {
    for (const state of ['running', 'paused', 'restarting']) {
      const old = container('there/7', state, {created: 30 * 24 * 60 * MINUTE});
      expect(shouldReap(old, reaper), state).toBe(false);
    }
  });

  it('judges containers with a missing or malformed owner by state and age', () => {
    expect(shouldReap(container('', 'exited', {finished: 2 * MINUTE}), reaper)).toBe(true);
    expect(shouldReap(container('garbage', 'running'), reaper)).toBe(false);
    expect(shouldReap(container('here/x', 'exited', {finished: 2 * MINUTE}), reaper)).toBe(true);
  });

  it("removes this machine's volumes when their owner is gone, another's after an hour", () => {
    const volume = (owner: string, age = 0) => ({
      labels: {[CONTAINER_LABEL]: 'true', [CONTAINER_OWNER_LABEL]: owner},
      createdMs: NOW - age,
    });
    expect(shouldReapVolume(volume('here/200'), reaper)).toBe(true);
    expect(shouldReapVolume(volume('here/100', 24 * 60 * MINUTE), reaper)).toBe(false);
    expect(shouldReapVolume(volume('here/1', 24 * 60 * MINUTE), reaper)).toBe(false);
    expect(shouldReapVolume(volume('there/7', 61 * MINUTE), reaper)).toBe(true);
    expect(shouldReapVolume(volume('there/7', 59 * MINUTE), reaper)).toBe(false);
    expect(shouldReapVolume(volume('there/7', 2 * MINUTE), reaper, {volumeGraceMs: MINUTE})).toBe(
      true,
    );
  });
});
