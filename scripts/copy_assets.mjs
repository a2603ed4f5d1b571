// Copies the files the build needs beside the compiled JS: the Python kernel's folder (the
// supervisor kernel.py and interpreter.py; never a __pycache__ folder), and the eval harness's
// cassettes and M3ToolEval bridge.
import {cpSync} from 'node:fs';

cpSync('src/kernel/python', 'dist/kernel/python', {
  recursive: true,
  filter: (source) => !source.includes('__pycache__'),
});
cpSync('src/eval/cassettes', 'dist/eval/cassettes', {recursive: true});
cpSync('src/eval/loaders/m3tooleval_bridge.py', 'dist/eval/loaders/m3tooleval_bridge.py');
