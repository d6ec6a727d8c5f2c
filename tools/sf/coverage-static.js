#!/usr/bin/env node
// Static test-coverage check for Apex: every public/global method of every non-test class must
// be called from some @IsTest class. No org is needed: both sides are parsed with
// @apexdevtools/apex-parser and matched by name and argument count.
// Usage: node coverage-static.js DIR [DIR...]
//   prints Class.method/N file:line for each method no test calls; exits 1 if there is one,
//   2 on a parse error (the apex-syntax stage reports those in detail).
// Matching rules (deliberately simple, documented in tools/sf/README.md):
//   - static method Cls.m(a, b): a call `Cls.m(x, y)` or `ns.Cls.m(x, y)` (Outer.Inner for inner classes)
//   - instance method m(a, b): any qualified call `<expr>.m(x, y)` in a test class
//   - interfaces, abstract methods, private/protected classes and their members are not checked
'use strict';
const fs = require('fs');
const path = require('path');
const ap = require('@apexdevtools/apex-parser');

function walkFiles(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, out);
    else if (/\.cls$/i.test(e.name)) out.push(p);
  }
  return out;
}

class Collector extends ap.ApexErrorListener {
  constructor() { super(); this.errors = []; }
  apexSyntaxError(line, column, msg) { this.errors.push(`${line}:${column + 1}: ${msg}`); }
}

const is = (node, cls) => node instanceof ap[cls];
const children = (node) => node.children || [];
const child = (node, cls) => children(node).find((c) => is(c, cls));
const lower = (s) => s.toLowerCase();

function modifierInfo(mods) {
  const words = new Set();
  const annotations = new Set();
  for (const m of mods) {
    const a = child(m, 'AnnotationContext');
    if (a) annotations.add(lower(a.qualifiedName ? a.qualifiedName().getText() : a.getText().slice(1)));
    else words.add(lower(m.getText()));
  }
  return { words, annotations, visible: words.has('public') || words.has('global') };
}

function argCount(ctx) {
  const list = child(ctx, 'ExpressionListContext');
  return list ? children(list).filter((c) => is(c, 'ExpressionContext')).length : 0;
}

// public/global methods with a body, recursing into public/global inner classes
function collectMethods(classDecl, classPath, file, out) {
  const body = child(classDecl, 'ClassBodyContext');
  for (const decl of children(body)) {
    if (!is(decl, 'ClassBodyDeclarationContext')) continue;
    const member = child(decl, 'MemberDeclarationContext');
    if (!member) continue;
    const mods = modifierInfo(children(decl).filter((c) => is(c, 'ModifierContext')));
    const method = child(member, 'MethodDeclarationContext');
    const inner = child(member, 'ClassDeclarationContext');
    if (method && mods.visible && !mods.words.has('abstract') && child(method, 'BlockContext')) {
      const params = child(child(method, 'FormalParametersContext'), 'FormalParameterListContext');
      out.push({
        cls: classPath,
        name: child(method, 'IdContext').getText(),
        argc: params ? children(params).filter((c) => is(c, 'FormalParameterContext')).length : 0,
        isStatic: mods.words.has('static'),
        file,
        line: method.start.line,
      });
    } else if (inner && mods.visible) {
      collectMethods(inner, `${classPath}.${child(inner, 'IdContext').getText()}`, file, out);
    }
  }
}

// every qualified call in a test class: { name, argc, qualifier (source text before the dot) }
function collectCalls(node, out) {
  if (is(node, 'DotExpressionContext')) {
    const call = child(node, 'DotMethodCallContext');
    if (call) {
      out.push({ name: lower(child(call, 'AnyIdContext').getText()), argc: argCount(call),
        qualifier: lower(children(node)[0].getText()) });
    }
  }
  for (const c of children(node)) collectCalls(c, out);
  return out;
}

const roots = process.argv.slice(2);
if (!roots.length) { console.error('usage: coverage-static.js DIR [DIR...]'); process.exit(2); }
const files = roots.flatMap((r) => walkFiles(path.resolve(r), []));
const methods = [];
const calls = [];
const testClasses = [];
let parseErrors = 0;
for (const f of files) {
  const rel = path.relative(process.cwd(), f);
  const listener = new Collector();
  const { parser } = ap.ApexParserFactory.createLexerAndParser(fs.readFileSync(f, 'utf8'), listener);
  const unit = parser.compilationUnit();
  if (listener.errors.length) {
    parseErrors++;
    listener.errors.forEach((e) => console.error(`${rel}:${e}`));
    continue;
  }
  const type = child(unit, 'TypeDeclarationContext');
  const classDecl = type && child(type, 'ClassDeclarationContext');
  if (!classDecl) continue; // interface / enum: nothing executable to cover
  const mods = modifierInfo(children(type).filter((c) => is(c, 'ModifierContext')));
  const name = child(classDecl, 'IdContext').getText();
  if (mods.annotations.has('istest')) {
    testClasses.push(name);
    collectCalls(classDecl, calls);
  } else {
    collectMethods(classDecl, name, rel, methods);
  }
}
if (parseErrors) {
  console.log(`coverage-static: ${parseErrors} file(s) do not parse; fix the apex-syntax stage first`);
  process.exit(2);
}

const qualifies = (qualifier, cls) => qualifier === lower(cls) || qualifier.endsWith(`.${lower(cls)}`);
const missing = methods.filter((m) => !calls.some((c) => c.name === lower(m.name) && c.argc === m.argc &&
  (!m.isStatic || qualifies(c.qualifier, m.cls))));
for (const m of missing) {
  console.log(`${m.file}:${m.line}: ${m.cls}.${m.name}/${m.argc} (${m.isStatic ? 'static' : 'instance'}) is not called from any @IsTest class`);
}
const classes = new Set(methods.map((m) => m.cls.split('.')[0]));
console.log(`coverage-static: ${methods.length} public/global method(s) in ${classes.size} class(es), ` +
  `${testClasses.length} test class(es), ${missing.length} not exercised` +
  (missing.length ? `: ${missing.map((m) => `${m.cls}.${m.name}`).join(', ')}` : ''));
process.exit(missing.length ? 1 : 0);
