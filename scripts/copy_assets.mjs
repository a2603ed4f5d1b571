// Copies the files the build needs beside the compiled JS: the Python kernel's folder (the
// supervisor kernel.py and interpreter.py; never a __pycache__ folder).
import {cpSync} from 'node:fs';

cpSync('src/kernel/python', 'dist/kernel/python', {
  recursive: true,
  filter: (source) => !source.includes('__pycache__'),
});
