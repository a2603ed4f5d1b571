# Copyright 2026 adk-coding-agent authors
# SPDX-License-Identifier: Apache-2.0
"""Hosts an M3ToolEval `tasks` package inside a sandbox session (see m3tooleval.ts).

The host writes the package's files as one JSON file (relative path -> text) and runs this code
with FILES naming it. It rebuilds the package, imports it with its `Task` class wrapped so each
task's original `tools` argument is kept (a factory such as a browser's gives fresh state per
run), and defines the functions the host calls: __m3_tasks() lists the tasks, __m3_begin(run,
task) makes a run's tools, __m3_call(run, tool, args) calls one. Each prints one JSON line;
anything the benchmark's own code prints is kept out of it.
"""

import contextlib
import importlib.util
import io
import json
import os
import sys
import types

_ROOT = "/tmp/m3tooleval"
with open(FILES) as _f:  # noqa: F821 - set by the host
    for _path, _text in json.load(_f).items():
        _target = os.path.join(_ROOT, _path)
        os.makedirs(os.path.dirname(_target), exist_ok=True)
        with open(_target, "w") as _out:
            _out.write(_text)


def _stub(name, **attributes):
    """An empty stand-in for a module the tools never use (the benchmark's progress bar, REPL)."""
    try:
        if importlib.util.find_spec(name.split(".")[0]) is not None:
            return
    except (ImportError, ValueError):
        pass
    module = types.ModuleType(name)
    module.__path__ = []
    module.__dict__.update(attributes)
    sys.modules[name] = module


class _NoProgress:
    def __init__(self, *args, **kwargs):
        pass

    def update(self, *args):
        pass


_stub("tqdm", tqdm=_NoProgress)
for _name in ("IPython", "IPython.core", "IPython.core.interactiveshell", "IPython.utils"):
    _stub(_name, InteractiveShell=None, io=None)

_spec = importlib.util.spec_from_file_location(
    "tasks", os.path.join(_ROOT, "tasks", "__init__.py"),
    submodule_search_locations=[os.path.join(_ROOT, "tasks")])
_package = importlib.util.module_from_spec(_spec)
sys.modules["tasks"] = _package
with contextlib.redirect_stdout(io.StringIO()):
    import tasks.base as _base  # loaded before the package body, so Task can be wrapped

    _init = _base.Task.__init__

    def _keeping_source(self, name, tools, *args, **kwargs):
        self._m3_source = tools
        _init(self, name, tools, *args, **kwargs)

    _base.Task.__init__ = _keeping_source
    _spec.loader.exec_module(_package)

_TASKS = {}
for _iterator, _length in _base.task_iterators:
    for _task in _iterator:
        _TASKS[_task.name] = _task
_RUNS = {}


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def __m3_tasks():
    print(json.dumps([{
        "name": t.name,
        "instruction": t.instruction,
        "expected": _jsonable(t.expected_output),
        "tools": [{"name": n, "description": tool.description, "signature": tool.fn_signature}
                  for n, tool in t.tools.items()],
    } for t in _TASKS.values()]))


def __m3_begin(run, task):
    source = _TASKS[task]._m3_source
    with contextlib.redirect_stdout(io.StringIO()):
        _RUNS[run] = source() if callable(source) else source
    print(json.dumps({"tools": list(_RUNS[run])}))


def __m3_call(run, tool, args):
    """Calls `tool` with `args` (a JSON list) positionally, as the benchmark's own actions do."""
    function = _RUNS[run][tool].function
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            value = function(*json.loads(args))
        print(json.dumps({"ok": True, "value": _jsonable(value)}))
    except Exception as error:  # the tool's error goes back to the agent
        print(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}"}))
