/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The Docker backend against a daemon that shares no folder with this process: a second
 * `dockerd` on a TLS TCP port on loopback, with its own data root (started by
 * `scripts/remote_docker_setup.sh`, which `scripts/install.sh` runs). A real session there takes
 * an input file in, computes, and gives an output file and a figure back; its container mounts
 * named volumes and tmpfs only, never a folder of this machine, and lives on that daemon alone.
 */

import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

import Docker from 'dockerode';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

import {
  CONTAINER_LABEL,
  CONTAINER_OWNER_LABEL,
  ContainerCodeExecutor,
} from '../../src/code_executors/docker/container_code_executor.js';
import {CodingAgent} from '../../src/agents/coding_agent.js';
import type {KernelSandboxSession} from '../../src/code_executors/kernel_code_executor.js';
import {SandboxSessionManager} from '../../src/code_executors/session_manager.js';
import {finalText, startSession} from '../helpers/agent_harness.js';
import {scriptedByKey} from '../helpers/snapshot_script.js';
import {containersOf} from '../helpers/sandboxes.js';

const STATE =
  process.env.CODING_AGENT_REMOTE_DOCKER_DIR ?? '/var/lib/adk-coding-agent/remote-docker';
const TITANIC = fileURLToPath(new URL('../../samples/data/titanic.csv', import.meta.url));
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Connection {
  host: string;
  port: number;
  ca: string;
  cert: string;
  key: string;
}

/** The daemon's connection, or why it cannot be used (checked synchronously for skipIf). */
function remoteDaemon(): {connection: Connection} | {reason: string} {
  const file = join(STATE, 'connection.json');
  const setup = "run 'bash scripts/remote_docker_setup.sh'";
  if (!existsSync(file)) return {reason: `no remote-standing Docker daemon (${file}): ${setup}`};
  const connection = JSON.parse(readFileSync(file, 'utf8')) as Connection;
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const c = JSON.parse(process.argv[1]); const fs = require('node:fs');
require('node:https').get({host: c.host, port: c.port, path: '/_ping', ca: fs.readFileSync(c.ca),
  cert: fs.readFileSync(c.cert), key: fs.readFileSync(c.key), timeout: 5000},
  (res) => { console.log(res.statusCode); res.resume(); })
  .on('error', (e) => console.log(e.code || e.message));`,
      JSON.stringify(connection),
    ],
    {encoding: 'utf8', timeout: 15_000},
  );
  const answer = probe.stdout.trim();
  if (answer !== '200') {
    return {
      reason: `the daemon at ${connection.host}:${connection.port} does not answer (${answer || 'no answer'}): ${setup}`,
    };
  }
  return {connection};
}

const daemon = remoteDaemon();
const skipReason = 'reason' in daemon ? daemon.reason : undefined;
if (skipReason && process.env.CODING_AGENT_REQUIRE_SANDBOXES === '1') {
  throw new Error(
    `the remote Docker daemon is required (CODING_AGENT_REQUIRE_SANDBOXES=1): ${skipReason}`,
  );
}

describe.skipIf(skipReason !== undefined)(
  `remote Docker daemon over TLS${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let remote: Docker;
    let dockerOptions: Docker.DockerOptions;
    let executor: ContainerCodeExecutor;
    let session: KernelSandboxSession;
    const local = new Docker();

    beforeAll(async () => {
      const c = (daemon as {connection: Connection}).connection;
      const options = {
        host: c.host,
        port: c.port,
        protocol: 'https' as const,
        ca: readFileSync(c.ca),
        cert: readFileSync(c.cert),
        key: readFileSync(c.key),
      };
      dockerOptions = options;
      remote = new Docker(options);
      executor = new ContainerCodeExecutor({docker: options});
      session = await executor.getSession('remote', {authorizedImports: ['*']});
    });

    afterAll(async () => {
      await executor?.dispose();
    });

    /** This process's containers and volumes on the remote daemon. */
    async function ours(): Promise<{containers: Docker.ContainerInfo[]; volumes: string[]}> {
      const owned = (labels: Record<string, string> | undefined) =>
        labels?.[CONTAINER_OWNER_LABEL]?.endsWith(`/${process.pid}`) === true;
      const filters = {label: [`${CONTAINER_LABEL}=true`]};
      const containers = await remote.listContainers({all: true, filters});
      const {Volumes: volumes} = await remote.listVolumes({filters});
      return {
        containers: containers.filter((info) => owned(info.Labels)),
        volumes: (volumes ?? []).filter((v) => owned(v.Labels)).map((v) => v.Name),
      };
    }

    it('takes an input file in and gives an output file and a figure back', async () => {
      const data = readFileSync(TITANIC);
      const written = await session.writeFiles([{name: 'titanic.csv', data}]);
      expect(written).toEqual([
        {name: 'titanic.csv', path: '/work/input/titanic.csv', bytes: data.byteLength},
      ]);
      const result = await session.execute({
        code: [
          'import pandas as pd, matplotlib.pyplot as plt',
          'df = pd.read_csv("/work/input/titanic.csv")',
          'rates = df.groupby("Sex")["Survived"].mean().round(4)',
          'rates.to_csv("output/rates.csv")',
          'rates.plot.bar()',
          'print(len(df), round(df["Survived"].mean() * 100, 2))',
          'try:',
          '    open("/work/input/titanic.csv", "w")',
          'except OSError as e:',
          '    print("input refused", e.errno)',
        ].join('\n'),
      });
      expect(result.error, result.error?.traceback).toBeUndefined();
      expect(result.stdout).toContain('891 38.38\n');
      expect(result.stdout).toContain('input refused 30'); // EROFS: a read-only mount
      expect(result.files.map((file) => file.name)).toEqual(['rates.csv']);
      expect(Buffer.from(result.files[0].data, 'base64').toString()).toBe(
        'Sex,Survived\nfemale,0.742\nmale,0.1889\n',
      );
      expect(result.figures).toHaveLength(1);
      expect(Buffer.from(result.figures[0].data, 'base64').subarray(0, 8)).toEqual(PNG_MAGIC);
    });

    it('runs on the remote daemon alone, with named volumes and tmpfs mounts, no host folder', async () => {
      const {containers, volumes} = await ours();
      expect(containers).toHaveLength(1);
      expect(await containersOf(local, process.pid)).toEqual([]);
      const info = await remote.getContainer(containers[0].Id).inspect();
      expect(info.HostConfig.Binds ?? []).toEqual([]);
      expect(info.Mounts.map((mount) => [mount.Type, mount.Destination, mount.RW]).sort()).toEqual(
        [
          ['volume', '/etc', false],
          ['volume', '/opt/coding-agent', false],
          ['volume', '/work/input', false],
        ].sort(),
      );
      expect(Object.keys(info.HostConfig.Tmpfs ?? {}).sort()).toEqual(['/tmp', '/work']);
      expect(info.HostConfig.ReadonlyRootfs).toBe(true);
      expect(info.HostConfig.CapDrop).toEqual(['ALL']);
      expect(volumes.sort()).toEqual(info.Mounts.map((mount) => mount.Name).sort());
      // The session's user has a name from the session's own passwd.
      const modes = await session.execute({
        code: 'import os\nprint([oct(os.stat(p).st_mode & 0o777) for p in ("/opt/coding-agent", "/work/input", "/work/input/titanic.csv")])',
      });
      expect(modes.stdout).toBe("['0o750', '0o750', '0o640']\n"); // root's, the session's group
      const who = await session.execute({
        code: 'import pwd, os\nprint(pwd.getpwuid(os.getuid()).pw_name)',
      });
      expect(who.stdout).toBe('sandbox\n');
    });

    it('keeps the input files across a kernel restart, and removes everything on dispose', async () => {
      const killed = await session.execute({code: 'import time\ntime.sleep(60)', timeoutMs: 1500});
      expect(killed.stateLost).toBe(true);
      const again = await session.execute({
        code: 'print(len(open("/work/input/titanic.csv").readlines()))',
      });
      expect(again.error, again.error?.traceback).toBeUndefined();
      expect(again.stdout).toBe('892\n');
      expect(session.generation).toBe(2);
      await session.dispose();
      expect(await ours()).toEqual({containers: [], volumes: []});
    });

    it('gives a stateful conversation its variables back from the snapshot after an eviction (warm pool)', async () => {
      const pooled = new ContainerCodeExecutor({docker: dockerOptions, pool: {size: 1}});
      const manager = new SandboxSessionManager({executor: pooled, maxLiveSessions: 1});
      const model = scriptedByKey({
        build:
          'import pandas as pd\ndf = pd.DataFrame({"x": range(50)})\n' +
          'def double(v):\n    return 2 * v\nfinal_answer(len(df))',
        other: 'final_answer("other")',
        recall: 'final_answer([int(df["x"].sum()), double(21)])',
      });
      const agent = new CodingAgent({
        name: 'remote_keeper',
        model,
        codeExecutor: manager,
        stateful: true,
        authorizedImports: ['pandas'],
      });
      try {
        const first = await startSession(agent);
        expect(finalText(await first.turn('<build>'))).toBe('50');
        // Another conversation takes the only live interpreter: the first one's is closed.
        const other = await startSession(agent);
        await other.turn('<other>');
        expect(manager.liveKeys.some((k) => k.includes(first.sessionId))).toBe(false);
        const recalled = await first.turn('<recall>');
        expect(JSON.parse(finalText(recalled))).toEqual([1225, 42]);
        // The kernels (and the pool's next one) live on the remote daemon, none on the local one.
        expect((await containersOf(remote, process.pid)).length).toBeGreaterThan(0);
        expect(await containersOf(local, process.pid)).toEqual([]);
      } finally {
        await manager.dispose();
      }
    });
  },
);
