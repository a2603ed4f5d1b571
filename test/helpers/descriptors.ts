/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A snippet that reports what the interpreter can reach of the kernel's protocol: its own
 * descriptors (`fds`: number → what /proc/self/fd says), its parent (the supervisor, `ppid`),
 * and the errno of opening the supervisor's descriptors and memory (`tries`, 0 when it opened).
 */
export const DESCRIPTORS_SNIPPET = `
import json, os
ppid = os.getppid()
fds = {}
for fd in os.listdir('/proc/self/fd'):
    try:
        fds[fd] = os.readlink('/proc/self/fd/' + fd)
    except OSError:
        pass
tries = {}
for name, path, mode in (('list', '/proc/%d/fd' % ppid, None), ('fd0', '/proc/%d/fd/0' % ppid, 'rb'),
                         ('fd1', '/proc/%d/fd/1' % ppid, 'wb'), ('mem', '/proc/%d/mem' % ppid, 'rb')):
    try:
        os.listdir(path) if mode is None else open(path, mode).close()
        tries[name] = 0
    except OSError as e:
        tries[name] = e.errno
print(json.dumps({'ppid': ppid, 'fds': fds, 'tries': tries}))
`;

/** What {@link DESCRIPTORS_SNIPPET} prints. */
export interface DescriptorsReport {
  ppid: number;
  fds: Record<string, string>;
  tries: Record<string, number>;
}

/** The descriptors that could reach the host: any that is not /dev/null, a socket or /proc. */
export function hostDescriptors(report: DescriptorsReport): string[] {
  return Object.values(report.fds).filter(
    (target) =>
      target !== '/dev/null' && !target.startsWith('socket:') && !target.startsWith('/proc/'),
  );
}
