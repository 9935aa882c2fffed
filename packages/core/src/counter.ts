/**
 * The initial value of a number field that counts past 2^31 - 1 (instructions retired, executed or
 * emulated): zero, as a double.
 *
 * V8 gives each field of an object a representation from the values stored so far. A field that
 * starts at the small integer 0 holds small integers until its count passes 2^31 - 1 (about 2.5 s
 * of a guest at full speed); V8 then gives the object a new hidden class, and every optimized
 * function that had seen the old one is thrown away at once ("wrong map"). Measured on a hart
 * (`cpu` in a VM on a worker thread, 4 G instructions): 170 functions deoptimized in one
 * millisecond, the interpreter's loop among them, and compiled again on the other core while the
 * guest ran in unoptimized code. -0 is not a small integer, so a field that starts there is a
 * double from its first store, and nothing changes when the count grows. It compares equal to 0
 * and prints as 0 in templates and JSON; only `Object.is` and `console.log` of an untouched
 * counter tell it apart.
 */
export const COUNT_ZERO = -0;
