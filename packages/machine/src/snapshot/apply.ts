import { VirtualClock } from '../clock.js';
import { Htif } from '../htif.js';
import type { VirtMachine } from '../virt.js';
import { checkSameBoard, describeBoard } from './board-config.js';
import { snapshotMachine } from './capture.js';
import { loadDiskInto } from './disk-snapshot.js';
import { hartStateOf, restoreTimerPending } from './hart-state.js';
import { MACHINE_SNAPSHOT_VERSION, type MachineSnapshot } from './machine-snapshot.js';
import { SnapshotRestoreError } from './restore-error.js';
import { applySparseToRam } from './sparse-image.js';
import { checkStateShape, restoreComponent } from './state-shape.js';

/**
 * Load a checkpoint into a board built from the same configuration. `loadDisks` false skips the
 * disks (a board just built from the snapshot already holds their contents). Checks the shape
 * first; `ram`: 'load' replaces RAM, 'fresh' writes the stored chunks into a new (zero) board, 'keep' leaves RAM alone (filled by migration). A component that still refuses its state leaves the board inconsistent, so callers that
 * keep a board alive use restoreMachineInPlace (which rolls back).
 */
export function applySnapshot(m: VirtMachine, s: MachineSnapshot, loadDisks: boolean, ram: 'load' | 'fresh' | 'keep' = 'load'): void {
  const { disks } = checkShape(m, s);
  load(m, s, disks, loadDisks, ram, false);
}

/**
 * VirtMachine.rewind: back to a checkpoint this very board gave (VirtMachine.snapshot), disks
 * included. Its shapes are this board's by construction, so they are not checked again (those
 * checks cost a fuzzer that rewinds a board before every guest a sixth of its time), and RAM is
 * zeroed only where written since the last rewind or restore (Ram.zeroWritten) before the
 * checkpoint's contents are loaded. Any other checkpoint goes through applySnapshot.
 */
export function rewindMachine(m: VirtMachine, s: MachineSnapshot): void {
  load(m, s, describeBoard(m).disks, true, 'load', true);
}

/** Load a checkpoint whose shapes are known to fit `m` (checkShape, or taken from `m`: `trusted`). */
function load(m: VirtMachine, s: MachineSnapshot, disks: ReturnType<typeof describeBoard>['disks'], loadDisks: boolean, ram: 'load' | 'fresh' | 'keep', trusted: boolean): void {
  if (loadDisks) {
    disks.forEach((b, i) => loadDiskInto(b, s.disks[i]!, `disk ${i}`, true));
    disks.forEach((b, i) => loadDiskInto(b, s.disks[i]!, `disk ${i}`, false));
  }
  if (ram !== 'keep') {
    // A freshly built board's RAM is zero already (and untouched: filling it would commit every page).
    if (ram === 'load') {
      // zeroWritten is exact only while every write to this RAM came from this board (its harts'
      // page caches are cleared below); a checkpoint from elsewhere may follow any use.
      if (trusted) m.ram.zeroWritten();
      else m.ram.fill(m.ram.base, m.ram.size);
    }
    applySparseToRam(s.ram, m.ram);
  }
  m.rom.bytes.fill(0);
  m.rom.bytes.set(s.rom);

  const loadHarts = (): void => {
    m.harts.forEach((h, i) => {
      const hs = s.harts[i]!;
      h.setState(hartStateOf(hs.hart, hs.hext));
      restoreTimerPending(h, hs.hart, hs.hext);
      restoreComponent(`hart ${i} mmu`, () => h.mmu.restore(hs.mmu));
    });
  };
  loadHarts();
  if (s.clock !== null && m.clock instanceof VirtualClock) m.clock.restore(s.clock);
  m.restoreBoardState(s.board);

  m.devices.restore(s.devices, trusted);
  // Device restores drive interrupt lines into the harts; the harts' own record is authoritative.
  loadHarts();

  m.htif =
    s.htif === null
      ? undefined
      : new Htif({ memory: m.ram, tohost: s.htif.tohost, fromhost: s.htif.fromhost ?? undefined, console: m.consoleOutput });
}

/** VirtMachine.restore: load a checkpoint into this board; on any failure put the board back as it was. */
export function restoreMachineInPlace(m: VirtMachine, s: MachineSnapshot): void {
  checkShape(m, s);
  const before = snapshotMachine(m);
  try {
    applySnapshot(m, s, true);
  } catch (e) {
    applySnapshot(m, before, true);
    throw e;
  }
}

function checkShape(m: VirtMachine, s: MachineSnapshot): ReturnType<typeof describeBoard> {
  if (s.version !== MACHINE_SNAPSHOT_VERSION) throw new SnapshotRestoreError('machine', `unknown snapshot version ${String(s.version)}`);
  const here = describeBoard(m);
  checkSameBoard(here.config, s.config);
  if (here.disks.length !== s.disks.length) throw new SnapshotRestoreError('board', `${here.disks.length} disks here, ${s.disks.length} in the snapshot`);
  if (s.harts.length !== m.harts.length) throw new SnapshotRestoreError('harts', `${s.harts.length} in the snapshot, ${m.harts.length} here`);
  s.harts.forEach((h, i) => {
    if ((h.hext !== null) !== m.harts[i]!.hExtension) throw new SnapshotRestoreError(`hart ${i}`, 'H-extension state does not match the board');
    checkStateShape(`hart ${i} mmu`, m.harts[i]!.mmu.snapshot(), h.mmu);
  });
  if (s.ram.size !== m.ram.size) throw new SnapshotRestoreError('ram', `${s.ram.size} bytes in the snapshot, ${m.ram.size} here`);
  if (s.rom.length > m.rom.size) throw new SnapshotRestoreError('rom', `${s.rom.length} bytes do not fit the ${m.rom.size}-byte ROM`);
  // Unknown ids (a device this board lacks) and missing ones are errors that name the id.
  m.devices.check(s.devices);
  return here;
}
