# @license
# Copyright 2026 adk-coding-agent authors
# SPDX-License-Identifier: Apache-2.0

"""The supervisor of adk-coding-agent's Python kernel: the one process that talks to the host.

Run as ``python3 -I kernel.py [options]`` (see parse_args); standard library only (Python
3.11+). It starts ``interpreter.py`` beside it as its child, which holds the snippets' namespace,
and relays messages between the host (this process's stdin/stdout) and the interpreter (a socket
of its own). ``src/kernel/PROTOCOL.md`` specifies both channels.

Why two processes: the snippet runs in the interpreter and can do anything there, so nothing the
host relies on lives there. This process holds the only descriptors to the host, is not dumpable
(a same-user snippet cannot open ``/proc/<pid>/fd/*`` or its memory), runs as PID 1 of the
sandbox where there is a pid namespace (signals from inside do not reach it), and owns the
capture sockets of the interpreter's fds 1 and 2: it decides where an execution's output starts
and ends, streams it, caps it, collects output files, stops the processes a snippet left
running, and frames every result. Anything the interpreter sends that breaks the protocol ends
the execution with a ``ProtocolError`` and the kernel.
"""

import argparse
import base64
import binascii
import codecs
import collections
import fcntl
import json
import os
import re
import resource
import selectors
import signal
import socket
import stat
import struct
import sys
import termios
import time

# Output: streamed in chunks of at most this many bytes, at most once per interval per stream.
OUTPUT_CHUNK_BYTES = 32 * 1024
OUTPUT_INTERVAL_S = 0.1
# Notes this process adds to an execution's stderr (skipped files, dropped output), in characters.
MAX_NOTES_CHARS = 8 * 1024
# Tool calls of one execution waiting for the host at once; more are refused here.
MAX_TOOL_CALLS_IN_FLIGHT = 64
# Background processes named in a result (all are stopped).
MAX_STOPPED_SHOWN = 20
MAX_COMMAND_CHARS = 200
SWEEP_ROUNDS = 200
MAX_ERROR_MESSAGE_CHARS = 64 * 1024 + 100
MAX_TRACEBACK_CHARS = 20_000 + 100
# Leave the interpreter's channel unread while this many bytes wait to go to the host.
HOST_HIGH_WATER = 4 * 1024 * 1024

EXECUTION_ID = re.compile(r'[A-Za-z0-9_.:-]{1,64}\Z')
CALL_ID = re.compile(r'call-([1-9][0-9]{0,17})\Z')
TOOL_RESULT_HEAD = re.compile(rb'\{"type":"tool_result","callId":"(call-[0-9]{1,18})"')
BASE64_TEXT = re.compile(r'[A-Za-z0-9+/]*={0,2}\Z')
FIGURE_MAGIC = {
    'image/png': (b'\x89PNG\r\n\x1a\n',),
    'image/jpeg': (b'\xff\xd8\xff',),
    'image/gif': (b'GIF87a', b'GIF89a'),
    'image/webp': (b'RIFF',),
}
PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 4, 22, 36, 38
# Signals whose default action would end the supervisor: ignored here, default again in children.
IGNORED_SIGNALS = (
    signal.SIGHUP,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGTERM,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGALRM,
    signal.SIGTSTP,
    signal.SIGTTIN,
    signal.SIGTTOU,
    signal.SIGPIPE,
    signal.SIGXFSZ,
)


class Violation(Exception):
    """The interpreter broke the protocol; the message says how."""


def diagnose(text):
    """A line on the supervisor's stderr (the host keeps its tail for error messages)."""
    try:
        os.write(2, (f'kernel supervisor: {text}\n').encode('utf-8', 'replace'))
    except OSError:
        pass


# ASCII JSON: lone surrogates and the like cannot break the UTF-8 stream.
_ENCODER = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(',', ':'))


def encode(message):
    return (_ENCODER.encode(message) + '\n').encode('ascii')


def tool_error(call_id, message):
    """A `tool_result` line failing `call_id` with a ToolError (answers the supervisor makes)."""
    return encode(
        {
            'type': 'tool_result',
            'callId': call_id,
            'ok': False,
            'error': {'type': 'ToolError', 'message': message},
        }
    )


def reject_constant(name):
    raise ValueError(f'{name} is not JSON')


# ---------------------------------------------------------------------------------------------
# Plumbing: lines in, bytes out


class Lines:
    """Splits a byte stream into lines without holding more than `cap` bytes of one line."""

    def __init__(self, cap):
        self.cap = cap
        self.buffer = bytearray()

    def feed(self, data):
        """Returns the complete lines in `data`; raises Violation when a line exceeds the cap."""
        start = len(self.buffer)
        self.buffer += data
        lines = []
        begin = 0
        end = self.buffer.find(b'\n', start)
        while end >= 0:
            if end - begin > self.cap:
                raise Violation(
                    f'sent a message of {end - begin} bytes, over the {self.cap}-byte limit'
                )
            lines.append(bytes(self.buffer[begin:end]))
            begin = end + 1
            end = self.buffer.find(b'\n', begin)
        del self.buffer[:begin]
        if len(self.buffer) > self.cap:
            raise Violation(f'sent a message of more than {self.cap} bytes (the limit)')
        return lines


class Outbox:
    """Bytes waiting to be written to a non-blocking descriptor."""

    def __init__(self, fd):
        self.fd = fd
        self.chunks = collections.deque()
        self.size = 0

    def put(self, data):
        if data:
            self.chunks.append(memoryview(data))
            self.size += len(data)

    def flush(self):
        """Writes what the descriptor takes now; raises OSError when the reader is gone."""
        while self.chunks:
            chunk = self.chunks[0]
            try:
                written = os.write(self.fd, chunk)
            except BlockingIOError:
                return
            self.size -= written
            if written == len(chunk):
                self.chunks.popleft()
            else:
                self.chunks[0] = chunk[written:]

    def drain(self, timeout):
        """Writes everything, waiting up to `timeout` seconds; used on the way out."""
        deadline = time.monotonic() + timeout
        while self.chunks and time.monotonic() < deadline:
            try:
                self.flush()
            except OSError:
                return
            if self.chunks:
                time.sleep(0.005)


def queued_bytes(fd):
    """Bytes waiting to be read on a socket (FIONREAD)."""
    return struct.unpack('i', fcntl.ioctl(fd, termios.FIONREAD, b'\0\0\0\0'))[0]


# ---------------------------------------------------------------------------------------------
# Output capture


class Capture:
    """One of the interpreter's output streams during an execution.

    The first half of the cap is streamed to the host as it arrives (rate-limited); past it
    only the last half is kept, and sent with a marker counting the dropped bytes when the
    execution ends. So the host receives at most the cap, whatever the snippet prints.
    """

    def __init__(self, name, sock, cap):
        self.name = name
        self.sock = sock
        self.fd = sock.fileno()
        self.head_cap = cap // 2
        self.tail_cap = cap - self.head_cap
        self.live = False
        self.between = 0
        self.start()

    def start(self):
        self.head_taken = 0
        self.pending = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.decoder = codecs.getincrementaldecoder('utf-8')('replace')
        self.last_sent = 0.0

    def add(self, data):
        if not self.live:
            self.between += len(data)
            return
        self.total += len(data)
        room = self.head_cap - self.head_taken
        if room > 0:
            taken = data[:room]
            self.pending += taken
            self.head_taken += len(taken)
            data = data[room:]
        if data and self.tail_cap > 0:
            self.tail += data
            # Trim lazily so a long stream of small writes stays linear.
            if len(self.tail) > 2 * self.tail_cap + 65536:
                del self.tail[: len(self.tail) - self.tail_cap]

    def read_available(self, limit=None):
        """Reads what is queued on the socket now (all of it, or `limit` bytes)."""
        want = queued_bytes(self.fd) if limit is None else limit
        while want > 0:
            try:
                data = self.sock.recv(min(want, 1 << 16), socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return
            if not data:
                return
            want -= len(data)
            self.add(data)

    def due(self, now):
        """When the next chunk may be sent (None: nothing pending)."""
        if not self.pending:
            return None
        return self.last_sent + OUTPUT_INTERVAL_S

    def stream(self, send, now, everything=False):
        """Sends pending head bytes: one chunk when due, or all of them at the end."""
        while self.pending and (everything or now >= self.last_sent + OUTPUT_INTERVAL_S):
            chunk = bytes(self.pending[:OUTPUT_CHUNK_BYTES])
            del self.pending[:OUTPUT_CHUNK_BYTES]
            self.last_sent = now
            send(self.name, self.decoder.decode(chunk))
            if not everything:
                return

    def finish(self, send, notes=''):
        """Sends the rest at the end of the execution: the head, the dropped count, the tail."""
        self.stream(send, time.monotonic(), everything=True)
        rest = self.decoder.decode(b'', final=True)
        tail = bytes(self.tail[-self.tail_cap :]) if self.tail_cap > 0 else b''
        dropped = self.total - self.head_taken - len(tail)
        if dropped > 0:
            rest += f'\n[... {dropped} bytes of output dropped ...]\n'
        rest += tail.decode('utf-8', 'replace')
        if notes:
            rest += ('' if not rest or rest.endswith('\n') else '\n') + notes
        for index in range(0, len(rest), OUTPUT_CHUNK_BYTES):
            send(self.name, rest[index : index + OUTPUT_CHUNK_BYTES])
        self.live = False
        self.start()


# ---------------------------------------------------------------------------------------------
# Processes


def children_of(pid):
    """Direct children of `pid` (of every one of its threads)."""
    found = []
    try:
        tids = os.listdir(f'/proc/{pid}/task')
    except OSError:
        return found
    for tid in tids:
        try:
            with open(f'/proc/{pid}/task/{tid}/children', 'rb') as handle:
                found.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            pass
    return found


def is_zombie(pid):
    try:
        with open(f'/proc/{pid}/stat', 'rb') as handle:
            text = handle.read()
        return text[text.rindex(b')') + 2 : text.rindex(b')') + 3] in (b'Z', b'X')
    except (OSError, ValueError):
        return True


def command_of(pid):
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as handle:
            text = handle.read(4 * MAX_COMMAND_CHARS).replace(b'\0', b' ').strip()
        if not text:
            with open(f'/proc/{pid}/comm', 'rb') as handle:
                text = b'[' + handle.read().strip() + b']'
    except OSError:
        text = b'?'
    command = text.decode('utf-8', 'replace')
    # Only printable characters reach the host: a process names itself.
    command = ''.join(ch if ch.isprintable() else '?' for ch in command)
    return command[:MAX_COMMAND_CHARS]


def background_processes(interpreter):
    """Every live process below this one except the interpreter (its children included)."""
    found = []
    stack = [os.getpid()]
    while stack:
        for child in children_of(stack.pop()):
            if child != interpreter and not is_zombie(child):
                found.append(child)
            stack.append(child)
    return found


def reap():
    """Collects exited children (orphans come here: this process is their subreaper or PID 1)."""
    exited = {}
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return exited
        if pid == 0:
            return exited
        exited[pid] = status


# ---------------------------------------------------------------------------------------------
# Output files


def valid_file_name(name):
    if len(name) > 1024 or '\\' in name:
        return False
    if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in name):
        return False
    try:
        name.encode('utf-8')
    except UnicodeEncodeError:
        return False
    return True


class OutputFolder:
    """Finds the files an execution created or changed in the output folder."""

    def __init__(self, path, max_files, max_file_bytes):
        self.path = os.path.abspath(path)
        self.max_files = max_files
        self.max_file_bytes = max_file_bytes
        self.mimetypes = None

    def snapshot(self):
        snapshot = {}
        try:
            os.makedirs(self.path, exist_ok=True)
        except OSError:
            return snapshot
        for root, _dirs, names in os.walk(self.path):  # does not follow symlinks
            for name in names:
                path = os.path.join(root, name)
                try:
                    info = os.lstat(path)
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    snapshot[path] = (info.st_mtime_ns, info.st_size, info.st_ino)
                if len(snapshot) >= 10 * self.max_files:
                    return snapshot
        return snapshot

    def changed(self, before, used, max_total, notes):
        """(name, mimeType, bytes) of each new or changed file within the caps; notes the rest."""
        after = self.snapshot()
        paths = sorted(path for path, key in after.items() if before.get(path) != key)
        files = []
        for path in paths:
            name = os.path.relpath(path, self.path).replace(os.sep, '/')
            size = after[path][1]
            if len(files) >= self.max_files:
                notes.append(f'[more than {self.max_files} new files: the rest were not returned]')
                break
            if not valid_file_name(name):
                notes.append(f'[file {name!r} was not returned: its name has control characters]')
                continue
            if size > self.max_file_bytes:
                notes.append(
                    f'[file {name} ({size} bytes) was not returned: '
                    f'larger than the limit of {self.max_file_bytes} bytes per file]'
                )
                continue
            if used + size > max_total:
                notes.append(
                    f'[file {name} ({size} bytes) was not returned: the limit of '
                    f'{max_total} bytes of files per execution was reached]'
                )
                continue
            data = self.read(path, notes, name)
            if data is None:
                continue
            used += len(data)
            files.append((name, self.mime_type(name), data))
        return files

    def read(self, path, notes, name):
        # O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO is refused, not waited on.
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as error:
            notes.append(f'[file {name} could not be read: {error.strerror}]')
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            chunks = []
            size = 0
            while size <= self.max_file_bytes:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except OSError as error:
            notes.append(f'[file {name} could not be read: {error.strerror}]')
            return None
        finally:
            os.close(fd)
        return b''.join(chunks) if size <= self.max_file_bytes else None

    def mime_type(self, name):
        if self.mimetypes is None:
            import mimetypes

            self.mimetypes = mimetypes
        return self.mimetypes.guess_type(name)[0] or 'application/octet-stream'


# ---------------------------------------------------------------------------------------------
# The supervisor


class Execution:
    """The execution the interpreter is running."""

    def __init__(self, execution_id, files_before):
        self.id = execution_id
        self.files_before = files_before
        self.calls = set()
        self.figures = 0
        self.file_bytes = 0
        self.snapshot_bytes = 0


class Supervisor:
    def __init__(self, args):
        self.args = args
        self.cap = args.max_message_bytes
        self.selector = selectors.DefaultSelector()
        self.host_in = Lines(self.cap)
        self.host_out = Outbox(1)
        self.from_interpreter = Lines(self.cap)
        self.output = OutputFolder(args.output_dir, args.max_files, args.max_file_bytes)
        self.queue = collections.deque()
        self.live = None
        self.last_call = 0
        self.interpreter = None
        self.ready = False
        self.tool_backlog_limit = args.max_queued_bytes
        self.next_reap = 0.0

    # -- start ---------------------------------------------------------------------------------

    def start(self):
        channel, self.channel_far = socket.socketpair()
        out, out_far = socket.socketpair()
        err, err_far = socket.socketpair()
        for near in (out, err):
            # The interpreter's fds 1/2 write only: this side never sends anything back.
            near.shutdown(socket.SHUT_WR)
        self.channel = channel
        self.to_interpreter = Outbox(channel.fileno())
        self.stdout = Capture('stdout', out, self.args.max_output_bytes)
        self.stderr = Capture('stderr', err, self.args.max_output_bytes)
        for sock in (channel, out, err):
            sock.setblocking(False)
        os.set_blocking(0, False)
        os.set_blocking(1, False)
        self.interpreter = self.spawn(channel_far=self.channel_far, out=out_far, err=err_far)
        for sock in (self.channel_far, out_far, err_far):
            sock.close()
        self.selector.register(0, selectors.EVENT_READ, self.on_host_readable)
        self.watched = {}
        self.watch(channel, selectors.EVENT_READ, self.on_interpreter_readable)
        for capture in (self.stdout, self.stderr):
            self.selector.register(capture.sock, selectors.EVENT_READ, capture)
        try:
            pidfd = os.pidfd_open(self.interpreter)
            self.selector.register(pidfd, selectors.EVENT_READ, self.on_interpreter_exit)
        except (AttributeError, OSError):
            pass  # the periodic reap notices the exit instead

    def spawn(self, channel_far, out, err):
        args = self.args
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'interpreter.py')
        argv = [
            sys.executable,
            '-I',
            path,
            '--authorized-imports',
            args.authorized_imports,
            '--output-dir',
            args.output_dir,
            '--preload',
            args.preload,
            '--max-output-bytes',
            str(args.max_output_bytes),
            '--max-figures',
            str(args.max_figures),
            '--max-file-bytes',
            str(args.max_file_bytes),
            '--max-total-file-bytes',
            str(args.max_total_file_bytes),
            '--max-message-bytes',
            str(args.max_message_bytes),
        ]
        devnull = os.open(os.devnull, os.O_RDONLY)
        # Sources above 9, so no dup2 below has the same source and target.
        targets = (devnull, out.fileno(), err.fileno(), channel_far.fileno())
        sources = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in targets]
        os.close(devnull)
        try:
            return os.posix_spawn(
                sys.executable,
                argv,
                dict(os.environ),
                file_actions=[(os.POSIX_SPAWN_DUP2, fd, to) for to, fd in enumerate(sources)],
                setsigdef=IGNORED_SIGNALS,
            )
        finally:
            for fd in sources:
                os.close(fd)

    # -- the loop ------------------------------------------------------------------------------

    def run(self):
        while True:
            now = time.monotonic()
            timeout = 1.0
            for capture in (self.stdout, self.stderr):
                due = capture.due(now) if capture.live else None
                if due is not None:
                    timeout = min(timeout, max(0.0, due - now))
            self.update_interest()
            for key, events in self.selector.select(timeout):
                handler = key.data
                if isinstance(handler, Capture):
                    handler.read_available()
                elif handler is not None and events & selectors.EVENT_READ:
                    handler()
            now = time.monotonic()
            if self.live is not None:
                for capture in (self.stdout, self.stderr):
                    capture.stream(self.send_output, now)
            if now >= self.next_reap:
                # Orphans are collected now and then; the interpreter's exit wakes its pidfd.
                self.next_reap = now + 0.5
                self.check_interpreter()
            self.flush_host()
            self.flush_interpreter()

    def update_interest(self):
        """What the next select waits for: the interpreter's channel readable (unless the host is
        behind) and writable (when something waits for it), the host's pipe writable (likewise)."""
        # Backpressure: the interpreter's messages wait in its socket while the host is slow.
        events = selectors.EVENT_READ if self.host_out.size < HOST_HIGH_WATER else 0
        if self.to_interpreter.size:
            events |= selectors.EVENT_WRITE
        self.watch(self.channel, events, self.on_interpreter_readable)
        self.watch(1, selectors.EVENT_WRITE if self.host_out.size else 0, None)

    def watch(self, fileobj, events, handler):
        """Registers `fileobj` for `events` (none: unregistered), when that changes."""
        key = fileobj if isinstance(fileobj, int) else fileobj.fileno()
        if self.watched.get(key, 0) == events:
            return
        if self.watched.get(key, 0) and events:
            self.selector.modify(fileobj, events, handler)
        elif events:
            self.selector.register(fileobj, events, handler)
        else:
            self.selector.unregister(fileobj)
        self.watched[key] = events

    def flush_host(self):
        try:
            self.host_out.flush()
        except OSError:
            self.terminate(0)  # the host is gone

    def flush_interpreter(self):
        try:
            self.to_interpreter.flush()
        except OSError:
            pass  # the interpreter is gone: its exit is handled when it is reaped
        if self.live is not None and self.to_interpreter.size > self.tool_backlog_limit:
            self.violation(
                f'stopped reading what the host sent it ({self.to_interpreter.size} bytes of '
                f'tool results queued, over the limit of {self.tool_backlog_limit})'
            )

    def check_interpreter(self):
        exited = reap()
        if self.interpreter in exited:
            self.interpreter_exited(exited[self.interpreter])

    def on_interpreter_exit(self):
        self.check_interpreter()

    def interpreter_exited(self, status):
        # What was printed before the end still reaches the host; then the kernel ends with the
        # interpreter's status (128 + signal for a kill), which the host reports as KernelDied.
        self.flush_output()
        code = os.waitstatus_to_exitcode(status)
        self.interpreter = None
        self.terminate(128 - code if code < 0 else code)

    def flush_output(self):
        """Sends the running execution's output so far, before the kernel ends without a result."""
        if self.live is not None:
            for capture in (self.stdout, self.stderr):
                capture.read_available()
                capture.finish(self.send_output)

    def terminate(self, code):
        """Stops every process of the session, hands the host what is queued, and exits."""
        self.stop_processes(include_interpreter=True)
        self.host_out.drain(2.0)
        os._exit(code)

    # -- host ----------------------------------------------------------------------------------

    def on_host_readable(self):
        try:
            data = os.read(0, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b''
        if not data:
            self.terminate(0)  # the host closed the channel: it exited, or the attach stream closed
        try:
            lines = self.host_in.feed(data)
        except Violation as error:
            diagnose(f'host sent {error}')
            self.terminate(1)
        for line in lines:
            self.on_host_line(line)

    def on_host_line(self, line):
        head = TOOL_RESULT_HEAD.match(line)
        if head:
            # The host's own encoding (JSON.stringify): forwarded without parsing megabytes.
            self.forward_tool_result(head.group(1).decode('ascii'), line)
            return
        try:
            message = json.loads(line)
        except ValueError:
            diagnose('host sent a line that is not JSON')
            return
        kind = message.get('type') if isinstance(message, dict) else None
        if kind == 'tool_result':
            self.forward_tool_result(message.get('callId'), line)
        elif kind == 'execute':
            execution_id = message.get('id')
            if isinstance(execution_id, str) and EXECUTION_ID.match(execution_id):
                # Forwarded as the host wrote it (the interpreter reads id and code).
                self.queue.append((execution_id, line + b'\n'))
                self.start_next()
        elif kind == 'configure':
            self.to_interpreter.put(line + b'\n')
        elif kind == 'shutdown':
            self.terminate(0)

    def forward_tool_result(self, call_id, line):
        # A result for a call that is not waiting (its execution ended) is dropped.
        if self.live is not None and call_id in self.live.calls:
            self.live.calls.discard(call_id)
            self.to_interpreter.put(line + b'\n')

    def send(self, message):
        self.host_out.put(encode(message))

    def send_output(self, stream, text):
        if text:
            self.send({'type': 'output', 'id': self.live.id, 'stream': stream, 'text': text})

    # -- executions ----------------------------------------------------------------------------

    def start_next(self):
        if self.live is not None or not self.ready or not self.queue:
            return
        execution_id, line = self.queue.popleft()
        self.live = Execution(execution_id, self.output.snapshot())
        notes = []
        for capture in (self.stdout, self.stderr):
            # What arrived between executions belongs to neither (see PROTOCOL.md).
            capture.read_available()
            if capture.between:
                notes.append(
                    f'[{capture.between} bytes written to {capture.name} between executions '
                    '(by threads or processes still running) were dropped]'
                )
                capture.between = 0
            capture.live = True
        self.pending_notes = notes
        self.to_interpreter.put(line)

    def finish(self, done):
        live = self.live
        # The output of the execution is what was written before the interpreter said `done`:
        # exactly the bytes queued on the capture sockets now.
        for capture in (self.stdout, self.stderr):
            capture.read_available()
        stopped = [] if self.args.keep_background_processes else self.stop_processes()
        notes = self.pending_notes
        for name, mime_type, data in self.output.changed(
            live.files_before, live.file_bytes, self.args.max_total_file_bytes, notes
        ):
            self.send(
                {
                    'type': 'file',
                    'id': live.id,
                    'name': name,
                    'mimeType': mime_type,
                    'data': base64.b64encode(data).decode('ascii'),
                }
            )
        note_text = ''.join(f'{line}\n' for line in notes)
        if len(note_text) > MAX_NOTES_CHARS:
            note_text = note_text[: MAX_NOTES_CHARS - 40] + '\n[... more notes dropped ...]\n'
        self.stdout.finish(self.send_output)
        self.stderr.finish(self.send_output, note_text)
        for call_id in sorted(live.calls):
            message = 'the execution ended before the tool answered'
            self.to_interpreter.put(tool_error(call_id, message))
        result = {
            'type': 'result',
            'id': live.id,
            'value': done.get('value'),
            'error': done.get('error'),
        }
        if 'finalAnswer' in done:
            result['finalAnswer'] = done['finalAnswer']
        if stopped:
            shown = stopped[:MAX_STOPPED_SHOWN]
            result['stoppedProcesses'] = {
                'count': len(stopped),
                'processes': [{'pid': pid, 'command': command} for pid, command in shown],
            }
        self.send(result)
        self.live = None
        self.start_next()

    def stop_processes(self, include_interpreter=False):
        """SIGKILLs every process a snippet left running, until none is left; returns them."""
        stopped = {}
        if include_interpreter and self.interpreter:
            try:
                os.kill(self.interpreter, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for _round in range(SWEEP_ROUNDS):
            found = background_processes(self.interpreter)
            if not found:
                break
            for pid in found:
                if pid not in stopped:
                    stopped[pid] = command_of(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            exited = reap()
            if self.interpreter in exited and not include_interpreter:
                self.interpreter_exited(exited[self.interpreter])
            time.sleep(0.001)
        return sorted(stopped.items())

    # -- interpreter ---------------------------------------------------------------------------

    def on_interpreter_readable(self):
        try:
            data = self.channel.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b''
        if not data:
            # Its end closed: it is exiting (then its status decides), or it closed the channel.
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                self.check_interpreter()
                time.sleep(0.01)
            self.violation('closed its channel')
        try:
            for line in self.from_interpreter.feed(data):
                self.on_interpreter_line(line)
        except Violation as error:
            self.violation(str(error))

    def on_interpreter_line(self, line):
        try:
            message = json.loads(line, parse_constant=reject_constant)
        except (ValueError, RecursionError):
            raise Violation('sent a message that is not JSON') from None
        if not isinstance(message, dict):
            raise Violation('sent a message that is not a JSON object')
        kind = message.get('type')
        if not self.ready:
            if kind != 'ready':
                raise Violation(f'sent {kind!r} before ready')
            self.on_ready(message)
            return
        if self.live is None or message.get('id') != self.live.id:
            raise Violation(f'sent a {kind!r} message for an execution that is not running')
        # A tool call or figure goes to the host as the interpreter wrote it, once checked: both
        # sides parse JSON the same way, and re-encoding megabytes would cost each call.
        if kind == 'tool_call':
            self.on_tool_call(message, line)
        elif kind == 'figure':
            self.on_figure(message, line)
        elif kind == 'snapshot':
            self.on_snapshot(message, line)
        elif kind == 'done':
            self.on_done(message)
        else:
            raise Violation(f'sent a message of unknown type {kind!r}')

    def on_ready(self, message):
        python, packages = message.get('python'), message.get('packages')
        well_formed = isinstance(python, str) and isinstance(packages, dict)
        if set(message) != {'type', 'python', 'packages'} or not well_formed:
            raise Violation('sent a malformed ready message')
        self.ready = True
        self.send(
            {
                'type': 'ready',
                'python': python[:100],
                'packages': packages,
                'outputDir': self.output.path,
            }
        )
        self.start_next()

    def on_tool_call(self, message, line):
        call_id, name, args = message.get('callId'), message.get('name'), message.get('args')
        number = CALL_ID.match(call_id) if isinstance(call_id, str) else None
        if set(message) != {'type', 'id', 'callId', 'name', 'args'} or not number:
            raise Violation('sent a malformed tool_call')
        if int(number.group(1)) <= self.last_call:
            raise Violation(f'sent a tool_call whose callId {call_id} was used before')
        if not isinstance(name, str) or not 0 < len(name) <= 256 or not name.isprintable():
            raise Violation('sent a tool_call with an invalid tool name')
        if not isinstance(args, dict):
            raise Violation('sent a tool_call whose args are not an object')
        self.last_call = int(number.group(1))
        if len(self.live.calls) >= MAX_TOOL_CALLS_IN_FLIGHT:
            self.to_interpreter.put(
                tool_error(
                    call_id,
                    f'{name}: too many tool calls at once ({MAX_TOOL_CALLS_IN_FLIGHT} are '
                    'waiting); use fewer threads',
                )
            )
            return
        self.live.calls.add(call_id)
        self.host_out.put(line + b'\n')

    def on_figure(self, message, line):
        mime_type, data = message.get('mimeType'), message.get('data')
        well_formed = mime_type in FIGURE_MAGIC and isinstance(data, str)
        if set(message) != {'type', 'id', 'mimeType', 'data'} or not well_formed:
            raise Violation('sent a malformed figure (only PNG, JPEG, GIF and WebP are figures)')
        if self.live.figures >= self.args.max_figures:
            raise Violation(f'sent more than {self.args.max_figures} figures')
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise Violation('sent a figure that is not base64') from None
        webp_ok = mime_type != 'image/webp' or raw[8:12] == b'WEBP'
        if not raw.startswith(FIGURE_MAGIC[mime_type]) or not webp_ok:
            raise Violation(f'sent a figure whose bytes are not {mime_type}')
        total = self.live.file_bytes + len(raw)
        if len(raw) > self.args.max_file_bytes or total > self.args.max_total_file_bytes:
            raise Violation('sent figures over the size limits')
        self.live.figures += 1
        self.live.file_bytes += len(raw)
        self.host_out.put(line + b'\n')

    def on_snapshot(self, message, line):
        """A chunk of a namespace snapshot (see snapshot.py): checked, counted, forwarded."""
        data = message.get('data')
        if set(message) != {'type', 'id', 'data'} or not isinstance(data, str):
            raise Violation('sent a malformed snapshot chunk')
        if not BASE64_TEXT.match(data):
            raise Violation('sent a snapshot chunk that is not base64')
        self.live.snapshot_bytes += len(data) // 4 * 3
        if self.live.snapshot_bytes > self.args.max_snapshot_bytes + 3:
            raise Violation(f'sent a snapshot over {self.args.max_snapshot_bytes} bytes')
        self.host_out.put(line + b'\n')

    def on_done(self, message):
        required = {'type', 'id', 'value', 'error'}
        if not required <= set(message) <= required | {'finalAnswer'}:
            raise Violation('sent a malformed done message')
        value, error = message['value'], message['error']
        too_long = isinstance(value, str) and len(value) > self.args.max_output_bytes + 100
        if value is not None and (not isinstance(value, str) or too_long):
            raise Violation('sent a value that is not a string within the output limit')
        if error is not None:
            if (
                not isinstance(error, dict)
                or set(error) != {'type', 'message', 'traceback'}
                or not all(isinstance(part, str) for part in error.values())
                or len(error['type']) > 300
                or len(error['message']) > MAX_ERROR_MESSAGE_CHARS
                or len(error['traceback']) > MAX_TRACEBACK_CHARS
            ):
                raise Violation('sent a malformed error')
        if 'finalAnswer' in message:
            final = message['finalAnswer']
            if not isinstance(final, dict) or set(final) != {'value'}:
                raise Violation('sent a malformed finalAnswer')
            size = len(encode(final['value'])) - 1
            if size > self.args.max_output_bytes:
                raise Violation(f'sent a final answer of {size} bytes, over the limit')
        self.finish(message)

    def violation(self, what):
        """Ends the execution with a ProtocolError (what was printed is kept), then the kernel."""
        diagnose(f'protocol error from the interpreter: {what}')
        live = self.live
        if live is not None:
            self.flush_output()
            self.send(
                {
                    'type': 'result',
                    'id': live.id,
                    'value': None,
                    'error': {
                        'type': 'ProtocolError',
                        'message': f'the interpreter {what}',
                        'traceback': '',
                    },
                    'stateLost': True,
                }
            )
        self.terminate(1)


# ---------------------------------------------------------------------------------------------
# Start


def parse_args(argv):
    parser = argparse.ArgumentParser(description='adk-coding-agent Python kernel (supervisor)')
    parser.add_argument(
        '--authorized-imports',
        default='',
        help="comma-separated modules snippets may import, or '*' for all",
    )
    parser.add_argument('--output-dir', default=os.path.join(os.getcwd(), 'output'))
    parser.add_argument('--max-output-bytes', type=int, default=1024 * 1024)
    parser.add_argument('--max-file-bytes', type=int, default=10 * 1024 * 1024)
    parser.add_argument('--max-total-file-bytes', type=int, default=24 * 1024 * 1024)
    parser.add_argument('--max-files', type=int, default=1000)
    parser.add_argument('--max-figures', type=int, default=20)
    parser.add_argument(
        '--max-message-bytes',
        type=int,
        default=None,
        help='largest line either way (default: derived from the caps, as PROTOCOL.md says)',
    )
    parser.add_argument('--max-queued-bytes', type=int, default=64 * 1024 * 1024)
    parser.add_argument('--max-snapshot-bytes', type=int, default=256 * 1024 * 1024)
    parser.add_argument(
        '--keep-background-processes',
        action='store_true',
        help='leave processes a snippet started running when its execution returns',
    )
    parser.add_argument('--preload', default='', help='comma-separated modules imported at start')
    parser.add_argument('--limit-memory-bytes', type=int, default=0)
    parser.add_argument('--limit-processes', type=int, default=0)
    parser.add_argument('--limit-file-bytes', type=int, default=0)
    parser.add_argument('--limit-open-files', type=int, default=0)
    parser.add_argument(
        '--seccomp-filter',
        default='',
        help='file holding a classic-BPF seccomp program loaded before anything else',
    )
    args = parser.parse_args(argv)
    if args.max_message_bytes is None:
        base64_bytes = 4 * ((args.max_file_bytes + 2) // 3)
        args.max_message_bytes = max(base64_bytes, 8 * args.max_output_bytes) + 1024 * 1024
    return args


def libc():
    import ctypes

    return ctypes, ctypes.CDLL(None, use_errno=True)


def prctl(option, value):
    ctypes, lib = libc()
    if lib.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f'prctl({option}) failed')


def load_seccomp_filter(path):
    """Installs a seccomp program on this process (inherited by every child, never removable).

    For sandboxes that cannot load one for us (Docker's own profile stays, ours stacks on it).
    A failure is fatal: the host asked for the filter and must not get a kernel without it.
    """
    ctypes, lib = libc()
    with open(path, 'rb') as f:
        program = f.read()
    if not program or len(program) % 8:
        raise OSError(f'seccomp filter {path}: not a BPF program ({len(program)} bytes)')

    class SockFprog(ctypes.Structure):
        _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    if lib.prctl(PR_SET_SECCOMP, 2, ctypes.byref(fprog), 0, 0) != 0:  # SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), 'prctl(PR_SET_SECCOMP) failed')


def apply_limits(args):
    """Session-wide process limits (0 = leave as inherited); the interpreter inherits them."""
    limits = (
        # RLIMIT_DATA counts heap and anonymous mappings: a memory bomb gets a MemoryError.
        (resource.RLIMIT_DATA, args.limit_memory_bytes),
        (resource.RLIMIT_NPROC, args.limit_processes),
        (resource.RLIMIT_FSIZE, args.limit_file_bytes),
        (resource.RLIMIT_NOFILE, args.limit_open_files),
    )
    for which, value in limits:
        if value > 0:
            _soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value))


def main(argv):
    # Nothing the host did not mean to pass reaches the interpreter: only fds 0-2 stay open.
    os.closerange(3, 1 << 16)
    args = parse_args(argv)
    for number in IGNORED_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    apply_limits(args)
    if args.seccomp_filter:
        load_seccomp_filter(args.seccomp_filter)
    # Not dumpable: same-user processes can neither open /proc/<pid>/fd/* nor read its memory.
    prctl(PR_SET_DUMPABLE, 0)
    # Orphaned descendants come back to this process, so none escapes the sweep after a step.
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    sys.stdout = sys.stderr  # a stray print must never reach the protocol
    supervisor = Supervisor(args)
    supervisor.start()
    supervisor.run()


if __name__ == '__main__':
    try:
        main(sys.argv[1:])
    except SystemExit:
        raise
    except BaseException:  # noqa: BLE001 - a supervisor bug: report it where the host can see it
        import traceback

        diagnose(traceback.format_exc())
        os._exit(70)
