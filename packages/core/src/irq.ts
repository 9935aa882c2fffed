/**
 * One interrupt wire, level-triggered. A device is handed its line at construction and never knows
 * what is on the other end (PLIC source, hart mip bit, a test probe) — rust-vmm's `Trigger` shape.
 */
export interface IrqLine {
  set(level: boolean): void;
}

/** An IrqLine that records its level: handy for tests and for wiring that polls. */
export class LevelIrqLine implements IrqLine {
  level = false;
  set(level: boolean): void {
    this.level = level;
  }
}
