# @license
# Copyright 2026 adk-coding-agent authors
# SPDX-License-Identifier: Apache-2.0

"""Snapshots of the interpreter's namespace, made and restored inside the sandbox.

Loaded by ``interpreter.py`` (its ``snapshots`` hook) and reached by host-written code as
``__adk_snapshot__`` in the namespace. The host never unpickles anything: it only stores the
bytes this module sends (``snapshot`` messages, base64 chunks) and hands them back (chunks given
to ``add``), wrapped in its own envelope that binds them to one conversation.

Format of a snapshot (the payload the host stores)::

    b'ADKSNAP1' + 8-byte big-endian header length + JSON header + the variables' blobs

The header names the compression, the Python and dill versions, the modules bound to names
(``{"pd": "pandas"}``: restored by importing them again, under the current import policy), the
import policy the snapshot was made under (informational: the host's current policy decides),
every saved variable (name, type, digest, offset and length of its blob, or ``alias`` of another
name bound to the same object) and every skipped one with the reason.

Each variable is pickled on its own with dill; a reference from one variable's value to another
top-level variable (an instance to its class, a list to a DataFrame that is also a variable) is
stored as a reference by name, so identity survives the restore and a variable's blob does not
change when another one does. A variable whose pickle did not change since the last snapshot
keeps its compressed blob (no re-compression); when nothing changed at all, ``save`` sends
nothing and says so.
"""

import io
import json
import lzma
import struct
import sys
import types
import zlib

try:
    # CPython's own BLAKE2: hashlib would map OpenSSL's libcrypto (3.6 MiB) into every kernel.
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b

MAGIC = b'ADKSNAP1'
FORMAT = 1
CHUNK_BYTES = 4 * 1024 * 1024
# Values of these types are never referenced by name from another variable's pickle.
_ATOMIC = (int, float, complex, str, bytes, bool, type(None))


def _type_name(value):
    try:
        return type(value).__name__[:60]
    except Exception:  # noqa: BLE001
        return 'object'


def _estimated_bytes(value):
    """A cheap lower bound of a value's pickled size, for arrays and frames (else 0)."""
    try:
        nbytes = getattr(value, 'nbytes', None)
        if isinstance(nbytes, int):
            return nbytes
        usage = getattr(value, 'memory_usage', None)
        if callable(usage) and type(value).__module__.startswith('pandas'):
            total = usage(index=True, deep=False)
            return int(total.sum()) if hasattr(total, 'sum') else int(total)
    except Exception:  # noqa: BLE001
        pass
    return 0


def _compress(data, method, level):
    if method == 'zlib':
        return zlib.compress(data, 1 if level is None else level)
    if method == 'lzma':
        return lzma.compress(data, preset=0 if level is None else level)
    return data


def _decompress(data, method):
    if method == 'zlib':
        return zlib.decompress(data)
    if method == 'lzma':
        return lzma.decompress(data)
    if method == 'none':
        return data
    raise ValueError(f'unknown compression {method!r}')


class Snapshots:
    """Saves and restores one interpreter's namespace (a single instance per interpreter)."""

    def __init__(self, state, send_chunk, chunk_bytes=CHUNK_BYTES):
        self._state = state
        self._send_chunk = send_chunk
        self._chunk_bytes = chunk_bytes
        # name -> (digest, compressed blob, type, compression) of the last snapshot made or restored
        self._blobs = {}
        self._last_manifest = None
        self._incoming = []
        self._incoming_bytes = 0

    def report(self, summary):
        """A summary as JSON (host-written code prints it; the snippet's imports stay policed)."""
        return json.dumps(summary)

    def clear(self):
        """Removes every user variable (before restoring a newer snapshot into a live kernel)."""
        namespace = self._state.namespace
        for name in self._user_names():
            namespace.pop(name, None)
        self._blobs = {}
        self._last_manifest = None

    # -- saving --------------------------------------------------------------------------------

    def _user_names(self):
        namespace = self._state.namespace
        baseline = namespace.get('__adk_baseline__') or ()
        return sorted(
            name
            for name in list(namespace)
            if isinstance(name, str)
            and not (name.startswith('__') and name.endswith('__'))
            and not name.startswith('__adk')
            and name not in baseline
        )

    def save(self, max_bytes, compression='zlib', level=None, force=False):
        """Makes a snapshot; returns a summary dict (sends the bytes unless nothing changed)."""
        import dill

        namespace = self._state.namespace
        names = self._user_names()
        modules = {}
        values = {}
        for name in names:
            value = namespace.get(name)
            if isinstance(value, types.ModuleType):
                modules[name] = getattr(value, '__name__', name)
            else:
                values[name] = value
        # The first name bound to an object owns it; other names are aliases of it.
        owners = {}
        aliases = {}
        for name, value in values.items():
            if isinstance(value, _ATOMIC):
                continue
            if id(value) in owners:
                aliases[name] = owners[id(value)]
            else:
                owners[id(value)] = name
        main = sys.modules.get('__main__')
        entries = []
        skipped = []
        for name, value in values.items():
            if name in aliases:
                continue
            estimate = _estimated_bytes(value)
            if estimate > 4 * max_bytes:
                skipped.append(
                    {'name': name, 'type': _type_name(value), 'reason': 'too_big', 'bytes': estimate}
                )
                continue
            try:
                buffer = io.BytesIO()
                pickler = dill.Pickler(buffer, protocol=4, recurse=False, byref=False)
                pickler._main = main
                root = id(value)

                def persistent_id(obj, _root=root):
                    if id(obj) == _root or isinstance(obj, _ATOMIC):
                        return None
                    return owners.get(id(obj))

                pickler.persistent_id = persistent_id
                pickler.dump(value)
                data = buffer.getvalue()
            except BaseException as error:  # noqa: BLE001 - any failure means "not picklable"
                if isinstance(error, (KeyboardInterrupt, SystemExit)):
                    raise
                message = f'{type(error).__name__}: {error}'[:300]
                skipped.append(
                    {'name': name, 'type': _type_name(value), 'reason': 'unpicklable', 'error': message}
                )
                continue
            digest = blake2b(data, digest_size=16).hexdigest()
            previous = self._blobs.get(name)
            if previous and previous[0] == digest and previous[3] == compression:
                blob = previous[1]
            else:
                blob = _compress(data, compression, level)
            del data
            entries.append(
                {'name': name, 'type': _type_name(value), 'digest': digest, 'blob': blob}
            )
        # Within the size limit: the largest variables go first.
        header_room = 64 * 1024 + 200 * (len(entries) + len(skipped))
        total = sum(len(entry['blob']) for entry in entries)
        if total + header_room > max_bytes:
            for entry in sorted(entries, key=lambda e: len(e['blob']), reverse=True):
                if total + header_room <= max_bytes:
                    break
                total -= len(entry['blob'])
                entry['drop'] = True
                skipped.append(
                    {
                        'name': entry['name'],
                        'type': entry['type'],
                        'reason': 'too_big',
                        'bytes': len(entry['blob']),
                    }
                )
            entries = [entry for entry in entries if not entry.get('drop')]
        kept = {entry['name'] for entry in entries}
        variables = []
        offset = 0
        for entry in entries:
            variables.append(
                {
                    'name': entry['name'],
                    'type': entry['type'],
                    'digest': entry['digest'],
                    'offset': offset,
                    'length': len(entry['blob']),
                }
            )
            offset += len(entry['blob'])
        for name, owner in sorted(aliases.items()):
            if owner in kept:
                variables.append({'name': name, 'type': _type_name(values[name]), 'alias': owner})
            else:
                skipped.append(
                    {'name': name, 'type': _type_name(values[name]), 'reason': 'alias', 'of': owner}
                )
        skipped.sort(key=lambda item: item['name'])
        try:
            dill_version = dill.__version__
        except AttributeError:
            dill_version = None
        manifest = blake2b(
            json.dumps(
                [modules, [(v['name'], v.get('digest'), v.get('alias')) for v in variables], skipped],
                sort_keys=True,
            ).encode()
        ).hexdigest()
        header = {
            'format': FORMAT,
            'manifest': manifest,
            'compression': compression,
            'python': '.'.join(str(part) for part in sys.version_info[:2]),
            'dill': dill_version,
            'modules': modules,
            'policy': {
                'allowAll': bool(self._state.allow_all),
                'allowed': list(self._state.allowed),
            },
            'variables': variables,
            'skipped': skipped,
        }
        self._blobs = {
            entry['name']: (entry['digest'], entry['blob'], entry['type'], compression)
            for entry in entries
        }
        summary = {
            'manifest': manifest,
            'variables': len(variables),
            'modules': len(modules),
            'skipped': skipped,
        }
        if manifest == self._last_manifest and not force:
            summary['unchanged'] = True
            return summary
        header_bytes = json.dumps(header, separators=(',', ':')).encode()
        payload_size = len(MAGIC) + 8 + len(header_bytes) + offset
        summary['bytes'] = payload_size
        if payload_size > max_bytes:
            # Only a huge header can get here (thousands of names): send nothing.
            summary['error'] = f'snapshot of {payload_size} bytes is over the limit of {max_bytes}'
            return summary
        head = MAGIC + struct.pack('>Q', len(header_bytes)) + header_bytes
        self._send_all([head] + [entry['blob'] for entry in entries])
        self._last_manifest = manifest
        return summary

    def _send_all(self, parts):
        """Sends `parts` joined, as chunks of at most ``chunk_bytes``."""
        size = self._chunk_bytes
        pending = bytearray()
        for part in parts:
            view = memoryview(part)
            while view:
                room = size - len(pending)
                pending += view[:room]
                view = view[room:]
                if len(pending) == size:
                    self._send_chunk(bytes(pending))
                    pending = bytearray()
        if pending:
            self._send_chunk(bytes(pending))

    # -- restoring -----------------------------------------------------------------------------

    def add(self, chunk, max_bytes):
        """Adds a base64 chunk of a snapshot the host hands back; returns the bytes so far."""
        import base64

        data = base64.b64decode(chunk, validate=True)
        if self._incoming_bytes + len(data) > max_bytes:
            self._incoming = []
            self._incoming_bytes = 0
            raise ValueError(f'snapshot over the limit of {max_bytes} bytes')
        self._incoming.append(data)
        self._incoming_bytes += len(data)
        return self._incoming_bytes

    def restore(self):
        """Restores the snapshot given to ``add``; returns what was and was not restored."""
        payload = b''.join(self._incoming)
        self._incoming = []
        self._incoming_bytes = 0
        try:
            return self._restore(payload)
        finally:
            del payload

    def _restore(self, payload):
        import importlib

        import dill

        if not payload.startswith(MAGIC) or len(payload) < len(MAGIC) + 8:
            return {'error': 'not a snapshot of this kernel (bad magic)'}
        (length,) = struct.unpack('>Q', payload[len(MAGIC) : len(MAGIC) + 8])
        start = len(MAGIC) + 8
        try:
            header = json.loads(payload[start : start + length])
        except ValueError:
            return {'error': 'the snapshot header is not JSON'}
        if not isinstance(header, dict) or header.get('format') != FORMAT:
            return {'error': 'unknown snapshot format'}
        body = start + length
        compression = header.get('compression')
        namespace = self._state.namespace
        main = sys.modules.get('__main__')
        restored = []
        failed = []
        for name, module_name in sorted((header.get('modules') or {}).items()):
            top = str(module_name).split('.')[0]
            if not (self._state.allow_all or self._import_allowed(top, module_name)):
                failed.append({'name': name, 'type': 'module', 'error': f'import of {module_name!r} is not allowed now'})
                continue
            try:
                namespace[name] = importlib.import_module(module_name)
                restored.append(name)
            except BaseException as error:  # noqa: BLE001
                if isinstance(error, (KeyboardInterrupt, SystemExit)):
                    raise
                failed.append({'name': name, 'type': 'module', 'error': f'{type(error).__name__}: {error}'[:300]})
        entries = {v['name']: v for v in header.get('variables') or [] if isinstance(v, dict)}
        loaded = {}
        errors = {}
        loading = set()
        blobs = {}

        def load(name):
            if name in loaded:
                return loaded[name]
            if name in errors:
                raise LookupError(f'{name} could not be restored')
            entry = entries.get(name)
            if entry is None:
                raise LookupError(f'it refers to {name}, which was not saved')
            if 'alias' in entry:
                return load(entry['alias'])
            if name in loading:
                raise LookupError(f'a reference cycle through {name}')
            loading.add(name)
            try:
                blob = payload[body + entry['offset'] : body + entry['offset'] + entry['length']]
                # The host checked the whole snapshot's SHA-256 before handing it back.
                data = _decompress(blob, compression)
                unpickler = dill.Unpickler(io.BytesIO(data))
                unpickler._main = main
                unpickler.persistent_load = load
                value = unpickler.load()
                loaded[name] = value
                blobs[name] = (entry['digest'], blob, entry.get('type'), compression)
                return value
            finally:
                loading.discard(name)

        for name in sorted(entries):
            try:
                value = load(name)
            except BaseException as error:  # noqa: BLE001
                if isinstance(error, (KeyboardInterrupt, SystemExit)):
                    raise
                errors[name] = f'{type(error).__name__}: {error}'[:300]
                failed.append({'name': name, 'type': entries[name].get('type'), 'error': errors[name]})
                continue
            namespace[name] = value
            restored.append(name)
        self._blobs = blobs
        # A turn that changes nothing after a complete restore sends nothing.
        self._last_manifest = header.get('manifest') if not failed else None
        return {
            'restored': sorted(restored),
            'failed': failed,
            'skipped': header.get('skipped') or [],
        }

    def _import_allowed(self, top, module_name):
        allowed = self._state.allowed
        return any(
            module_name == entry or module_name.startswith(entry + '.') or top == entry
            for entry in allowed
        )
