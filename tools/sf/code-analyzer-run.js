#!/usr/bin/env node
// Run Salesforce Code Analyzer v5 engines (pmd, cpd, eslint, regex, retire-js) through
// @salesforce/code-analyzer-core directly -- the same engine packages that
// `sf code-analyzer run` loads, without the sf CLI / plugin.
// Usage: node code-analyzer-run.js [--suppressions FILE] WORKSPACE_DIR [WORKSPACE_DIR ...]
//   rules: the Recommended selector plus every Security rule (CA_SELECTORS="A,B" overrides)
//   zero tolerance: exit 1 on any violation of any severity that the suppression file does not
//   name. The file maps "engine:RuleName" -> reason, e.g. {"pmd:ApexDoc": "why it is fine"}.
//   env CA_FAIL_SEVERITY (default 5): only violations with severity <= this fail
//   (1=Critical 2=High 3=Moderate 4=Low 5=Info). Set 0 to never fail.
'use strict';
const fs = require('fs');
const path = require('path');
const core = require('@salesforce/code-analyzer-core');

const ENGINE_PACKAGES = [
  '@salesforce/code-analyzer-pmd-engine',
  '@salesforce/code-analyzer-eslint-engine',
  '@salesforce/code-analyzer-regex-engine',
  '@salesforce/code-analyzer-retirejs-engine',
];

(async () => {
  const args = process.argv.slice(2);
  let suppressions = {};
  const at = args.indexOf('--suppressions');
  if (at >= 0) {
    const file = args.splice(at, 2)[1];
    suppressions = JSON.parse(fs.readFileSync(file, 'utf8'));
    const bad = Object.entries(suppressions).filter(([id, why]) =>
      !/^[\w-]+:[\w-]+$/.test(id) || typeof why !== 'string' || !why.trim());
    if (bad.length || Array.isArray(suppressions)) {
      console.error(`${file}: every entry must be "engine:RuleName": "non-empty reason"; bad: ${bad.map(([id]) => id).join(', ')}`);
      process.exit(2);
    }
  }
  if (!args.length) { console.error('usage: code-analyzer-run.js [--suppressions FILE] WORKSPACE_DIR...'); process.exit(2); }
  const selectors = (process.env.CA_SELECTORS || 'Recommended,Security').split(',');
  const failSeverity = Number(process.env.CA_FAIL_SEVERITY ?? 5);
  const config = core.CodeAnalyzerConfig.withDefaults();
  const ca = new core.CodeAnalyzer(config);
  ca.onEvent(core.EventType.LogEvent, (e) => {
    if (e.logLevel <= core.LogLevel.Warn) console.error(`[${e.source}] ${e.message}`);
  });
  for (const pkg of ENGINE_PACKAGES) {
    let mod;
    try { mod = require(pkg); } catch (e) { console.error(`skip ${pkg}: ${e.message}`); continue; }
    await ca.addEnginePlugin(mod.createEnginePlugin());
  }
  const workspace = await ca.createWorkspace(args.map((d) => path.resolve(d)));
  const selection = await ca.selectRules(selectors, { workspace });
  console.log(`engines: ${selection.getEngineNames().join(', ')}; rules selected: ${selection.getCount()} (${selectors.join(' + ')})`);
  const results = await ca.run(selection, { workspace });
  let failing = 0;
  let suppressed = 0;
  const used = new Set();
  for (const v of results.getViolations()) {
    const loc = v.getPrimaryLocation();
    const rule = v.getRule();
    const sev = rule.getSeverityLevel();
    const id = `${rule.getEngineName()}:${rule.getName()}`;
    const file = loc.getFile() ? path.relative(process.cwd(), loc.getFile()) : '?';
    let note = '';
    if (Object.prototype.hasOwnProperty.call(suppressions, id)) { suppressed++; used.add(id); note = ' [suppressed]'; }
    else if (failSeverity > 0 && sev <= failSeverity) failing++;
    console.log(`${file}:${loc.getStartLine() ?? 0}: sev${sev} ${id}: ${v.getMessage()}${note}`);
  }
  for (const name of results.getEngineNames()) {
    const r = results.getEngineRunResults(name);
    console.log(`  ${name} ${r.getEngineVersion()}: ${r.getViolationCount()} violation(s)`);
  }
  for (const id of Object.keys(suppressions).filter((k) => !used.has(k))) {
    console.log(`note: suppression ${id} matched nothing in this project`);
  }
  console.log(`code-analyzer: ${results.getViolationCount()} violation(s), ${suppressed} suppressed, ` +
    `${failing} failing (severity <= ${failSeverity})`);
  process.exit(failing ? 1 : 0);
})().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(2); });
