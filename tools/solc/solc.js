#!/usr/bin/env node
// A native-solc look-alike on top of solc-js (npm `solc`), so that py-solc-x,
// brownie and slither compile offline: no tool ever downloads a compiler.
// Supported: --version, --standard-json (stdin → stdout, exit 0 even on
// source errors), --combined-json LIST FILES…, and the path flags
// (--base-path, --include-path, --allow-paths) plus --optimize,
// --optimize-runs N and --evm-version V for combined-json.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require(path.join(__dirname, '..', '..', 'node_modules', 'solc'));

// Output must be written synchronously: process.stdout.write + process.exit
// truncates piped output at 64 KiB.
function out(text) {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

function parseArgs(argv) {
  const opts = { basePath: null, includePaths: [], allowPaths: [], files: [], optimize: false, runs: 200, evm: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const takes = (name) => (a === name ? argv[++i] : a.startsWith(name + '=') ? a.slice(name.length + 1) : undefined);
    let v;
    if (a === '--version' || a === '-v') opts.version = true;
    else if (a === '--standard-json') opts.standardJson = true;
    else if (a === '--optimize') opts.optimize = true;
    else if ((v = takes('--combined-json')) !== undefined) opts.combined = v.split(',');
    else if ((v = takes('--base-path')) !== undefined) opts.basePath = v;
    else if ((v = takes('--include-path')) !== undefined) opts.includePaths.push(v);
    else if ((v = takes('--allow-paths')) !== undefined) opts.allowPaths.push(...v.split(','));
    else if ((v = takes('--optimize-runs')) !== undefined) opts.runs = parseInt(v, 10);
    else if ((v = takes('--evm-version')) !== undefined) opts.evm = v;
    else if (a.startsWith('--')) { /* other flags are accepted and ignored */ }
    else if (a.includes('=') && !fs.existsSync(a)) { /* remapping: ignored */ }
    else opts.files.push(a);
  }
  return opts;
}

function importResolver(opts) {
  const roots = [opts.basePath || process.cwd(), ...opts.includePaths, process.cwd()];
  return (p) => {
    for (const root of roots) {
      const full = path.isAbsolute(p) ? p : path.join(root, p);
      if (fs.existsSync(full)) return { contents: fs.readFileSync(full, 'utf8') };
    }
    return { error: 'File not found: ' + p };
  };
}

function compileStandard(input, opts) {
  return solc.compile(input, { import: importResolver(opts) });
}

function combinedJson(opts) {
  const sources = {};
  for (const f of opts.files) sources[f] = { content: fs.readFileSync(f, 'utf8') };
  const wanted = new Set(opts.combined);
  const settings = {
    optimizer: { enabled: opts.optimize, runs: opts.runs },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode', 'evm.deployedBytecode', 'evm.methodIdentifiers', 'userdoc', 'devdoc', 'metadata'], '': ['ast'] } },
  };
  if (opts.evm) settings.evmVersion = opts.evm;
  const output = JSON.parse(compileStandard(JSON.stringify({ language: 'Solidity', sources, settings }), opts));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) process.stderr.write((e.formattedMessage || e.message) + '\n');
  if (errors.length) return 1;
  const result = { contracts: {}, sources: {}, sourceList: Object.keys(output.sources || {}), version: solc.version() };
  for (const [file, contracts] of Object.entries(output.contracts || {})) {
    for (const [name, c] of Object.entries(contracts)) {
      const entry = {};
      if (wanted.has('abi')) entry.abi = c.abi;
      if (wanted.has('bin')) entry.bin = c.evm.bytecode.object;
      if (wanted.has('bin-runtime')) entry['bin-runtime'] = c.evm.deployedBytecode.object;
      if (wanted.has('srcmap')) entry.srcmap = c.evm.bytecode.sourceMap;
      if (wanted.has('srcmap-runtime')) entry['srcmap-runtime'] = c.evm.deployedBytecode.sourceMap;
      if (wanted.has('userdoc')) entry.userdoc = c.userdoc;
      if (wanted.has('devdoc')) entry.devdoc = c.devdoc;
      if (wanted.has('hashes')) entry.hashes = c.evm.methodIdentifiers;
      if (wanted.has('metadata')) entry.metadata = c.metadata;
      result.contracts[`${file}:${name}`] = entry;
    }
  }
  for (const [file, s] of Object.entries(output.sources || {})) {
    result.sources[file] = wanted.has('ast') ? { AST: s.ast, id: s.id } : { id: s.id };
  }
  out(JSON.stringify(result) + '\n');
  return 0;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.version) {
    // py-solc-x parses `Version: X.Y.Z+commit.HASH`.
    out('solc, the solidity compiler commandline interface\nVersion: ' + solc.version() + '\n');
    return 0;
  }
  if (opts.standardJson) {
    const input = fs.readFileSync(0, 'utf8');
    out(compileStandard(input, opts) + '\n');
    return 0;
  }
  if (opts.combined) return combinedJson(opts);
  process.stderr.write('usage: solc --version | --standard-json < input.json | --combined-json abi,bin,... FILES\n');
  return 1;
}

process.exitCode = main();
