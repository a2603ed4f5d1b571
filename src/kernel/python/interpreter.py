# @license
# Copyright 2026 adk-coding-agent authors
# SPDX-License-Identifier: Apache-2.0

"""The interpreter of adk-coding-agent's Python kernel: holds the namespace and runs snippets.

Started by the supervisor (``kernel.py``), never by the host, as ``python3 -I interpreter.py
[options]`` (see parse_args). Standard library only (Python 3.11+). Its descriptors: fd 0 reads
/dev/null, fds 1 and 2 are the supervisor's capture sockets (everything the snippet, C code and
subprocesses print), fd 3 is its own channel to the supervisor (moved to a private descriptor at
start). It holds no descriptor to the host. ``src/kernel/PROTOCOL.md`` specifies the messages.

The snippet runs in this process and can tamper with it; the supervisor treats every message
from here as untrusted. Still, so that a snippet cannot quietly change how *later* executions
report (a wrapped ``print``, ``final_answer`` or send function left behind), each execution starts
by restoring this module's functions, the builtins and the standard streams from copies taken at
start and held where Python code cannot rebind them.

``final_answer(value)`` converts the value to JSON at call time, by the rules in PROTOCOL.md.
"""

import argparse
import ast
import base64
import builtins
import datetime
import importlib.util
import io
import itertools
import json
import linecache
import math
import os
import queue
import signal
import sys
import threading
import traceback
import types

SNIPPET_PREFIX = '<snippet-'


def load_sibling(name):
    """Loads ``<name>.py`` from this folder (``-I`` keeps the folder off sys.path) privately."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'_coding_agent_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# What is installed (the `ready` message, the message of a missing module): packages.py.
PACKAGES = load_sibling('packages')
MAX_TRACEBACK_CHARS = 20_000
MAX_ERROR_MESSAGE_CHARS = 64 * 1024
CHANNEL_FD = 3


class ToolError(Exception):
    """Raised by a tool stub when the host reports that the tool failed."""


class FinalAnswer(BaseException):
    """Raised by final_answer(); a BaseException so `except Exception` cannot swallow it."""

    def __init__(self, value):
        super().__init__('final_answer() was called')
        self.value = value


class State:
    """What one interpreter knows between executions (a single instance, `STATE`)."""

    def __init__(self, args):
        self.output_dir = os.path.abspath(args.output_dir)
        self.max_output_bytes = args.max_output_bytes
        self.max_figures = args.max_figures
        self.max_file_bytes = args.max_file_bytes
        self.max_total_file_bytes = args.max_total_file_bytes
        self.max_message_bytes = args.max_message_bytes
        self.allow_all = False
        self.allowed = []
        self.current_id = None
        self.final = None
        self.pending = {}
        self.pending_lock = threading.Lock()
        self.call_lock = threading.Lock()
        self.snippet_counter = itertools.count(1)
        self.call_counter = itertools.count(1)
        self.libc_fflush = None
        self.namespace = None
        self.snapshots = None


STATE = None
# Set by main(): the channel's send function and the C JSON encoder, bound once at start.
SEND = None
ENCODE = None


# ---------------------------------------------------------------------------------------------
# JSON conversion


def cap_text(text, cap):
    """Head and tail of `text` (in characters) with a marker in between."""
    if cap <= 0 or len(text) <= cap:
        return text
    half = cap // 2
    dropped = len(text) - cap
    tail = text[len(text) - (cap - half) :]
    return f'{text[:half]}\n[... {dropped} characters dropped ...]\n{tail}'


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


def json_default(value):
    """Encoder hook for tool arguments: accepts numpy/pandas values, rejects the rest."""
    module = type(value).__module__ or ''
    if module.startswith(('numpy', 'pandas')) or isinstance(value, (set, frozenset)):
        return to_jsonable(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(f'Object of type {type(value).__name__} is not JSON serializable')


def make_encoder():
    """A compact ASCII JSON encoder of C parts a snippet cannot patch (else json's)."""
    try:
        import _json

        iterencode = _json.make_encoder(
            {}, json_default, _json.encode_basestring_ascii, None, ':', ',', False, False, False
        )
        join = ''.join
        return lambda message: join(iterencode(message, 0))
    except (ImportError, AttributeError, TypeError):
        return json.JSONEncoder(
            ensure_ascii=True, allow_nan=False, separators=(',', ':'), default=json_default
        ).encode


# ---------------------------------------------------------------------------------------------
# Imports


def set_authorized_imports(names):
    imports = [name.strip() for name in names if isinstance(name, str) and name.strip()]
    STATE.allow_all = '*' in imports
    STATE.allowed = sorted(set(name for name in imports if name != '*'))


def _allowed(name):
    return any(name == entry or name.startswith(entry + '.') for entry in STATE.allowed)


def import_allowed(module, fromlist, level):
    if STATE.allow_all:
        return True
    if level or not module:
        return False
    if _allowed(module):
        return True
    # `from os import path` is fine when `os.path` is allowed.
    names = [name for name in (fromlist or ()) if isinstance(name, str)]
    return bool(names) and all(_allowed(f'{module}.{name}') for name in names)


def authorized_text():
    return ', '.join(STATE.allowed) if STATE.allowed else '(none)'


def blocked_imports(tree):
    """(name, line) of every import in `tree` that the allowlist rejects."""
    if STATE.allow_all:
        return []
    blocked = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not import_allowed(alias.name, (), 0):
                    blocked.append((alias.name, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names]
            if not import_allowed(node.module, names, node.level):
                blocked.append(('.' * node.level + (node.module or ''), node.lineno))
    blocked.sort(key=lambda item: item[1])
    return blocked


def snippet_caller():
    """True when the import guard's caller is snippet code."""
    try:
        return sys._getframe(2).f_code.co_filename.startswith(SNIPPET_PREFIX)
    except ValueError:
        return False


def make_import_guard(original):
    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if not STATE.allow_all:
            try:
                caller = sys._getframe(1).f_code.co_filename
            except ValueError:
                caller = ''
            # Only imports made by snippet code are policed; libraries' own imports pass.
            if caller.startswith(SNIPPET_PREFIX) and not import_allowed(name, fromlist, level):
                shown = '.' * level + (name or '')
                raise ImportError(
                    f'Import of {shown!r} is not allowed. Authorized imports: {authorized_text()}.',
                    name=name,
                )
        try:
            return original(name, globals, locals, fromlist, level)
        except ModuleNotFoundError as error:
            # The snippet's own import of a module the sandbox lacks: say what it has instead.
            top = (name or '').partition('.')[0]
            if level or error.name != top or not snippet_caller():
                raise
            raise ModuleNotFoundError(PACKAGES.missing_module_message(top), name=top) from None

    return guarded_import


# ---------------------------------------------------------------------------------------------
# Tools and the final answer


def call_tool(name, args=None):
    """Runs a host-side tool and returns its JSON value (the generated stubs call this)."""
    if not isinstance(name, str):
        raise TypeError('tool name must be a string')
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise TypeError(f'arguments of tool {name!r} must be a dict')
    execution_id = STATE.current_id
    if execution_id is None:
        raise ToolError(f'tool {name!r} can only be called while a snippet is running')
    slot = {'event': threading.Event(), 'reply': None}
    # Ids are numbered and sent under one lock: the supervisor requires them in increasing order.
    with STATE.call_lock:
        call_id = f'call-{next(STATE.call_counter)}'
        message = {
            'type': 'tool_call',
            'id': execution_id,
            'callId': call_id,
            'name': name,
            'args': args,
        }
        try:
            line = ENCODE(message)
        except (TypeError, ValueError, RecursionError) as error:
            raise TypeError(
                f'arguments of tool {name!r} must be JSON-serializable: {error}'
            ) from None
        if len(line) >= STATE.max_message_bytes:
            raise ToolError(
                f'{name}() call is {len(line)} bytes of JSON, over the '
                f'{STATE.max_message_bytes}-byte limit of one message from the sandbox; it was '
                'not run. Pass less data per call'
            )
        with STATE.pending_lock:
            STATE.pending[call_id] = slot
        SEND(line)
    try:
        slot['event'].wait()
    finally:
        with STATE.pending_lock:
            STATE.pending.pop(call_id, None)
    reply = slot['reply']
    if reply.get('ok') is True:
        return reply.get('value')
    error = reply.get('error') if isinstance(reply.get('error'), dict) else {}
    text = error.get('message')
    text = text if isinstance(text, str) else f'tool {name!r} failed'
    if error.get('type') == 'TypeError':
        raise TypeError(text)
    raise ToolError(text)


def deliver_tool_result(message):
    call_id = message.get('callId')
    if not isinstance(call_id, str):
        return
    with STATE.pending_lock:
        slot = STATE.pending.get(call_id)
        if slot is None or slot['reply'] is not None:
            return  # a reply to a call never made (or already answered): dropped
        slot['reply'] = message
    slot['event'].set()


def final_answer(value=None):
    """Ends the run with `value` as its answer (converted to JSON now)."""
    converted = to_jsonable(value)
    size = len(ENCODE(converted))
    # Recorded before raising, so even a bare `except:` cannot lose the answer.
    STATE.final = {'value': converted, 'bytes': size}
    raise FinalAnswer(value)


# ---------------------------------------------------------------------------------------------
# Execution


def run_snippet(code, filename):
    """Returns (repr of the last expression or None, error dict or None)."""
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    try:
        tree = ast.parse(code, filename, 'exec')
    except (SyntaxError, ValueError) as error:
        return None, syntax_error(error)
    blocked = blocked_imports(tree)
    if blocked:
        return None, import_error(blocked, code, filename)
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
        exec(body, STATE.namespace)
        if expression is not None:
            result = eval(expression, STATE.namespace)
            if result is not None:
                value = cap_text(safe_repr(result), STATE.max_output_bytes)
    except FinalAnswer:
        pass
    except BaseException as error:  # noqa: BLE001 - SystemExit etc. are snippet errors too
        return None, format_exception(error)
    return value, None


def import_error(blocked, code, filename):
    names = list(dict.fromkeys(name for name, _ in blocked))
    shown = ', '.join(repr(name) for name in names)
    message = (
        f'Import of {shown} is not allowed. Authorized imports: {authorized_text()}. '
        'Nothing in this snippet was run.'
    )
    line_number = blocked[0][1]
    lines = code.splitlines()
    source = lines[line_number - 1].strip() if 0 < line_number <= len(lines) else ''
    trace = f'  File "{filename}", line {line_number}\n'
    if source:
        trace += f'    {source}\n'
    trace += f'ImportError: {message}\n'
    return {'type': 'ImportError', 'message': message, 'traceback': trace}


def flush_output():
    """Flushes Python's and C's buffered output, so it is in the capture sockets before `done`."""
    streams = (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
    for stream in {id(s): s for s in streams}.values():
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    try:
        if STATE.libc_fflush is None:
            import ctypes

            STATE.libc_fflush = ctypes.CDLL(None).fflush
        STATE.libc_fflush(None)
    except Exception:  # noqa: BLE001
        STATE.libc_fflush = lambda _arg: 0


def note(text):
    """A line for the model on the execution's stderr."""
    try:
        sys.stderr.write(text + '\n')
    except Exception:  # noqa: BLE001
        pass


def collect_figures():
    """Open matplotlib figures as PNG figure messages (within the caps); closes them all."""
    pyplot = sys.modules.get('matplotlib.pyplot')
    if pyplot is None:
        return []
    figures = []
    used = 0
    try:
        numbers = pyplot.get_fignums()
        for number in numbers[: STATE.max_figures]:
            try:
                buffer = io.BytesIO()
                pyplot.figure(number).savefig(buffer, format='png')
                data = buffer.getvalue()
            except Exception as error:  # noqa: BLE001
                note(f'[figure {number} could not be saved: {error}]')
                continue
            if len(data) > STATE.max_file_bytes or used + len(data) > STATE.max_total_file_bytes:
                note(
                    f'[figure {number} ({len(data)} bytes) was not returned: over the limit of '
                    f'{STATE.max_file_bytes} bytes per figure or '
                    f'{STATE.max_total_file_bytes} per step]'
                )
                continue
            used += len(data)
            figures.append(base64.b64encode(data).decode('ascii'))
        if len(numbers) > STATE.max_figures:
            note(
                f'[{len(numbers) - STATE.max_figures} more figures were not returned: the limit is '
                f'{STATE.max_figures} figures per step]'
            )
    except Exception as error:  # noqa: BLE001
        note(f'[figures could not be collected: {error}]')
    finally:
        try:
            pyplot.close('all')
        except Exception:  # noqa: BLE001
            pass
    return figures


def execute(execution_id, code):
    """Runs one snippet; returns its figures (base64 PNG) and the `done` message."""
    filename = f'{SNIPPET_PREFIX}{next(STATE.snippet_counter)}>'
    STATE.current_id = execution_id
    STATE.final = None
    value, error = run_snippet(code, filename)
    flush_output()
    figures = collect_figures()
    flush_output()
    STATE.current_id = None
    done = {'type': 'done', 'id': execution_id, 'value': value, 'error': error}
    final, STATE.final = STATE.final, None
    if final is not None:
        if final['bytes'] > STATE.max_output_bytes:
            done['error'] = {
                'type': 'MessageTooLarge',
                'message': (
                    f"The final_answer() value is {final['bytes']} bytes of JSON, over the "
                    f'{STATE.max_output_bytes}-byte limit of an answer, and was dropped. The '
                    'interpreter and its variables are intact; return less data (a summary, '
                    'or save the data as a file in the output folder).'
                ),
                'traceback': '',
            }
        else:
            done['finalAnswer'] = {'value': final['value']}
    return figures, done


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
    return {'type': kind, 'message': message, 'traceback': cap_text(trace, MAX_TRACEBACK_CHARS)}


def _keep_snippet_frames(summary, seen):
    """Drops interpreter and library frames from a TracebackException and its chain, in place."""
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
        'type': cap_text(type(error).__name__, 200),
        'message': cap_text(message, MAX_ERROR_MESSAGE_CHARS),
        'traceback': cap_text(trace, MAX_TRACEBACK_CHARS),
    }


def preload(names):
    """Imports modules ahead of the first snippet (a warm kernel); failures are ignored."""
    for name in names.split(','):
        name = name.strip()
        if name:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a missing package shows up when a snippet uses it
                pass


# ---------------------------------------------------------------------------------------------
# The channel to the supervisor


def read_messages(channel_fd, cap, executions):
    """Reads the supervisor's messages (one JSON object a line) until end of input, then exits."""
    buffer = bytearray()
    try:
        while True:
            chunk = os.read(channel_fd, 1 << 16)
            if not chunk:
                break
            start = len(buffer)
            buffer += chunk
            end = buffer.find(b'\n', start)
            while end >= 0:
                dispatch(bytes(buffer[:end]), executions)
                del buffer[: end + 1]
                end = buffer.find(b'\n')
            if len(buffer) > cap:
                break  # the supervisor never sends this much in one line
    except Exception:  # noqa: BLE001 - a broken channel ends the interpreter
        pass
    os._exit(0)


def dispatch(line, executions):
    try:
        message = json.loads(line)
    except ValueError:
        return
    if not isinstance(message, dict):
        return
    kind = message.get('type')
    if kind == 'execute':
        if isinstance(message.get('id'), str) and isinstance(message.get('code'), str):
            executions.put(message)
    elif kind == 'tool_result':
        deliver_tool_result(message)
    elif kind == 'configure':
        names = message.get('authorizedImports')
        if isinstance(names, list):
            set_authorized_imports(names)
    elif kind == 'shutdown':
        os._exit(0)


def make_sender(channel_fd):
    """A thread-safe function writing one line to the channel; exits when the supervisor is gone."""
    lock = threading.Lock()
    write = os.write
    exit_now = os._exit

    def send(text):
        view = memoryview((text + '\n').encode('ascii'))
        with lock:
            try:
                while view:
                    view = view[write(channel_fd, view) :]
            except OSError:
                exit_now(0)

    return send


def load_snapshots():
    """The namespace snapshots of ``snapshot.py`` beside this file (None when it is missing)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'snapshot.py')
    try:
        spec = importlib.util.spec_from_file_location('adk_coding_agent_snapshot', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:  # noqa: BLE001 - a kernel without snapshots still runs snippets
        return None
    # A chunk's base64 and the message around it fit in one line to the supervisor.
    chunk = max(1024, min(module.CHUNK_BYTES, (STATE.max_message_bytes - 4096) // 4 * 3))

    def send_chunk(data):
        message = {'type': 'snapshot', 'id': STATE.current_id, 'data': ''}
        message['data'] = base64.b64encode(data).decode('ascii')
        SEND(ENCODE(message))

    return module.Snapshots(STATE, send_chunk, chunk)


def parse_args(argv):
    parser = argparse.ArgumentParser(description='adk-coding-agent Python interpreter')
    parser.add_argument('--authorized-imports', default='')
    parser.add_argument('--output-dir', required=True)
    parser.add_argument('--max-output-bytes', type=int, required=True)
    parser.add_argument('--max-figures', type=int, required=True)
    parser.add_argument('--max-file-bytes', type=int, required=True)
    parser.add_argument('--max-total-file-bytes', type=int, required=True)
    parser.add_argument('--max-message-bytes', type=int, required=True)
    parser.add_argument('--preload', default='')
    return parser.parse_args(argv)


_KEEP_ALIVE = []


def set_death_signal():
    """Dies with the supervisor where no pid namespace does it (the unsafe local backend)."""
    if os.getppid() == 1:
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort
        pass


def main(argv):
    global STATE, SEND, ENCODE
    args = parse_args(argv)
    set_death_signal()
    # Writing past RLIMIT_FSIZE then fails with EFBIG (an OSError), not a kill.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        if importlib.util.find_spec('matplotlib') is not None:
            os.environ.setdefault('MPLBACKEND', 'Agg')
    except (ImportError, ValueError):
        pass

    # The channel moves to a private, close-on-exec descriptor: subprocesses never get it.
    channel_fd = os.dup(CHANNEL_FD)
    os.close(CHANNEL_FD)
    # Private copies of the capture sockets, to point fds 1/2 back at them before each execution.
    capture_fds = (os.dup(1), os.dup(2))

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

    STATE = State(args)
    set_authorized_imports(args.authorized_imports.split(','))
    ENCODE = make_encoder()
    SEND = make_sender(channel_fd)
    # A real module as __main__ so classes defined by snippets pickle and introspect well.
    module = types.ModuleType('__main__')
    module.__dict__['__builtins__'] = builtins
    sys.modules['__main__'] = module
    STATE.namespace = module.__dict__

    preload(args.preload)
    STATE.snapshots = load_snapshots()
    builtins.__import__ = make_import_guard(builtins.__import__)
    serve(channel_fd, capture_fds, streams, args.max_message_bytes)


def serve(channel_fd, capture_fds, streams, cap):
    """Announces readiness, then runs executions forever.

    Everything this loop relies on is bound here, in locals of a frame that never returns and
    that Python code cannot rebind: copies (immutable tuples) of the builtins, of this module's
    globals, of its functions' code, defaults and closure cells, and the streams, which each
    execution starts by restoring.
    """
    own = globals()
    builtins_dict = vars(builtins)
    functions = [
        f for f in own.values() if isinstance(f, types.FunctionType) and f.__module__ == __name__
    ]
    functions += [SEND, ENCODE, builtins.__import__]
    saved_code = tuple(
        (
            f,
            f.__code__,
            f.__defaults__,
            f.__kwdefaults__,
            tuple((cell, cell.cell_contents) for cell in f.__closure__ or ()),
        )
        for f in functions
    )
    saved_globals = tuple(own.items())
    saved_builtins = tuple(builtins_dict.items())
    namespace_entries = (
        ('final_answer', final_answer),
        ('__adk_call_tool__', call_tool),
        ('ToolError', ToolError),
        ('__adk_snapshot__', STATE.snapshots),
    )
    send, encode, dup2, state = SEND, ENCODE, os.dup2, STATE
    run, update, sys_module = execute, dict.update, sys
    executions = queue.Queue()
    next_execution = executions.get
    threading.Thread(
        target=read_messages, args=(channel_fd, cap, executions), name='channel-reader', daemon=True
    ).start()
    send(
        encode(
            {
                'type': 'ready',
                'python': '.'.join(str(part) for part in sys.version_info[:3]),
                'packages': PACKAGES.installed_packages(),
            }
        )
    )
    while True:
        request = next_execution()
        # Undo what earlier snippets may have rebound (see the docstring); builtins first, since
        # the rest looks names up there.
        update(builtins_dict, saved_builtins)
        update(own, saved_globals)
        for function, code, defaults, kwdefaults, cells in saved_code:
            function.__code__ = code
            function.__defaults__ = defaults
            function.__kwdefaults__ = kwdefaults
            for cell, contents in cells:
                cell.cell_contents = contents
        for target, fd in zip((1, 2), capture_fds):
            try:
                dup2(fd, target)
            except OSError:
                pass
        sys_module.stdin, sys_module.stdout, sys_module.stderr = streams
        sys_module.__stdin__, sys_module.__stdout__, sys_module.__stderr__ = streams
        update(state.namespace, namespace_entries)
        figures, done = run(request['id'], request['code'])
        for data in figures:
            figure = {'type': 'figure', 'id': done['id'], 'mimeType': 'image/png', 'data': data}
            send(encode(figure))
        try:
            line = encode(done)
        except (TypeError, ValueError, RecursionError) as error:
            line = encode(
                {
                    'type': 'done',
                    'id': done['id'],
                    'value': None,
                    'error': {
                        'type': 'KernelError',
                        'message': f'could not encode the result: {error}',
                        'traceback': '',
                    },
                }
            )
        send(line)


if __name__ == '__main__':
    main(sys.argv[1:])
