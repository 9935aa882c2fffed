/**
 * Pseudo-instructions (Unprivileged ISA ch. 25, Tables 25.2-25.3, and GNU as's extras):
 * each expands to one or more real statements `[mnemonic, operands]`.
 * `li` follows GNU as's constant materialisation (lui/addiw, then slli/addi for 64-bit values).
 */
export type Statement = [string, string[]];

const sext12 = (v: bigint): bigint => BigInt.asIntN(12, v);

/**
 * `li rd, value` as GNU as assembles it: `addi rd, zero, v` when v fits 12 bits, else its
 * load_const (lui/addiw for 32-bit values; a shifted recursive build plus slli/addi otherwise).
 */
export function loadConstant(rd: string, value: bigint): Statement[] {
  const v = BigInt.asIntN(64, value);
  if (v === sext12(v)) return [['addi', [rd, 'zero', v.toString()]]];
  return buildConstant(rd, v);
}

function buildConstant(rd: string, v: bigint): Statement[] {
  const lower = sext12(v);
  let upper = v - lower;
  if (v !== BigInt.asIntN(32, v)) {
    let shift = 12n;
    while (((upper >> shift) & 1n) === 0n) shift++;
    upper = BigInt.asIntN(64, upper) >> shift;
    const out = buildConstant(rd, upper);
    out.push(['slli', [rd, rd, '0x' + shift.toString(16)]]);
    if (lower !== 0n) out.push(['addi', [rd, rd, lower.toString()]]);
    return out;
  }
  const out: Statement[] = [];
  let hi = 'zero';
  if (upper !== 0n) {
    out.push(['lui', [rd, '0x' + (BigInt.asUintN(32, upper) >> 12n).toString(16)]]);
    hi = rd;
  }
  if (lower !== 0n || hi === 'zero') out.push(['addiw', [rd, hi, lower.toString()]]);
  return out;
}

/** Expansion of a pseudo-instruction whose operands need no evaluation; undefined if not a pseudo. */
export function expandPseudo(m: string, o: string[]): Statement[] | undefined {
  const n = o.length;
  switch (m) {
    case 'sfence.vma':
    case 'hfence.vvma':
    case 'hfence.gvma': return n < 2 ? [[m, [o[0] ?? 'zero', 'zero']]] : undefined;
    case 'nop': return n === 0 ? [['addi', ['zero', 'zero', '0']]] : undefined;
    case 'mv': return n === 2 ? [['addi', [o[0], o[1], '0']]] : undefined;
    case 'not': return n === 2 ? [['xori', [o[0], o[1], '-1']]] : undefined;
    case 'neg': return n === 2 ? [['sub', [o[0], 'zero', o[1]]]] : undefined;
    case 'negw': return n === 2 ? [['subw', [o[0], 'zero', o[1]]]] : undefined;
    case 'sext.w': return n === 2 ? [['addiw', [o[0], o[1], '0']]] : undefined;
    case 'zext.b': return n === 2 ? [['andi', [o[0], o[1], '255']]] : undefined;
    case 'seqz': return n === 2 ? [['sltiu', [o[0], o[1], '1']]] : undefined;
    case 'snez': return n === 2 ? [['sltu', [o[0], 'zero', o[1]]]] : undefined;
    case 'sltz': return n === 2 ? [['slt', [o[0], o[1], 'zero']]] : undefined;
    case 'sgtz': return n === 2 ? [['slt', [o[0], 'zero', o[1]]]] : undefined;
    case 'beqz': return n === 2 ? [['beq', [o[0], 'zero', o[1]]]] : undefined;
    case 'bnez': return n === 2 ? [['bne', [o[0], 'zero', o[1]]]] : undefined;
    case 'blez': return n === 2 ? [['bge', ['zero', o[0], o[1]]]] : undefined;
    case 'bgez': return n === 2 ? [['bge', [o[0], 'zero', o[1]]]] : undefined;
    case 'bltz': return n === 2 ? [['blt', [o[0], 'zero', o[1]]]] : undefined;
    case 'bgtz': return n === 2 ? [['blt', ['zero', o[0], o[1]]]] : undefined;
    case 'bgt': return n === 3 ? [['blt', [o[1], o[0], o[2]]]] : undefined;
    case 'ble': return n === 3 ? [['bge', [o[1], o[0], o[2]]]] : undefined;
    case 'bgtu': return n === 3 ? [['bltu', [o[1], o[0], o[2]]]] : undefined;
    case 'bleu': return n === 3 ? [['bgeu', [o[1], o[0], o[2]]]] : undefined;
    case 'j': return n === 1 ? [['jal', ['zero', o[0]]]] : undefined;
    case 'jal': return n === 1 ? [['jal', ['ra', o[0]]]] : undefined;
    case 'jr': return n === 1 ? [['jalr', ['zero', memOrReg(o[0])]]] : undefined;
    case 'jalr': return n === 1 ? [['jalr', ['ra', memOrReg(o[0])]]] : n === 2 && !o[1].includes('(') && /^[a-z]/i.test(o[1]) && isRegLike(o[1]) ? [['jalr', [o[0], `0(${o[1]})`]]] : undefined;
    case 'ret': return n === 0 ? [['jalr', ['zero', '0(ra)']]] : undefined;
    case 'call': return n === 1 ? [['auipc', ['ra', `%pcrel_hi(${o[0]})`]], ['jalr', ['ra', `%pcrel_lo(.-4+0*(${o[0]}))(ra)`]]] : undefined;
    case 'tail': return n === 1 ? [['auipc', ['t1', `%pcrel_hi(${o[0]})`]], ['jalr', ['zero', `%pcrel_lo(.-4+0*(${o[0]}))(t1)`]]] : undefined;
    case 'la':
    case 'lla': return n === 2 ? [['auipc', [o[0], `%pcrel_hi(${o[1]})`]], ['addi', [o[0], o[0], `%pcrel_lo(.-4+0*(${o[1]}))`]]] : undefined;
    case 'csrr': return n === 2 ? [['csrrs', [o[0], o[1], 'zero']]] : undefined;
    case 'csrw': return n === 2 ? [[isRegLike(o[1]) ? 'csrrw' : 'csrrwi', ['zero', o[0], o[1]]]] : undefined;
    case 'csrs': return n === 2 ? [[isRegLike(o[1]) ? 'csrrs' : 'csrrsi', ['zero', o[0], o[1]]]] : undefined;
    case 'csrc': return n === 2 ? [[isRegLike(o[1]) ? 'csrrc' : 'csrrci', ['zero', o[0], o[1]]]] : undefined;
    case 'csrwi': return n === 2 ? [['csrrwi', ['zero', o[0], o[1]]]] : undefined;
    case 'csrsi': return n === 2 ? [['csrrsi', ['zero', o[0], o[1]]]] : undefined;
    case 'csrci': return n === 2 ? [['csrrci', ['zero', o[0], o[1]]]] : undefined;
    case 'rdcycle': return n === 1 ? [['csrrs', [o[0], 'cycle', 'zero']]] : undefined;
    case 'rdtime': return n === 1 ? [['csrrs', [o[0], 'time', 'zero']]] : undefined;
    case 'rdinstret': return n === 1 ? [['csrrs', [o[0], 'instret', 'zero']]] : undefined;
    case 'frcsr': return n === 1 ? [['csrrs', [o[0], 'fcsr', 'zero']]] : undefined;
    case 'frrm': return n === 1 ? [['csrrs', [o[0], 'frm', 'zero']]] : undefined;
    case 'frflags': return n === 1 ? [['csrrs', [o[0], 'fflags', 'zero']]] : undefined;
    case 'fscsr': return fpCsrWrite('fcsr', o);
    case 'fsrm': return fpCsrWrite('frm', o);
    case 'fsflags': return fpCsrWrite('fflags', o);
    case 'fsrmi': return n === 1 ? [['csrrwi', ['zero', 'frm', o[0]]]] : n === 2 ? [['csrrwi', [o[0], 'frm', o[1]]]] : undefined;
    case 'fsflagsi': return n === 1 ? [['csrrwi', ['zero', 'fflags', o[0]]]] : n === 2 ? [['csrrwi', [o[0], 'fflags', o[1]]]] : undefined;
    default: break;
  }
  const fp = /^f(mv|abs|neg)\.(s|d)$/.exec(m);
  if (fp && n === 2) {
    const op = fp[1] === 'mv' ? 'fsgnj' : fp[1] === 'neg' ? 'fsgnjn' : 'fsgnjx';
    return [[`${op}.${fp[2]}`, [o[0], o[1], o[1]]]];
  }
  return undefined;
}

function fpCsrWrite(csr: string, o: string[]): Statement[] | undefined {
  if (o.length === 1) return [['csrrw', ['zero', csr, o[0]]]];
  if (o.length === 2) return [['csrrw', [o[0], csr, o[1]]]];
  return undefined;
}

/** `jr a0` / `jr 8(a0)` -> the jalr memory operand. */
function memOrReg(op: string): string {
  return op.includes('(') ? op : `0(${op})`;
}

/** Whether an operand looks like a register name (x0-x31, ABI names, fp). */
export function isRegLike(op: string): boolean {
  return /^(x([12]?\d|3[01])|zero|ra|sp|gp|tp|fp|t[0-6]|s([0-9]|1[01])|a[0-7])$/i.test(op.trim());
}
