/**
 * Every stateful component can hand out its state as versioned plain data and take it back.
 * Plain data means JSON-safe values plus typed arrays and bigints; it is what checkpoint, restore
 * and migration serialise.
 */
export interface Snapshottable<S extends VersionedState = VersionedState> {
  snapshot(): S;
  restore(state: S): void;
}

export interface VersionedState {
  /** Format version of this component's state; restore refuses versions it does not know. */
  readonly version: number;
}
