# @license
# Copyright 2026 adk-coding-agent authors
# SPDX-License-Identifier: Apache-2.0

"""What the sandbox has installed, for the interpreter (``interpreter.py``) of the Python kernel.

Standard library only. ``installed_packages()`` finds the known packages without importing any
(``importlib.util.find_spec`` and ``importlib.metadata``), for the ``ready`` message; the host
lists those the import policy allows in the model's prompt. ``missing_module_message()`` is what
a snippet sees when it imports a module the sandbox does not have: what is installed, and how an
operator adds packages.
"""

import importlib.metadata
import importlib.util

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
    'networkx': 'networkx',
    'PIL': 'Pillow',
    'pyarrow': 'pyarrow',
    'polars': 'polars',
    'openpyxl': 'openpyxl',
    'xlrd': 'xlrd',
    'pypdf': 'pypdf',
    'pdfminer': 'pdfminer.six',
    'bs4': 'beautifulsoup4',
    'lxml': 'lxml',
    'tabulate': 'tabulate',
    'dill': 'dill',
    'yaml': 'PyYAML',
    'requests': 'requests',
}

HOW_TO_ADD = (
    'An operator adds packages: on Docker, an image with them '
    '(`coding-agent image build --package python3-<name> --tag <image>`, or docker/Dockerfile '
    'with `pip install`); on bubblewrap, on the host '
    '(`apt-get install python3-<name>`).'
)

_found = None


def installed_packages():
    """Known packages that are installed (module -> version or None), found without importing."""
    global _found
    if _found is not None:
        return dict(_found)
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
    _found = found
    return dict(found)


def installed_text():
    """`numpy 1.24.2, pandas 1.5.3, ...`, or `(none of the usual packages)`."""
    found = installed_packages()
    shown = [f'{name} {version}' if version else name for name, version in sorted(found.items())]
    return ', '.join(shown) if shown else '(none of the usual packages)'


def missing_module_message(name):
    """The message of a snippet's ModuleNotFoundError for the top-level module `name`."""
    return (
        f'No module named {name!r}: it is not installed in this sandbox. '
        f'Installed: {installed_text()} and the standard library. {HOW_TO_ADD}'
    )
