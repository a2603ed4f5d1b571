/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The seccomp program's shape, and its decisions checked by a small classic-BPF interpreter run
 * on hand-made `struct seccomp_data` records (no kernel needed, so both arches are covered).
 */

import {describe, expect, it} from 'vitest';

import {
  ALLOWED_SOCKET_FAMILIES,
  AUDIT_ARCH_AARCH64,
  AUDIT_ARCH_X86_64,
  buildSeccompFilter,
  CLONE_NEWUSER,
  EAFNOSUPPORT,
  ENOSYS,
  EPERM,
  SECCOMP_ARGUMENT_RULES,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  seccompArch,
  seccompDeniedSyscalls,
  syscallNumber,
  TIOCLINUX,
  TIOCSTI,
  type SeccompArch,
} from '../../src/security/seccomp_filter.js';

const AUDIT_ARCH_I386 = 0x40000003;
const AUDIT_ARCH_ARM = 0x40000028;
const DENY = SECCOMP_RET_ERRNO | EPERM;

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

function decode(program: Buffer): Insn[] {
  const out: Insn[] = [];
  for (let i = 0; i < program.length; i += 8) {
    out.push({
      code: program.readUInt16LE(i),
      jt: program.readUInt8(i + 2),
      jf: program.readUInt8(i + 3),
      k: program.readUInt32LE(i + 4),
    });
  }
  return out;
}

/** Runs the program on one syscall; supports the opcodes the builder emits, nothing else. */
function evaluate(program: Buffer, arch: number, nr: number, args: bigint[] = []): number {
  const data = Buffer.alloc(64);
  data.writeInt32LE(nr, 0);
  data.writeUInt32LE(arch, 4);
  args.forEach((value, i) => data.writeBigUInt64LE(BigInt.asUintN(64, value), 16 + 8 * i));
  const insns = decode(program);
  let acc = 0;
  for (let pc = 0; pc < insns.length; pc++) {
    const {code, jt, jf, k} = insns[pc];
    switch (code) {
      case 0x20:
        acc = data.readUInt32LE(k);
        break;
      case 0x15:
        pc += acc === k ? jt : jf;
        break;
      case 0x35:
        pc += acc >= k ? jt : jf;
        break;
      case 0x45:
        pc += (acc & k) !== 0 ? jt : jf;
        break;
      case 0x06:
        return k;
      default:
        throw new Error(`unexpected opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('program fell off its end');
}

const NATIVE: Record<SeccompArch, number> = {
  x86_64: AUDIT_ARCH_X86_64,
  aarch64: AUDIT_ARCH_AARCH64,
};

describe.each(['x86_64', 'aarch64'] as const)('seccomp filter for %s', (arch) => {
  const program = buildSeccompFilter(arch);
  const native = NATIVE[arch];
  const nr = (name: string) => syscallNumber(name, arch)!;
  const run = (name: string, args: bigint[] = []) => evaluate(program, native, nr(name), args);

  it('is a whole number of 8-byte instructions, within the kernel limit', () => {
    expect(program.length % 8).toBe(0);
    expect(program.length / 8).toBeGreaterThan(50);
    expect(program.length / 8).toBeLessThanOrEqual(4096);
  });

  it('checks the architecture first and kills on a foreign one', () => {
    const [first, second] = decode(program);
    expect(first).toEqual({code: 0x20, jt: 0, jf: 0, k: 4}); // ld seccomp_data.arch
    expect(second.code).toBe(0x15);
    expect(second.k).toBe(native);
    const foreign = arch === 'x86_64' ? AUDIT_ARCH_I386 : AUDIT_ARCH_ARM;
    expect(evaluate(program, foreign, nr('ioctl'))).toBe(SECCOMP_RET_KILL_PROCESS);
    // Even a number that is harmless natively is not trusted through another ABI.
    expect(evaluate(program, foreign, 0)).toBe(SECCOMP_RET_KILL_PROCESS);
  });

  it('denies every listed syscall with EPERM and allows ordinary ones', () => {
    const denied = seccompDeniedSyscalls(arch);
    const expected = [
      ...['ptrace', 'bpf', 'io_uring_setup', 'mount', 'unshare', 'setns', 'keyctl'],
      ...['memfd_secret', 'kcmp', 'fanotify_init', 'move_pages', 'open_by_handle_at', 'syslog'],
    ];
    for (const name of expected) expect(denied).toContain(name);
    if (arch === 'x86_64') expect(denied).toContain('modify_ldt');
    for (const name of denied) expect(run(name), name).toBe(DENY);
    // read/write/openat/exit_group and friends are not in the table: plain numbers.
    const ordinary =
      arch === 'x86_64' ? [0, 1, 2, 3, 9, 57, 59, 231, 257] : [56, 57, 63, 64, 93, 94];
    for (const number of ordinary)
      expect(evaluate(program, native, number)).toBe(SECCOMP_RET_ALLOW);
  });

  it('refuses clone with namespace flags only, and clone3 with ENOSYS', () => {
    const SIGCHLD = 17n;
    const threadFlags = 0x3d0f00n; // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|...TID
    expect(run('clone', [SIGCHLD])).toBe(SECCOMP_RET_ALLOW);
    expect(run('clone', [threadFlags])).toBe(SECCOMP_RET_ALLOW);
    expect(run('clone', [BigInt(CLONE_NEWUSER) | SIGCHLD])).toBe(DENY);
    expect(run('clone', [0x40000000n | SIGCHLD])).toBe(DENY); // CLONE_NEWNET
    expect(run('clone3', [0n, 88n])).toBe(SECCOMP_RET_ERRNO | ENOSYS);
  });

  it('refuses TIOCSTI and TIOCLINUX, also with junk in the high bits, and allows other ioctls', () => {
    expect(run('ioctl', [0n, BigInt(TIOCSTI)])).toBe(DENY);
    expect(run('ioctl', [0n, BigInt(TIOCLINUX)])).toBe(DENY);
    // The kernel truncates cmd to 32 bits; the filter must read it the same way.
    expect(run('ioctl', [0n, (1n << 32n) | BigInt(TIOCSTI)])).toBe(DENY);
    expect(run('ioctl', [0n, 0x5401n])).toBe(SECCOMP_RET_ALLOW); // TCGETS
    expect(run('ioctl', [0n, 0x541bn])).toBe(SECCOMP_RET_ALLOW); // FIONREAD
  });

  it('opens Unix, IP and netlink sockets only: AF_VSOCK and the rest fail with EAFNOSUPPORT', () => {
    const SOCK_STREAM = 1n;
    for (const family of ALLOWED_SOCKET_FAMILIES) {
      expect(run('socket', [BigInt(family), SOCK_STREAM]), `family ${family}`).toBe(
        SECCOMP_RET_ALLOW,
      );
    }
    expect(ALLOWED_SOCKET_FAMILIES).toEqual([1, 2, 10, 16]);
    const refused = SECCOMP_RET_ERRNO | EAFNOSUPPORT;
    // AF_VSOCK, AF_PACKET, AF_ALG, AF_BLUETOOTH, AF_KEY, AF_RDS, AF_TIPC, AF_CAN, AF_XDP.
    for (const family of [40n, 17n, 38n, 31n, 15n, 21n, 30n, 29n, 44n]) {
      expect(run('socket', [family, SOCK_STREAM]), `family ${family}`).toBe(refused);
      expect(run('socketpair', [family, SOCK_STREAM]), `family ${family}`).toBe(refused);
    }
    // Junk in the high half does not turn AF_VSOCK into an allowed family (the kernel reads int).
    expect(run('socket', [(1n << 32n) | 40n, SOCK_STREAM])).toBe(refused);
    expect(run('socketpair', [1n, SOCK_STREAM])).toBe(SECCOMP_RET_ALLOW);
  });

  it('allows personality queries and PER_LINUX only', () => {
    expect(run('personality', [0n])).toBe(SECCOMP_RET_ALLOW);
    expect(run('personality', [0xffffffffn])).toBe(SECCOMP_RET_ALLOW);
    expect(run('personality', [8n])).toBe(DENY); // PER_LINUX32
    expect(run('personality', [0x0040000n])).toBe(DENY); // READ_IMPLIES_EXEC
  });
});

describe('seccomp filter, arch specifics', () => {
  it('denies x32 syscalls on x86_64', () => {
    const program = buildSeccompFilter('x86_64');
    expect(evaluate(program, AUDIT_ARCH_X86_64, 0x40000000 | 0)).toBe(DENY);
    expect(evaluate(program, AUDIT_ARCH_X86_64, 0x40000000 | 101)).toBe(DENY);
  });

  it('uses each arch its own numbers', () => {
    expect(syscallNumber('ptrace', 'x86_64')).toBe(101);
    expect(syscallNumber('ptrace', 'aarch64')).toBe(117);
    expect(syscallNumber('iopl', 'aarch64')).toBeUndefined();
    expect(seccompDeniedSyscalls('x86_64')).toContain('iopl');
    expect(seccompDeniedSyscalls('aarch64')).not.toContain('iopl');
    expect(buildSeccompFilter('x86_64').equals(buildSeccompFilter('aarch64'))).toBe(false);
  });

  it('maps Node arches and rejects the others clearly', () => {
    expect(seccompArch('x64')).toBe('x86_64');
    expect(seccompArch('arm64')).toBe('aarch64');
    expect(() => seccompArch('ia32')).toThrow(/x64 and arm64 only, not ia32/);
    expect(() => seccompArch('riscv64')).toThrow(/seccomp: false/);
    expect(() => buildSeccompFilter('ppc64' as SeccompArch)).toThrow(/x86_64 and aarch64 only/);
  });

  it('documents its argument rules', () => {
    expect(SECCOMP_ARGUMENT_RULES.join('\n')).toMatch(/CLONE_NEWUSER/);
    expect(SECCOMP_ARGUMENT_RULES.join('\n')).toMatch(/AF_VSOCK/);
  });
});
