/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * A classic-BPF seccomp program for sandboxes (bubblewrap's `--seccomp FD`; on Docker the kernel
 * loads it itself, on top of Docker's profile). It is a deny list: ordinary work (files, sockets
 * on the private loopback, threads, subprocesses, numpy/pandas/matplotlib, multiprocessing)
 * keeps running, while the kernel interfaces a sandbox escape usually starts from fail:
 *
 * - with `EPERM`, always ({@link seccompDeniedSyscalls}): other processes' memory and objects
 *   (ptrace, process_vm_readv/writev, process_madvise, pidfd_getfd, kcmp, move_pages,
 *   migrate_pages); big kernel surfaces (io_uring, bpf, perf_event_open, userfaultfd, the
 *   keyrings, memfd_secret, fanotify); mounts, namespaces and chroot; whole-machine
 *   administration (modules, kexec, clocks, swap, reboot, acct, quotas, syslog, host and domain
 *   names); x86's iopl, ioperm, modify_ldt and uselib; file handles (open_by_handle_at, the
 *   "shocker" escape);
 * - by argument ({@link SECCOMP_ARGUMENT_RULES}): namespace flags of clone (clone3 answers
 *   ENOSYS so the C library falls back to clone), TIOCSTI and TIOCLINUX, personalities other
 *   than PER_LINUX (no ASLR switch-off), and sockets of any family but Unix, IP and netlink
 *   (AF_VSOCK, which network namespaces do not isolate, among them: EAFNOSUPPORT).
 *
 * Built here in TypeScript, without libseccomp or a native addon, so the package stays pure JS.
 * The program checks the architecture first: a syscall made through another ABI (i386 on
 * x86_64, AArch32 on arm64) kills the process, because syscall numbers differ per ABI and a deny
 * list keyed on the native numbers would not apply to them.
 */

import {endianness} from 'node:os';

/** Architectures the filter supports (the kernel's names). */
export type SeccompArch = 'x86_64' | 'aarch64';

// Values from <linux/audit.h>, <linux/elf-em.h>, <linux/seccomp.h>, <asm-generic/ioctls.h>,
// <linux/sched.h> and <asm-generic/errno-base.h> / <asm-generic/errno.h>.

/** `AUDIT_ARCH_X86_64`: EM_X86_64 (62) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** `AUDIT_ARCH_AARCH64`: EM_AARCH64 (183) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
/** `SECCOMP_RET_KILL_PROCESS`. */
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
/** `SECCOMP_RET_ERRNO` (the errno goes in the low 16 bits). */
export const SECCOMP_RET_ERRNO = 0x00050000;
/** `SECCOMP_RET_ALLOW`. */
export const SECCOMP_RET_ALLOW = 0x7fff0000;
/** `EPERM`. */
export const EPERM = 1;
/** `ENOSYS`. */
export const ENOSYS = 38;
/** x32 ABI syscalls have this bit set in their number (`__X32_SYSCALL_BIT`). */
export const X32_SYSCALL_BIT = 0x40000000;
/** `TIOCSTI`: pushes bytes into a terminal's input queue (types commands into another shell). */
export const TIOCSTI = 0x5412;
/** `TIOCLINUX`: console ioctls, including selection paste (the same trick on a VT). */
export const TIOCLINUX = 0x541c;
/**
 * Namespace flags of `clone` (CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID |
 * NEWNET). Only CLONE_NEWUSER works without capabilities, but all are refused: none is needed.
 */
export const CLONE_NAMESPACE_FLAGS = 0x7e020000;
/** `CLONE_NEWUSER`. */
export const CLONE_NEWUSER = 0x10000000;
/** `EAFNOSUPPORT`: what `socket` returns for a family the filter refuses. */
export const EAFNOSUPPORT = 97;
/**
 * Socket families a snippet may open: `AF_UNIX` (1), `AF_INET` (2), `AF_INET6` (10) and
 * `AF_NETLINK` (16, which glibc's interface and address lookups use). Every other family fails
 * with EAFNOSUPPORT: `AF_VSOCK` (40) reaches the hypervisor and other VMs and is not isolated by
 * network namespaces; `AF_PACKET`, `AF_ALG`, `AF_BLUETOOTH`, `AF_RDS`, `AF_TIPC` and the rest are
 * kernel surface no analysis needs.
 */
export const ALLOWED_SOCKET_FAMILIES: readonly number[] = [1, 2, 10, 16];

/**
 * Syscall numbers. x86_64: `arch/x86/entry/syscalls/syscall_64.tbl` (installed as
 * `/usr/include/x86_64-linux-gnu/asm/unistd_64.h`). aarch64: the generic table,
 * `include/uapi/asm-generic/unistd.h` (installed as `/usr/include/asm-generic/unistd.h`).
 * Checked against linux-libc-dev 6.1. A name missing for an arch does not exist there.
 */
const SYSCALLS: Record<SeccompArch, Readonly<Record<string, number>>> = {
  x86_64: {
    ioctl: 16,
    socket: 41,
    socketpair: 53,
    clone: 56,
    uselib: 134,
    personality: 135,
    vhangup: 153,
    modify_ldt: 154,
    pivot_root: 155,
    _sysctl: 156,
    adjtimex: 159,
    acct: 163,
    chroot: 161,
    settimeofday: 164,
    mount: 165,
    umount2: 166,
    swapon: 167,
    swapoff: 168,
    reboot: 169,
    sethostname: 170,
    setdomainname: 171,
    iopl: 172,
    ioperm: 173,
    create_module: 174,
    init_module: 175,
    delete_module: 176,
    get_kernel_syms: 177,
    query_module: 178,
    quotactl: 179,
    nfsservctl: 180,
    ptrace: 101,
    syslog: 103,
    lookup_dcookie: 212,
    clock_settime: 227,
    kexec_load: 246,
    add_key: 248,
    request_key: 249,
    keyctl: 250,
    migrate_pages: 256,
    unshare: 272,
    move_pages: 279,
    perf_event_open: 298,
    fanotify_init: 300,
    fanotify_mark: 301,
    name_to_handle_at: 303,
    open_by_handle_at: 304,
    clock_adjtime: 305,
    setns: 308,
    process_vm_readv: 310,
    process_vm_writev: 311,
    kcmp: 312,
    finit_module: 313,
    kexec_file_load: 320,
    bpf: 321,
    userfaultfd: 323,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    clone3: 435,
    pidfd_getfd: 438,
    process_madvise: 440,
    mount_setattr: 442,
    quotactl_fd: 443,
    memfd_secret: 447,
  },
  aarch64: {
    lookup_dcookie: 18,
    ioctl: 29,
    umount2: 39,
    mount: 40,
    pivot_root: 41,
    nfsservctl: 42,
    chroot: 51,
    vhangup: 58,
    quotactl: 60,
    acct: 89,
    personality: 92,
    unshare: 97,
    kexec_load: 104,
    init_module: 105,
    delete_module: 106,
    clock_settime: 112,
    syslog: 116,
    ptrace: 117,
    reboot: 142,
    sethostname: 161,
    setdomainname: 162,
    settimeofday: 170,
    adjtimex: 171,
    socket: 198,
    socketpair: 199,
    add_key: 217,
    request_key: 218,
    keyctl: 219,
    clone: 220,
    swapon: 224,
    swapoff: 225,
    migrate_pages: 238,
    move_pages: 239,
    perf_event_open: 241,
    fanotify_init: 262,
    fanotify_mark: 263,
    name_to_handle_at: 264,
    open_by_handle_at: 265,
    clock_adjtime: 266,
    setns: 268,
    process_vm_readv: 270,
    process_vm_writev: 271,
    kcmp: 272,
    finit_module: 273,
    bpf: 280,
    userfaultfd: 282,
    kexec_file_load: 294,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    clone3: 435,
    pidfd_getfd: 438,
    process_madvise: 440,
    mount_setattr: 442,
    quotactl_fd: 443,
    memfd_secret: 447,
  },
};

/**
 * Syscalls that always fail with EPERM, grouped by why. Names an arch lacks (x86-only legacy
 * calls on aarch64) are skipped for that arch.
 */
const ALWAYS_DENIED: readonly string[] = [
  // Reading or writing other processes' memory, or stealing their descriptors.
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'process_madvise',
  'pidfd_getfd',
  // Comparing other processes' kernel objects, or moving their memory between NUMA nodes.
  'kcmp',
  'move_pages',
  'migrate_pages',
  // Large kernel attack surfaces a snippet never needs.
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'bpf',
  'perf_event_open',
  'userfaultfd',
  'keyctl',
  'add_key',
  'request_key',
  // Memory hidden from the kernel itself (its pages escape every accounting we rely on).
  'memfd_secret',
  // Watching every file access on a filesystem.
  'fanotify_init',
  'fanotify_mark',
  // Mounts and namespaces: the sandbox's view of the system must stay as bwrap built it.
  'mount',
  'umount2',
  'pivot_root',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
  'move_mount',
  'open_tree',
  'mount_setattr',
  'unshare',
  'setns',
  'chroot',
  // Whole-machine administration (fails without capabilities anyway; refused outright).
  'kexec_load',
  'kexec_file_load',
  'init_module',
  'finit_module',
  'delete_module',
  'create_module',
  'get_kernel_syms',
  'query_module',
  'settimeofday',
  'clock_settime',
  'clock_adjtime',
  'adjtimex',
  'swapon',
  'swapoff',
  'reboot',
  'acct',
  'quotactl',
  'quotactl_fd',
  'lookup_dcookie',
  'syslog',
  'vhangup',
  'nfsservctl',
  '_sysctl',
  'sethostname',
  'setdomainname',
  // Direct hardware access, legacy loaders and per-process segment tables (x86 only; the LDT
  // has been the way into several kernel bugs).
  'iopl',
  'ioperm',
  'uselib',
  'modify_ldt',
  // File handles bypass path-based checks (the "shocker" container escape).
  'name_to_handle_at',
  'open_by_handle_at',
];

/** Rules that look at arguments, for documentation (see {@link buildSeccompFilter}). */
export const SECCOMP_ARGUMENT_RULES: readonly string[] = [
  'clone with any CLONE_NEW* namespace flag (CLONE_NEWUSER included): EPERM',
  'clone3: ENOSYS, so the C library falls back to clone, whose flags the filter can read',
  'ioctl TIOCSTI and TIOCLINUX: EPERM',
  'socket and socketpair with a family other than AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK (AF_VSOCK, AF_PACKET, AF_ALG, ...): EAFNOSUPPORT',
  'personality: EPERM unless the persona is 0 (PER_LINUX) or 0xffffffff (a query)',
  'x86_64 x32-ABI syscalls (number >= 0x40000000): EPERM',
  'a syscall made with another architecture (i386, AArch32): the process is killed',
];

/** The filter's architecture for a Node `process.arch`. */
export function seccompArch(nodeArch: string = process.arch): SeccompArch {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'aarch64';
  throw new Error(
    `the seccomp filter supports x64 and arm64 only, not ${nodeArch}: disable it (seccomp: false)`,
  );
}

/** Number of syscall `name` on `arch`, or undefined when that arch has no such syscall. */
export function syscallNumber(name: string, arch: SeccompArch = seccompArch()): number | undefined {
  return Object.hasOwn(SYSCALLS[arch], name) ? SYSCALLS[arch][name] : undefined;
}

/** Names of the syscalls that always fail with EPERM on `arch` (argument rules aside). */
export function seccompDeniedSyscalls(arch: SeccompArch = seccompArch()): string[] {
  return ALWAYS_DENIED.filter((name) => syscallNumber(name, arch) !== undefined);
}

// Classic BPF opcodes (<linux/bpf_common.h>).
const BPF_LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const BPF_JSET_K = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const BPF_RET_K = 0x06; // BPF_RET | BPF_K
/** `BPF_MAXINSNS`: the kernel rejects longer programs. */
const MAX_INSTRUCTIONS = 4096;

// Offsets in struct seccomp_data {int nr; u32 arch; u64 instruction_pointer; u64 args[6];}.
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
/** Low 32 bits of argument `i` (both arches are little endian). */
const argLow = (i: number) => 16 + 8 * i;

/** A jump target: the next instruction (0) or a label resolved when the program is assembled. */
type Target = 0 | string;

interface Instruction {
  code: number;
  jt: Target;
  jf: Target;
  k: number;
}

const load = (offset: number): Instruction => ({code: BPF_LD_W_ABS, jt: 0, jf: 0, k: offset});
const ret = (k: number): Instruction => ({code: BPF_RET_K, jt: 0, jf: 0, k});
const jump = (code: number, k: number, jt: Target, jf: Target): Instruction => ({
  code,
  jt,
  jf,
  k,
});

/** Resolves labels into relative jumps and encodes `struct sock_filter` entries. */
function assemble(items: Array<Instruction | {label: string}>): Buffer {
  const labels = new Map<string, number>();
  const instructions: Instruction[] = [];
  for (const item of items) {
    if ('label' in item) labels.set(item.label, instructions.length);
    else instructions.push(item);
  }
  if (instructions.length > MAX_INSTRUCTIONS) {
    throw new Error(`seccomp program too long: ${instructions.length} instructions`);
  }
  const out = Buffer.alloc(instructions.length * 8);
  instructions.forEach((insn, index) => {
    const offset = (target: Target): number => {
      if (target === 0) return 0;
      const at = labels.get(target);
      if (at === undefined) throw new Error(`seccomp program: unknown label ${target}`);
      const distance = at - index - 1;
      // Classic BPF jumps only forward, by at most 255 instructions.
      if (distance < 0 || distance > 255) {
        throw new Error(`seccomp program: jump to ${target} out of range (${distance})`);
      }
      return distance;
    };
    out.writeUInt16LE(insn.code, index * 8);
    out.writeUInt8(offset(insn.jt), index * 8 + 2);
    out.writeUInt8(offset(insn.jf), index * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, index * 8 + 4);
  });
  return out;
}

/**
 * Builds the seccomp program for `arch` (default: this process's): a Buffer of
 * `struct sock_filter` entries (8 bytes each, little endian), ready for bubblewrap's
 * `--seccomp FD`. Argument checks read only the low 32 bits, which is what the kernel itself
 * uses for those arguments (`unsigned int` cmd and persona, the truncated clone flags), so high
 * garbage bits cannot slip past them.
 *
 * @throws Error on an architecture other than x86_64 or aarch64, or on a big-endian host.
 */
export function buildSeccompFilter(arch: SeccompArch = seccompArch()): Buffer {
  if (arch !== 'x86_64' && arch !== 'aarch64') {
    throw new Error(`the seccomp filter supports x86_64 and aarch64 only, not ${String(arch)}`);
  }
  if (endianness() !== 'LE') {
    throw new Error('the seccomp filter supports little-endian hosts only');
  }
  const nr = (name: string): number => {
    const value = syscallNumber(name, arch);
    if (value === undefined) throw new Error(`no syscall ${name} on ${arch}`);
    return value;
  };
  const items: Array<Instruction | {label: string}> = [
    load(OFFSET_ARCH),
    jump(BPF_JEQ_K, arch === 'x86_64' ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_AARCH64, 0, 'kill'),
    load(OFFSET_NR),
  ];
  if (arch === 'x86_64') items.push(jump(BPF_JGE_K, X32_SYSCALL_BIT, 'deny', 0));
  items.push(
    jump(BPF_JEQ_K, nr('clone'), 'clone', 0),
    jump(BPF_JEQ_K, nr('clone3'), 'enosys', 0),
    jump(BPF_JEQ_K, nr('ioctl'), 'ioctl', 0),
    jump(BPF_JEQ_K, nr('personality'), 'personality', 0),
    jump(BPF_JEQ_K, nr('socket'), 'socket', 0),
    jump(BPF_JEQ_K, nr('socketpair'), 'socket', 0),
  );
  for (const name of seccompDeniedSyscalls(arch)) {
    items.push(jump(BPF_JEQ_K, nr(name), 'deny', 0));
  }
  items.push(
    ret(SECCOMP_RET_ALLOW),
    // clone(flags, ...): flags is the first argument on both arches.
    {label: 'clone'},
    load(argLow(0)),
    jump(BPF_JSET_K, CLONE_NAMESPACE_FLAGS, 'deny', 'allow'),
    {label: 'ioctl'},
    load(argLow(1)),
    jump(BPF_JEQ_K, TIOCSTI, 'deny', 0),
    jump(BPF_JEQ_K, TIOCLINUX, 'deny', 'allow'),
    {label: 'personality'},
    load(argLow(0)),
    jump(BPF_JEQ_K, 0, 'allow', 0),
    jump(BPF_JEQ_K, 0xffffffff, 'allow', 'deny'),
    // socket(domain, ...) and socketpair(domain, ...): the family is the first argument.
    {label: 'socket'},
    load(argLow(0)),
    ...ALLOWED_SOCKET_FAMILIES.map((family) => jump(BPF_JEQ_K, family, 'allow', 0)),
    ret(SECCOMP_RET_ERRNO | EAFNOSUPPORT),
    {label: 'deny'},
    ret(SECCOMP_RET_ERRNO | EPERM),
    {label: 'enosys'},
    ret(SECCOMP_RET_ERRNO | ENOSYS),
    {label: 'allow'},
    ret(SECCOMP_RET_ALLOW),
    {label: 'kill'},
    ret(SECCOMP_RET_KILL_PROCESS),
  );
  return assemble(items);
}
