/**
 * V8's own probe of hidden classes, for tests of what keeps the interpreter's optimized code
 * valid (an object whose hidden class changes, or a site that sees many, makes V8 throw it away).
 * `%HaveSameMap` is a runtime function that V8 parses only with --allow-natives-syntax, set here
 * for this process before the probe is compiled.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--allow-natives-syntax');

/** Whether V8 gives `a` and `b` the same hidden class ("map") now. */
export const sameHiddenClass = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
