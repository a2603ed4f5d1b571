# @license
# Copyright 2026 adk-coding-agent authors
# SPDX-License-Identifier: Apache-2.0

"""The Python kernel of adk-coding-agent: a persistent interpreter driven by the host.

Run as ``python3 -I kernel.py [--authorized-imports a,b|*] [--output-dir DIR]
[--max-output-bytes N] [--preload a,b] [--limit-memory-bytes N] [--limit-processes N]
[--limit-file-bytes N] [--limit-open-files N]``. Standard library only (Python 3.11+).

Wire protocol: newline-delimited JSON on the process's original stdin/stdout, which are moved
to private descriptors at start. fd 0 then reads /dev/null and fds 1/2 feed capture pipes, so
nothing a snippet prints (from Python, C code or a subprocess) can reach the protocol.

host -> kernel::

    {"type": "execute", "id", "code", "timeoutMs"?}
    {"type": "tool_result", "callId", "ok": true, "value"}
    {"type": "tool_result", "callId", "ok": false, "error": {"type", "message"}}
    {"type": "configure", "authorizedImports": [module, ...]}   (a warm kernel taken by a session)
    {"type": "shutdown"}

kernel -> host::

    {"type": "ready", "python", "packages": {module: version|null}, "outputDir"}
    {"type": "tool_call", "id", "callId", "name", "args"}
    {"type": "result", "id", "stdout", "stderr", "value", "error", "finalAnswer"?,
     "figures", "files"}

``final_answer(value)`` converts the value to JSON at call time: numpy scalars via ``.item()``,
numpy arrays and pandas Index via ``.tolist()``, a Series with a default index via
``.tolist()`` and otherwise as ``{str(label): value}``, a DataFrame as
``to_dict(orient="records")`` (after ``reset_index()`` when its index is not the default
0..n-1 range, so labels are kept), dates as ISO strings, non-finite floats as ``null``, dict
keys as strings, and anything else as ``str(value)``.
"""

import argparse
import ast
import base64
import builtins
import datetime
import importlib.metadata
import importlib.util
import io
import itertools
import json
import linecache
import math
import mimetypes
import os
import queue
import resource
import stat
import sys
import threading
import traceback
import types
import uuid

# Modules reported in `ready` when installed (module name -> distribution name for versions).
KNOWN_PACKAGES = {
    'numpy': 'numpy',
    'pandas': 'pandas',
    'matplotlib': 'matplotlib',
    'scipy': 'scipy',
    'sklearn': 'scikit-learn',
    'seaborn': 'seaborn',
    'statsmodels': 'statsmodels',
    'sympy': 'sympy',
    'PIL': 'Pillow',
    'networkx': 'networkx',
    'pyarrow': 'pyarrow',
    'polars': 'polars',
    'openpyxl': 'openpyxl',
    'yaml': 'PyYAML',
    'bs4': 'beautifulsoup4',
    'lxml': 'lxml',
    'requests': 'requests',
}

SNIPPET_PREFIX = '<snippet-'
MAX_TRACEBACK_CHARS = 20_000
MAX_OUTPUT_FILES = 1_000


class ToolError(Exception):
    """Raised by a tool stub when the host reports that the tool failed."""


class FinalAnswer(BaseException):
    """Raised by final_answer(); a BaseException so `except Exception` cannot swallow it."""

    def __init__(self, value):
        super().__init__('final_answer() was called')
        self.value = value


# ---------------------------------------------------------------------------------------------
# Output capture


class CappedBuffer:
    """Keeps the first and last cap/2 bytes of a stream and counts what falls in between."""

    def __init__(self, cap):
        self.cap = max(int(cap), 0)
        self.head_cap = self.cap // 2
        self.tail_cap = self.cap - self.head_cap
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, data):
        if not data:
            return
        self.total += len(data)
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data and self.tail_cap > 0:
            self.tail += data
            # Trim lazily so a long stream of small writes stays linear.
            if len(self.tail) > 2 * self.tail_cap + 65536:
                del self.tail[: len(self.tail) - self.tail_cap]

    def text(self):
        tail = bytes(self.tail[-self.tail_cap :]) if self.tail_cap > 0 else b''
        dropped = self.total - len(self.head) - len(tail)
        if dropped <= 0:
            return (bytes(self.head) + tail).decode('utf-8', 'replace')
        return (
            bytes(self.head).decode('utf-8', 'replace')
            + f'\n[... {dropped} bytes of output dropped ...]\n'
            + tail.decode('utf-8', 'replace')
        )


def cap_text(text, cap):
    """Head and tail of `text` (in characters) with a marker, like CappedBuffer."""
    if cap <= 0 or len(text) <= cap:
        return text
    half = cap // 2
    dropped = len(text) - cap
    return f'{text[:half]}\n[... {dropped} characters dropped ...]\n{text[len(text) - (cap - half):]}'


class PipeCapture:
    """Points `target_fd` at a pipe and collects what is written to it, per execution.

    A reader thread drains the pipe continuously (so writers never block on a full pipe). To
    cut the stream at the end of an execution the kernel writes a random marker into the pipe:
    everything written before it (by any thread or subprocess) belongs to that execution.
    """

    def __init__(self, target_fd, cap):
        read_fd, write_fd = os.pipe()
        self._read_fd = read_fd
        self._write_fd = write_fd  # private copy (close-on-exec) to restore target_fd later
        self._target_fd = target_fd
        self._cap = cap
        self._lock = threading.Lock()
        self._buf = CappedBuffer(cap)
        self._marker = None
        self._scan = bytearray()
        self._finished = None
        self._done = threading.Event()
        self.restore()
        threading.Thread(target=self._run, name=f'capture-{target_fd}', daemon=True).start()

    def restore(self):
        """Re-points the target fd at the pipe, in case a snippet closed or redirected it."""
        try:
            os.dup2(self._write_fd, self._target_fd)
        except OSError:
            pass

    def _run(self):
        while True:
            try:
                chunk = os.read(self._read_fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._feed(chunk)

    def _feed(self, chunk):
        if self._marker is None:
            self._buf.add(chunk)
            return
        self._scan += chunk
        index = self._scan.find(self._marker)
        if index < 0:
            # Keep a possible partial marker at the end for the next chunk.
            keep = len(self._marker) - 1
            if len(self._scan) > keep:
                cut = len(self._scan) - keep
                self._buf.add(bytes(self._scan[:cut]))
                del self._scan[:cut]
            return
        self._buf.add(bytes(self._scan[:index]))
        rest = bytes(self._scan[index + len(self._marker) :])
        self._finish()
        # Output written after the marker belongs to the next execution.
        self._buf.add(rest)

    def _finish(self):
        self._finished = self._buf
        self._buf = CappedBuffer(self._cap)
        self._scan = bytearray()
        self._marker = None
        self._done.set()

    def collect(self, timeout=5.0):
        """Returns (as text) everything written since the previous collect()."""
        marker = b'\x00adk-end-' + uuid.uuid4().hex.encode('ascii') + b'\x00'
        with self._lock:
            self._done.clear()
            self._finished = None
            self._marker = marker
        try:
            write_all(self._write_fd, marker)
            self._done.wait(timeout)
        except OSError:
            pass
        with self._lock:
            if self._finished is None:
                self._buf.add(bytes(self._scan))
                self._finish()
            finished = self._finished
            self._finished = None
        return finished.text()


def write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


# ---------------------------------------------------------------------------------------------
# JSON conversion


def _default_index(index):
    return (
        type(index).__name__ == 'RangeIndex'
        and getattr(index, 'start', None) == 0
        and getattr(index, 'step', None) == 1
    )


def to_jsonable(value, depth=0):
    """Converts a Python value to plain JSON data (see the module docstring for the rules)."""
    try:
        return _to_jsonable(value, depth)
    except Exception:  # noqa: BLE001 - a weird object must never break the result
        return _safe_str(value)


def _to_jsonable(value, depth):
    if depth > 64:
        return _safe_str(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {
            (key if isinstance(key, str) else _safe_str(to_jsonable(key, depth + 1))): to_jsonable(
                item, depth + 1
            )
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(item, depth + 1) for item in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    module = type(value).__module__ or ''
    name = type(value).__name__
    if module.startswith('numpy'):
        numpy = sys.modules.get('numpy')
        if numpy is not None and isinstance(value, numpy.generic):
            return to_jsonable(value.item(), depth + 1)
        if hasattr(value, 'tolist'):
            return to_jsonable(value.tolist(), depth + 1)
    if module.startswith('pandas'):
        if name == 'DataFrame':
            frame = value
            if not _default_index(frame.index):
                try:
                    frame = frame.reset_index()
                except Exception:  # noqa: BLE001 - e.g. a column already named like the index
                    frame = value
            return to_jsonable(frame.to_dict(orient='records'), depth + 1)
        if name == 'Series':
            if _default_index(value.index):
                return to_jsonable(value.tolist(), depth + 1)
            return {_safe_str(key): to_jsonable(item, depth + 1) for key, item in value.items()}
        if name == 'NaTType':
            return None
        if name == 'Timestamp':
            return value.isoformat()
        if hasattr(value, 'tolist'):
            return to_jsonable(value.tolist(), depth + 1)
    return _safe_str(value)


def _safe_str(value):
    try:
        return str(value)
    except Exception:  # noqa: BLE001
        return f'<{type(value).__name__} object>'


def _json_default(value):
    """json.dumps hook for tool arguments: accepts numpy/pandas values, rejects the rest."""
    module = type(value).__module__ or ''
    if module.startswith(('numpy', 'pandas')) or isinstance(value, (set, frozenset)):
        return to_jsonable(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(f'Object of type {type(value).__name__} is not JSON serializable')


# ---------------------------------------------------------------------------------------------
# The kernel


class Protocol:
    """Newline-delimited JSON on the private descriptors; writes are serialized."""

    def __init__(self, in_fd, out_fd):
        self.input = os.fdopen(in_fd, 'rb', buffering=1 << 16)
        self._out_fd = out_fd
        self._lock = threading.Lock()

    def encode(self, message):
        # ASCII output: lone surrogates and the like cannot break the UTF-8 stream.
        text = json.dumps(message, ensure_ascii=True, allow_nan=False, separators=(',', ':'))
        return (text + '\n').encode('ascii')

    def send_line(self, line):
        with self._lock:
            try:
                write_all(self._out_fd, line)
            except OSError:
                os._exit(0)  # the host is gone: nothing left to do

    def send(self, message):
        self.send_line(self.encode(message))


class Kernel:
    def __init__(self, args, protocol, stdout_capture, stderr_capture, streams):
        self.set_authorized_imports(args.authorized_imports.split(','))
        self.output_dir = os.path.abspath(args.output_dir)
        self.max_output_bytes = args.max_output_bytes
        self.max_file_bytes = args.max_file_bytes
        self.max_total_file_bytes = args.max_total_file_bytes
        self.protocol = protocol
        self.stdout_capture = stdout_capture
        self.stderr_capture = stderr_capture
        self.streams = streams
        self.executions = queue.Queue()
        self.snippet_counter = itertools.count(1)
        self.call_counter = itertools.count(1)
        self.pending = {}
        self.pending_lock = threading.Lock()
        self.current_id = None
        self.final = None
        self._libc_fflush = None

        # A real module as __main__ so classes defined by snippets pickle and introspect well.
        module = types.ModuleType('__main__')
        module.__dict__['__builtins__'] = builtins
        sys.modules['__main__'] = module
        self.namespace = module.__dict__

    # -- imports ------------------------------------------------------------------------------

    def set_authorized_imports(self, names):
        imports = [name.strip() for name in names if isinstance(name, str) and name.strip()]
        self.allow_all = '*' in imports
        self.allowed = sorted(set(name for name in imports if name != '*'))

    def configure(self, message):
        """Applies a session's settings to a kernel started ahead of time (a warm pool)."""
        names = message.get('authorizedImports')
        if isinstance(names, list):
            self.set_authorized_imports(names)

    def _allowed(self, name):
        return any(name == entry or name.startswith(entry + '.') for entry in self.allowed)

    def import_allowed(self, module, fromlist, level):
        if self.allow_all:
            return True
        if level or not module:
            return False
        if self._allowed(module):
            return True
        # `from os import path` is fine when `os.path` is allowed.
        names = [name for name in (fromlist or ()) if isinstance(name, str)]
        return bool(names) and all(self._allowed(f'{module}.{name}') for name in names)

    def _authorized_text(self):
        return ', '.join(self.allowed) if self.allowed else '(none)'

    def blocked_imports(self, tree):
        """(name, line) of every import in `tree` that the allowlist rejects."""
        if self.allow_all:
            return []
        blocked = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if not self.import_allowed(alias.name, (), 0):
                        blocked.append((alias.name, node.lineno))
            elif isinstance(node, ast.ImportFrom):
                names = [alias.name for alias in node.names]
                if not self.import_allowed(node.module, names, node.level):
                    blocked.append(('.' * node.level + (node.module or ''), node.lineno))
        blocked.sort(key=lambda item: item[1])
        return blocked

    def install_import_guard(self):
        original = builtins.__import__
        kernel = self

        def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
            if not kernel.allow_all:
                try:
                    caller = sys._getframe(1).f_code.co_filename
                except ValueError:
                    caller = ''
                # Only imports made by snippet code are policed; libraries' own imports pass.
                if caller.startswith(SNIPPET_PREFIX) and not kernel.import_allowed(
                    name, fromlist, level
                ):
                    shown = '.' * level + (name or '')
                    raise ImportError(
                        f'Import of {shown!r} is not allowed. '
                        f'Authorized imports: {kernel._authorized_text()}.',
                        name=name,
                    )
            return original(name, globals, locals, fromlist, level)

        builtins.__import__ = guarded_import

    # -- tools --------------------------------------------------------------------------------

    def call_tool(self, name, args=None):
        """Runs a host-side tool and returns its JSON value (the generated stubs call this)."""
        if not isinstance(name, str):
            raise TypeError('tool name must be a string')
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise TypeError(f'arguments of tool {name!r} must be a dict')
        execution_id = self.current_id
        if execution_id is None:
            raise ToolError(f'tool {name!r} can only be called while a snippet is running')
        call_id = f'call-{next(self.call_counter)}'
        message = {
            'type': 'tool_call',
            'id': execution_id,
            'callId': call_id,
            'name': name,
            'args': args,
        }
        try:
            text = json.dumps(
                message,
                ensure_ascii=True,
                allow_nan=False,
                separators=(',', ':'),
                default=_json_default,
            )
        except (TypeError, ValueError) as error:
            raise TypeError(f'arguments of tool {name!r} must be JSON-serializable: {error}') from None
        slot = {'event': threading.Event(), 'reply': None}
        with self.pending_lock:
            self.pending[call_id] = slot
        try:
            self.protocol.send_line((text + '\n').encode('ascii'))
            slot['event'].wait()
        finally:
            with self.pending_lock:
                self.pending.pop(call_id, None)
        reply = slot['reply']
        if reply.get('ok') is True:
            return reply.get('value')
        error = reply.get('error') if isinstance(reply.get('error'), dict) else {}
        text = error.get('message')
        text = text if isinstance(text, str) else f'tool {name!r} failed'
        if error.get('type') == 'TypeError':
            raise TypeError(text)
        raise ToolError(text)

    def deliver_tool_result(self, message):
        call_id = message.get('callId')
        if not isinstance(call_id, str):
            return
        with self.pending_lock:
            slot = self.pending.get(call_id)
            if slot is None or slot['reply'] is not None:
                return  # a reply to a call never made (or already answered): dropped
            slot['reply'] = message
        slot['event'].set()

    def final_answer(self, value=None):
        # Recorded before raising, so even a bare `except:` cannot lose the answer.
        self.final = {'value': to_jsonable(value)}
        raise FinalAnswer(value)

    # -- protocol input -----------------------------------------------------------------------

    def read_loop(self):
        try:
            for line in self.protocol.input:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(message, dict):
                    continue
                kind = message.get('type')
                if kind == 'execute':
                    if isinstance(message.get('id'), str) and isinstance(message.get('code'), str):
                        self.executions.put(message)
                elif kind == 'tool_result':
                    self.deliver_tool_result(message)
                elif kind == 'configure':
                    self.configure(message)
                elif kind == 'shutdown':
                    break
        except Exception:  # noqa: BLE001 - a broken channel ends the kernel
            pass
        # Shutdown, or the host closed the channel (it exited): stop at once.
        os._exit(0)

    # -- execution ----------------------------------------------------------------------------

    def serve(self):
        threading.Thread(target=self.read_loop, name='protocol-reader', daemon=True).start()
        while True:
            request = self.executions.get()
            result = self.execute(request['id'], request['code'])
            try:
                line = self.protocol.encode(result)
            except (TypeError, ValueError) as error:
                line = self.protocol.encode(
                    {
                        'type': 'result',
                        'id': request['id'],
                        'stdout': result.get('stdout', ''),
                        'stderr': result.get('stderr', ''),
                        'value': None,
                        'error': {
                            'type': 'KernelError',
                            'message': f'could not encode the result: {error}',
                            'traceback': '',
                        },
                        'figures': [],
                        'files': [],
                    }
                )
            self.protocol.send_line(line)

    def _prepare(self):
        self.stdout_capture.restore()
        self.stderr_capture.restore()
        sys.stdin, sys.stdout, sys.stderr = self.streams
        self.namespace['final_answer'] = self.final_answer
        self.namespace['__adk_call_tool__'] = self.call_tool
        self.namespace['ToolError'] = ToolError

    def _flush(self):
        for stream in {id(s): s for s in (sys.stdout, sys.stderr, *self.streams[1:])}.values():
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        # C code using stdio buffers its output in libc: flush it too.
        try:
            if self._libc_fflush is None:
                import ctypes

                self._libc_fflush = ctypes.CDLL(None).fflush
            self._libc_fflush(None)
        except Exception:  # noqa: BLE001
            self._libc_fflush = lambda _arg: 0

    def execute(self, execution_id, code):
        filename = f'{SNIPPET_PREFIX}{next(self.snippet_counter)}>'
        self.current_id = execution_id
        self.final = None
        notes = []
        self._prepare()
        before = self._snapshot_output()
        value, error = self._run(code, filename)
        self._flush()
        figures = self._collect_figures(notes)
        files = self._collect_files(before, notes, self._figures_size(figures))
        self._flush()
        self.current_id = None
        stdout = self.stdout_capture.collect()
        stderr = self.stderr_capture.collect()
        if notes:
            stderr += ('' if not stderr or stderr.endswith('\n') else '\n') + '\n'.join(notes) + '\n'
        result = {
            'type': 'result',
            'id': execution_id,
            'stdout': stdout,
            'stderr': stderr,
            'value': value,
            'error': error,
            'figures': figures,
            'files': files,
        }
        if self.final is not None:
            result['finalAnswer'] = self.final
        self.final = None
        return result

    def _run(self, code, filename):
        """Returns (repr of the last expression or None, error dict or None)."""
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        try:
            tree = ast.parse(code, filename, 'exec')
        except (SyntaxError, ValueError) as error:
            return None, syntax_error(error)
        blocked = self.blocked_imports(tree)
        if blocked:
            return None, self._import_error(blocked, code, filename)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        try:
            body = compile(tree, filename, 'exec')
            expression = compile(last, filename, 'eval') if last is not None else None
        except (SyntaxError, ValueError) as error:
            return None, syntax_error(error)
        value = None
        try:
            exec(body, self.namespace)
            if expression is not None:
                result = eval(expression, self.namespace)
                if result is not None:
                    value = cap_text(safe_repr(result), self.max_output_bytes)
        except FinalAnswer:
            pass
        except BaseException as error:  # noqa: BLE001 - SystemExit etc. are snippet errors too
            return None, format_exception(error)
        return value, None

    def _import_error(self, blocked, code, filename):
        names = list(dict.fromkeys(name for name, _ in blocked))
        shown = ', '.join(repr(name) for name in names)
        message = (
            f'Import of {shown} is not allowed. Authorized imports: {self._authorized_text()}. '
            'Nothing in this snippet was run.'
        )
        line_number = blocked[0][1]
        lines = code.splitlines()
        source = lines[line_number - 1].strip() if 0 < line_number <= len(lines) else ''
        trace = f'  File "{filename}", line {line_number}\n'
        if source:
            trace += f'    {source}\n'
        return {'type': 'ImportError', 'message': message, 'traceback': f'{trace}ImportError: {message}\n'}

    # -- figures and files --------------------------------------------------------------------

    def _collect_figures(self, notes):
        pyplot = sys.modules.get('matplotlib.pyplot')
        if pyplot is None:
            return []
        figures = []
        try:
            for number in pyplot.get_fignums():
                try:
                    buffer = io.BytesIO()
                    pyplot.figure(number).savefig(buffer, format='png')
                    figures.append(
                        {
                            'mimeType': 'image/png',
                            'data': base64.b64encode(buffer.getvalue()).decode('ascii'),
                        }
                    )
                except Exception as error:  # noqa: BLE001
                    notes.append(f'[figure {number} could not be saved: {error}]')
        except Exception as error:  # noqa: BLE001
            notes.append(f'[figures could not be collected: {error}]')
        finally:
            try:
                pyplot.close('all')
            except Exception:  # noqa: BLE001
                pass
        return figures

    @staticmethod
    def _figures_size(figures):
        return sum(len(figure['data']) * 3 // 4 for figure in figures)

    def _snapshot_output(self):
        snapshot = {}
        try:
            os.makedirs(self.output_dir, exist_ok=True)
        except OSError:
            return snapshot
        for root, _dirs, names in os.walk(self.output_dir):  # does not follow symlinks
            for name in names:
                path = os.path.join(root, name)
                try:
                    info = os.lstat(path)
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    snapshot[path] = (info.st_mtime_ns, info.st_size, info.st_ino)
                if len(snapshot) >= 10 * MAX_OUTPUT_FILES:
                    return snapshot
        return snapshot

    def _collect_files(self, before, notes, used):
        after = self._snapshot_output()
        changed = sorted(path for path, key in after.items() if before.get(path) != key)
        files = []
        for path in changed:
            name = os.path.relpath(path, self.output_dir).replace(os.sep, '/')
            size = after[path][1]
            if len(files) >= MAX_OUTPUT_FILES:
                notes.append(f'[more than {MAX_OUTPUT_FILES} new files: the rest were not returned]')
                break
            if size > self.max_file_bytes:
                notes.append(
                    f'[file {name} ({size} bytes) was not returned: '
                    f'larger than the limit of {self.max_file_bytes} bytes per file]'
                )
                continue
            if used + size > self.max_total_file_bytes:
                notes.append(
                    f'[file {name} ({size} bytes) was not returned: the limit of '
                    f'{self.max_total_file_bytes} bytes of files per execution was reached]'
                )
                continue
            try:
                with open(path, 'rb') as handle:
                    data = handle.read(self.max_file_bytes + 1)
            except OSError as error:
                notes.append(f'[file {name} could not be read: {error}]')
                continue
            if len(data) > self.max_file_bytes:
                continue
            used += len(data)
            mime_type = mimetypes.guess_type(name)[0] or 'application/octet-stream'
            files.append(
                {'name': name, 'mimeType': mime_type, 'data': base64.b64encode(data).decode('ascii')}
            )
        return files


def safe_repr(value):
    try:
        return repr(value)
    except Exception as error:  # noqa: BLE001
        return f'<repr() of {type(value).__name__} failed: {type(error).__name__}: {error}>'


def syntax_error(error):
    # compile() reports NUL bytes as ValueError; to the model it is a syntax problem.
    kind = type(error).__name__ if isinstance(error, SyntaxError) else 'SyntaxError'
    if isinstance(error, SyntaxError):
        message = str(error.msg)
        if error.lineno:
            message += f' (line {error.lineno})'
    else:
        message = str(error)
    trace = ''.join(traceback.format_exception_only(type(error), error))
    return {'type': kind, 'message': message, 'traceback': trace}


def _keep_snippet_frames(summary, seen):
    """Drops kernel and library frames from a TracebackException and its chain, in place."""
    if summary is None or id(summary) in seen:
        return
    seen.add(id(summary))
    summary.stack = traceback.StackSummary.from_list(
        [frame for frame in summary.stack if frame.filename.startswith(SNIPPET_PREFIX)]
    )
    _keep_snippet_frames(summary.__cause__, seen)
    _keep_snippet_frames(summary.__context__, seen)
    for inner in getattr(summary, 'exceptions', None) or ():
        _keep_snippet_frames(inner, seen)


def format_exception(error):
    try:
        summary = traceback.TracebackException(type(error), error, error.__traceback__)
        _keep_snippet_frames(summary, set())
        trace = ''.join(summary.format())
    except Exception:  # noqa: BLE001
        trace = ''
    try:
        message = str(error)
    except Exception:  # noqa: BLE001
        message = f'<{type(error).__name__} message could not be shown>'
    return {
        'type': type(error).__name__,
        'message': message,
        'traceback': cap_text(trace, MAX_TRACEBACK_CHARS),
    }


def installed_packages():
    """Known packages that are installed, found without importing them."""
    found = {}
    for module, distribution in KNOWN_PACKAGES.items():
        try:
            if importlib.util.find_spec(module) is None:
                continue
        except (ImportError, ValueError):
            continue
        version = None
        try:
            version = importlib.metadata.version(distribution)
        except Exception:  # noqa: BLE001 - a version is nice to have
            pass
        found[module] = version
    return found


def parse_args(argv):
    parser = argparse.ArgumentParser(description='adk-coding-agent Python kernel')
    parser.add_argument(
        '--authorized-imports',
        default='',
        help="comma-separated modules snippets may import, or '*' for all",
    )
    parser.add_argument('--output-dir', default=os.path.join(os.getcwd(), 'output'))
    parser.add_argument('--max-output-bytes', type=int, default=1_000_000)
    parser.add_argument('--max-file-bytes', type=int, default=10 * 1024 * 1024)
    parser.add_argument('--max-total-file-bytes', type=int, default=24 * 1024 * 1024)
    parser.add_argument('--preload', default='', help='comma-separated modules imported at start')
    parser.add_argument('--limit-memory-bytes', type=int, default=0)
    parser.add_argument('--limit-processes', type=int, default=0)
    parser.add_argument('--limit-file-bytes', type=int, default=0)
    parser.add_argument('--limit-open-files', type=int, default=0)
    parser.add_argument(
        '--seccomp-filter',
        default='',
        help='file holding a classic-BPF seccomp program the kernel loads before anything else',
    )
    return parser.parse_args(argv)


def load_seccomp_filter(path):
    """Installs a seccomp program on this process (inherited by every child, never removable).

    For sandboxes that cannot load one for us (Docker's own profile stays, ours stacks on it).
    A failure is fatal: the host asked for the filter and must not get a kernel without it.
    """
    import ctypes

    with open(path, 'rb') as f:
        program = f.read()
    if not program or len(program) % 8:
        raise OSError(f'seccomp filter {path}: not a BPF program ({len(program)} bytes)')

    class SockFprog(ctypes.Structure):
        _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'prctl(PR_SET_NO_NEW_PRIVS) failed')
    if libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'prctl(PR_SET_SECCOMP) failed')


def apply_limits(args):
    """Kernel-wide resource limits (0 = leave as inherited); children inherit them."""
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
    if args.limit_file_bytes > 0:
        # Writing past RLIMIT_FSIZE then fails with EFBIG (an OSError), not a kill.
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def preload(names):
    """Imports modules ahead of the first snippet (a warm kernel); failures are ignored."""
    for name in names.split(','):
        name = name.strip()
        if name:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a missing package shows up when a snippet uses it
                pass


_KEEP_ALIVE = []


def main(argv):
    args = parse_args(argv)
    apply_limits(args)
    if args.seccomp_filter:
        load_seccomp_filter(args.seccomp_filter)

    # The matplotlib backend must be chosen before pyplot is imported; no import needed here.
    try:
        if importlib.util.find_spec('matplotlib') is not None:
            os.environ.setdefault('MPLBACKEND', 'Agg')
    except (ImportError, ValueError):
        pass

    # Move the protocol to private descriptors (os.dup makes them close-on-exec). The original
    # stderr is kept privately too, for the kernel's own fatal errors (the host logs its tail).
    protocol_in = os.dup(0)
    protocol_out = os.dup(1)
    diagnostics = os.dup(2)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    try:
        serve(args, protocol_in, protocol_out)
    except BaseException:  # noqa: BLE001 - a kernel bug: report it where the host can see it
        try:
            write_all(diagnostics, traceback.format_exc().encode('utf-8', 'replace'))
        finally:
            os._exit(70)


def serve(args, protocol_in, protocol_out):
    """Sets up capture and the protocol, announces readiness and runs executions forever."""
    # From here on anything written to fds 1/2 (Python, C code, subprocesses) is captured.
    stdout_capture = PipeCapture(1, args.max_output_bytes)
    stderr_capture = PipeCapture(2, args.max_output_bytes)

    # Keep the original stream objects alive: collecting them would close fds 0-2.
    _KEEP_ALIVE.extend((sys.stdin, sys.stdout, sys.stderr))
    text = {'encoding': 'utf-8', 'errors': 'backslashreplace', 'closefd': False}
    streams = (
        open(0, 'r', encoding='utf-8', closefd=False),
        open(1, 'w', buffering=1, **text),
        open(2, 'w', buffering=1, **text),
    )
    sys.stdin, sys.stdout, sys.stderr = streams
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams

    protocol = Protocol(protocol_in, protocol_out)
    kernel = Kernel(args, protocol, stdout_capture, stderr_capture, streams)
    preload(args.preload)
    kernel.install_import_guard()
    protocol.send(
        {
            'type': 'ready',
            'python': '.'.join(str(part) for part in sys.version_info[:3]),
            'packages': installed_packages(),
            'outputDir': kernel.output_dir,
        }
    )
    kernel.serve()


if __name__ == '__main__':
    main(sys.argv[1:])
