// Copies the files the build needs beside the compiled JS: the Python kernel.
import {cpSync} from 'node:fs';

cpSync('src/kernel/python', 'dist/kernel/python', {recursive: true});
