# The warm-up program (warm-up.ts): some 15,000 instructions that take the hart's common
# paths once each in M, S (Sv39, at a kernel's high addresses) and U mode, so that V8's first
# optimized code for the interpreter already has type feedback for them. Assembled by @vm/isa's
# assembler into image.ts (pnpm --filter @vm/machine gen:warm-up); warm-up.test.ts checks the two
# agree. Every trap it provokes is a 4-byte instruction that the handlers step over, and the
# handlers count what they take: M-mode at COUNTS, S-mode at COUNTS + 8.
        .equ    OFFSET_HI, 0xffffffff00000000   # S-mode sees RAM at 0xffffffff80000000
        .equ    DATA, 0x80100000                # two data pages (S-mode: 0x40000000, 0x40001000)
        .equ    FDATA, 0x80102000
        .equ    ADATA, 0x80102100
        .equ    COUNTS, 0x80102200
        .equ    ROOT, 0x80104000                # Sv39 root, level-1 and level-0 tables
        .equ    L1, 0x80105000
        .equ    L0, 0x80106000
        .equ    STACK_TOP, 0x80110000

_start:
        li      sp, STACK_TOP
        la      t0, m_trap
        csrw    mtvec, t0
        li      t0, -1
        csrw    mcounteren, t0
        csrw    scounteren, t0
        li      a0, DATA
        li      s0, 4
1:      call    body
        addi    s0, s0, -1
        bnez    s0, 1b
        call    mpriv
        # Page tables: root[2] an identity gigapage for U, root[0x1fe] the high gigapage for S,
        # root[1] -> L1 -> L0: 0x40000000 (A and D set) and 0x40001000 (A and D for the walk to set).
        li      t0, ROOT
        li      t1, 0x80000 << 10
        ori     t2, t1, 0xdf
        sd      t2, 2 * 8(t0)
        ori     t2, t1, 0xcf
        li      t3, 0x1fe * 8
        add     t3, t3, t0
        sd      t2, 0(t3)
        li      t1, (L1 >> 12 << 10) | 1
        sd      t1, 1 * 8(t0)
        li      t1, L1
        li      t2, (L0 >> 12 << 10) | 1
        sd      t2, 0(t1)
        li      t1, L0
        li      t2, (DATA >> 12 << 10) | 0xc7
        sd      t2, 0(t1)
        li      t2, ((DATA + 0x1000) >> 12 << 10) | 0x07
        sd      t2, 8(t1)
        li      t0, (8 << 60) | (ROOT >> 12)
        csrw    satp, t0
        sfence.vma
        li      t0, (1 << 2) | (1 << 3) | (1 << 8) | (1 << 12) | (1 << 13) | (1 << 15)
        csrw    medeleg, t0
        li      t0, (1 << 1) | (1 << 5) | (1 << 9)
        csrw    mideleg, t0
        li      t0, -1
        csrw    pmpaddr0, t0
        li      t0, 0x1f
        csrw    pmpcfg0, t0
        li      t1, OFFSET_HI
        la      t0, s_entry
        add     t0, t0, t1
        csrw    mepc, t0
        li      t0, 0x1800
        csrc    mstatus, t0
        li      t0, 0x800
        csrs    mstatus, t0
        mret

m_trap:
        csrrw   t6, mscratch, t6
        li      t6, COUNTS
        ld      t5, 0(t6)
        addi    t5, t5, 1
        sd      t5, 0(t6)
        csrrw   t6, mscratch, t6
        csrr    t5, mcause
        bltz    t5, m_irq
        li      t6, 9
        beq     t5, t6, m_done
        csrr    t6, mepc
        addi    t6, t6, 4
        csrw    mepc, t6
        mret
m_irq:
        li      t6, 0x80
        csrc    mie, t6
        mret
m_done:
        # A loop hot enough to become a block, calling a leaf on a page of its own: warmUp compiles
        # the block as soon as it is hot (a guest's blocks wait for a batch longer than this
        # program runs), so the interpreter's probe finds a block and the dispatcher runs it, and
        # fetches go from page to page through the fetch page cache.
        li      s0, 1500
1:      addi    s0, s0, -1
        add     t1, t1, s0
        xor     t2, t2, t1
        call    far_leaf
        bnez    s0, 1b
        li      t0, 0x100000
        li      t1, 0x5555
        sw      t1, 0(t0)
1:      j       1b

# ---- M-mode only: CSRs, FP, AMOs, traps, MMIO, a timer interrupt
mpriv:
        csrr    t0, mstatus
        csrrs   t1, mscratch, t0
        csrrc   t1, mscratch, t0
        csrrwi  t1, mscratch, 5
        csrrsi  t1, mscratch, 2
        csrrci  t1, mscratch, 1
        csrr    t1, misa
        csrr    t1, mhartid
        rdcycle t1
        rdtime  t1
        rdinstret t1
        li      t0, 0x6000
        csrs    mstatus, t0
        csrw    fcsr, zero
        li      t2, FDATA
        li      t1, 0x4000000000000000
        sd      t1, 0(t2)
        li      t1, 0x4008000000000000
        sd      t1, 8(t2)
        li      t1, 0x3fc00000
        sw      t1, 16(t2)
        fld     ft0, 0(t2)
        fld     ft1, 8(t2)
        flw     ft2, 16(t2)
        fadd.d  ft3, ft0, ft1
        fsub.d  ft3, ft3, ft1
        fmul.d  ft4, ft0, ft1
        fdiv.d  ft5, ft0, ft1
        fsqrt.d ft6, ft1
        fmadd.d ft7, ft0, ft1, ft3
        fmsub.d ft7, ft0, ft1, ft3
        fnmadd.d ft7, ft0, ft1, ft3
        fmin.d  ft8, ft0, ft1
        fmax.d  ft8, ft0, ft1
        feq.d   t1, ft0, ft1
        flt.d   t1, ft0, ft1
        fle.d   t1, ft0, ft1
        fcvt.l.d t1, ft0, rtz
        fcvt.w.d t1, ft0
        fcvt.d.l ft9, t1
        fcvt.d.w ft9, t1
        fcvt.s.d ft10, ft0
        fcvt.d.s ft10, ft10
        fadd.s  ft11, ft2, ft2
        fmul.s  ft11, ft11, ft2
        fmv.x.d t1, ft0
        fmv.d.x ft0, t1
        fmv.x.w t1, ft2
        fsgnj.d ft0, ft0, ft1
        fsgnjn.d ft0, ft0, ft1
        fclass.d t1, ft0
        fsd     ft3, 24(t2)
        fsw     ft2, 32(t2)
        mv      a1, t2
        c.fld   fa0, 0(a1)
        c.fsd   fa0, 8(a1)
        frflags t1
        csrw    fcsr, zero
        li      t2, ADATA
        li      t1, 3
        amoadd.w t3, t1, (t2)
        amoadd.d t3, t1, (t2)
        amoswap.w t3, t1, (t2)
        amoswap.d t3, t1, (t2)
        amoand.d t3, t1, (t2)
        amoor.w  t3, t1, (t2)
        amoxor.d t3, t1, (t2)
        amomax.w t3, t1, (t2)
        amomin.d t3, t1, (t2)
        amomaxu.d t3, t1, (t2)
        amominu.w t3, t1, (t2)
        lr.d    t3, (t2)
        sc.d    t4, t1, (t2)
        lr.w    t3, (t2)
        sc.w    t4, t1, (t2)
        sc.d    t4, t1, (t2)
        # traps the handler steps over: ecall, ebreak, an illegal word, a CSR that does not exist,
        # a store to the boot ROM
        ecall
        ebreak
        .word   0
        csrr    t1, 0x7ff
        li      t1, 0x1000
        ld      t3, 0(t1)
        sd      t3, 0(t1)
        # misaligned accesses (done by the hart, no trap)
        ld      t3, 1(t2)
        sd      t3, 1(t2)
        lw      t3, 2(t2)
        # MMIO: UART, RTC, PLIC, the virtio-mmio slots' magic, the CLINT
        li      t1, 0x10000000
        lbu     t3, 5(t1)
        sb      zero, 1(t1)
        li      t1, 0x101000
        lw      t3, 0(t1)
        li      t1, 0xc000000
        li      t3, 1
        sw      t3, 4 * 10(t1)
        li      t4, 0x200004
        add     t4, t4, t1
        lw      t3, 0(t4)
        li      t1, 0x10001000
        li      t4, 0x10009000
2:      lw      t3, 0(t1)
        lw      t3, 4(t1)
        li      t5, 0x1000
        add     t1, t1, t5
        bne     t1, t4, 2b
        li      t1, 0x200bff8
        ld      t3, 0(t1)
        # a timer interrupt (the handler disables it), waited for in WFI as an idle loop does: with
        # mstatus.MIE clear, so it cannot be taken between a check and the WFI; WFI wakes on it
        # pending in mie all the same (priv spec 3.3.3), and setting MIE takes it
        addi    t3, t3, 20
        li      t4, 0x2004000
        sd      t3, 0(t4)
        li      t0, 0x80
        csrs    mie, t0
        wfi
        csrsi   mstatus, 8
1:      csrr    t0, mie
        andi    t0, t0, 0x80
        bnez    t0, 1b
        csrci   mstatus, 8
        li      t3, -1
        sd      t3, 0(t4)
        fence
        fence.i
        ret

# ---- S-mode (at 0xffffffff8...): paging, faults, fences, a supervisor software interrupt
s_entry:
        la      t0, s_trap
        csrw    stvec, t0
        li      sp, STACK_TOP + OFFSET_HI
        li      a0, 0x40000000
        li      s0, 4
1:      call    body
        addi    s0, s0, -1
        bnez    s0, 1b
        csrr    t0, sstatus
        csrrs   t1, sscratch, t0
        li      t0, 0x40000
        csrs    sstatus, t0
        csrc    sstatus, t0
        csrr    t1, satp
        rdtime  t1
        rdcycle t1
        li      t1, 0x40001000
        sd      t1, 0(t1)
        ld      t2, 8(t1)
        sfence.vma
        li      t1, 0x40000000
        sfence.vma t1
        ld      t3, 0(zero)
        sd      t3, 8(zero)
        li      t1, 0x3fff000
        jalr    t1
        li      t0, 2
        csrs    sie, t0
        csrs    sip, t0
        csrsi   sstatus, 2
1:      csrr    t0, sie
        andi    t0, t0, 2
        bnez    t0, 1b
        # to U-mode at the identity mapping
        li      t0, 0x100
        csrc    sstatus, t0
        la      t0, u_entry
        li      t1, OFFSET_HI
        sub     t0, t0, t1
        csrw    sepc, t0
        sret
s_trap:
        csrrw   t6, sscratch, t6
        li      t6, COUNTS + 8 + OFFSET_HI
        ld      t5, 0(t6)
        addi    t5, t5, 1
        sd      t5, 0(t6)
        csrrw   t6, sscratch, t6
        csrr    t5, scause
        bltz    t5, s_irq
        li      t6, 8
        beq     t5, t6, s_from_u
        li      t6, 12
        beq     t5, t6, s_fetch
        csrr    t6, sepc
        addi    t6, t6, 4
        csrw    sepc, t6
        sret
s_irq:
        li      t6, 2
        csrc    sip, t6
        csrc    sie, t6
        sret
s_fetch:
        csrw    sepc, ra
        sret
s_from_u:
        ecall

# ---- U-mode (the identity mapping)
u_entry:
        li      a0, DATA
        li      sp, STACK_TOP
        li      s0, 4
1:      call    body
        addi    s0, s0, -1
        bnez    s0, 1b
        rdtime  t1
        ecall

# ---- every mode: integer and M instructions, compressed ones, loads and stores at a0, branches
body:
        addi    sp, sp, -16
        sd      ra, 8(sp)
        li      t0, -7
        li      t1, 0x12345678
        slli    t2, t1, 32
        or      t2, t2, t1
        add     t3, t0, t1
        sub     t3, t0, t1
        sll     t3, t1, t0
        slt     t3, t0, t1
        sltu    t3, t0, t1
        xor     t3, t0, t2
        srl     t3, t2, t1
        sra     t3, t0, t1
        or      t3, t0, t1
        and     t3, t0, t2
        addw    t3, t0, t1
        subw    t3, t0, t1
        sllw    t3, t1, t0
        srlw    t3, t1, t0
        sraw    t3, t0, t1
        addi    t3, t2, -2048
        slti    t3, t0, 5
        sltiu   t3, t0, 5
        xori    t3, t0, -1
        ori     t3, t0, 0x555
        andi    t3, t2, 0x7f0
        slli    t3, t2, 63
        srli    t3, t2, 7
        srai    t3, t0, 1
        addiw   t3, t2, 1
        slliw   t3, t2, 31
        srliw   t3, t2, 3
        sraiw   t3, t0, 3
        lui     t3, 0xfffff
        lui     t3, 0x80000
        lui     t3, 0x40000
        lui     t3, 0x7ffff
        auipc   t3, 0x7ffff
        auipc   t3, 0x80000
        auipc   t3, 0xfffff
        mul     t3, t0, t2
        mulh    t3, t0, t2
        mulhsu  t3, t0, t2
        mulhu   t3, t0, t2
        div     t3, t2, t0
        divu    t3, t2, t0
        rem     t3, t2, t0
        remu    t3, t2, t0
        div     t3, t2, zero
        mulw    t3, t0, t1
        divw    t3, t1, t0
        divuw   t3, t1, t0
        remw    t3, t1, t0
        remuw   t3, t1, t0
        sd      t2, 0(a0)
        sw      t1, 8(a0)
        sh      t1, 12(a0)
        sb      t1, 14(a0)
        ld      t3, 0(a0)
        lw      t3, 8(a0)
        lwu     t3, 8(a0)
        lh      t3, 12(a0)
        lhu     t3, 12(a0)
        lb      t3, 14(a0)
        lbu     t3, 14(a0)
        addi    t4, a0, 2046
        sd      t2, 2046(t4)
        ld      t3, 2046(t4)
        c.li    a1, -3
        c.addi  a1, 5
        c.lui   a2, 0x1f
        c.slli  a2, 3
        c.srli  a2, 1
        c.srai  a2, 1
        c.andi  a2, 7
        c.mv    a3, a1
        c.add   a3, a2
        c.sub   a3, a1
        c.xor   a3, a2
        c.or    a3, a1
        c.and   a3, a2
        c.addw  a3, a1
        c.subw  a3, a2
        c.addiw a3, 1
        c.sd    a3, 16(a0)
        c.sw    a3, 24(a0)
        c.ld    a4, 16(a0)
        c.lw    a4, 24(a0)
        c.sdsp  a3, 0(sp)
        c.ldsp  a4, 0(sp)
        c.swsp  a3, 4(sp)
        c.lwsp  a4, 4(sp)
        c.addi16sp sp, -32
        c.addi16sp sp, 32
        c.addi4spn a5, sp, 8
        c.beqz  a1, 2f
        c.bnez  a1, 2f
2:      c.j     3f
3:      la      t4, leaf
        c.jalr  t4
        beq     t0, t1, 4f
        bne     t0, t0, 4f
        blt     t1, t0, 4f
        bge     t0, t1, 4f
        bltu    t0, t1, 4f
        bgeu    t1, t0, 4f
        beq     t0, t0, 5f
4:      nop
5:      bne     t0, t1, 6f
6:      blt     t0, t1, 7f
7:      bge     t1, t0, 8f
8:      bltu    t1, t0, 9f
9:      bgeu    t0, t1, 10f
10:     jal     leaf
        j       14f
13:     jal     t4, 15f                 # backward and forward jumps, long and short
14:     c.j     13b
15:     la      t4, 16f
        addi    t4, t4, 8
        jalr    t5, -8(t4)
16:     li      t5, 40
11:     addi    t5, t5, -1
        add     t6, t6, t5
        lw      t4, -4(sp)
        sw      t4, -8(sp)
        bnez    t5, 11b
        ld      ra, 8(sp)
        addi    sp, sp, 16
        ret
leaf:
        c.jr    ra

        .balign 4096
far_leaf:
        ret
