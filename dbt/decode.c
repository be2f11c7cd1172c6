/*
 * The MIPS32 Release 2 instruction decoder: one 32-bit word in, one struct
 * mips_insn out. Every engine (interpreter, translator, trap-and-emulate)
 * works from this, so there is exactly one place where encodings are read.
 *
 * Shape: a switch on the major opcode, then a switch on the sub-field that
 * the opcode table names (funct, rt, rs or sa). The raw fields are always
 * filled in whatever the op, so callers never re-extract bits. Properties
 * (branch, load, privileged, ...) come from one table indexed by op.
 *
 * Encodings are from "MIPS32 Architecture For Programmers Vol. II: The
 * MIPS32 Instruction Set" (rev. 2.x), Appendix A "Instruction Bit
 * Encodings": the tables of the opcode field, of the SPECIAL, SPECIAL2,
 * SPECIAL3 and BSHFL function fields, of the REGIMM rt field, of the
 * COP0 rs and CO function fields, and of the COP1 rs, COP1 function (per
 * format) and COP1X function fields. Leniency choices about fields the
 * manual says must be zero are stated next to the instruction concerned.
 */
#include "dbt/dbt.h"

/*
 * Field "must be zero" policy: the MIPS32 manual marks many fields as 0 but
 * leaves the effect of a non-zero value UNPREDICTABLE or implementation
 * dependent, and the 24K and QEMU execute such words as the base
 * instruction (e.g. addu with sa != 0). So a non-zero "must be zero" field
 * is ignored, unless the field selects a different instruction in MIPS32r2
 * (SRL's and SRLV's R bits, JR/JALR's hint bit 10, the BSHFL sa field) or
 * in an ASE this CPU lacks (the MFMC0 rd field separates DI/EI from the MT
 * ASE's DMT/EMT/DVPE/EVPE, which must be RI here). Release 6 reuses of such
 * fields (e.g. BLEZ with rt != 0) do not count: R6 is not compatible anyway.
 * The checker tests/decoder/decoder_check.c counts every such word of the
 * guest kernel per field.
 */

#define F_BR MIPS_F_BRANCH
#define F_LK MIPS_F_LIKELY
#define F_LN MIPS_F_LINK
#define F_PV MIPS_F_PRIV
#define F_LD MIPS_F_LOAD
#define F_ST MIPS_F_STORE
#define F_EB MIPS_F_END_BLOCK
#define F_CP MIPS_F_COP

/* Properties of each op; see MIPS_F_* in dbt.h for their meanings. */
static const uint8_t op_flags[MIPS_OP_COUNT] = {
    /* Jumps and branches: all MIPS32r2 ones have a delay slot (Vol. II, "Branch Delay"). */
    [MIPS_OP_J] = F_BR, [MIPS_OP_JAL] = F_BR | F_LN,
    [MIPS_OP_JR] = F_BR, [MIPS_OP_JR_HB] = F_BR,
    [MIPS_OP_JALR] = F_BR | F_LN, [MIPS_OP_JALR_HB] = F_BR | F_LN,
    [MIPS_OP_BEQ] = F_BR, [MIPS_OP_BNE] = F_BR, [MIPS_OP_BLEZ] = F_BR, [MIPS_OP_BGTZ] = F_BR,
    [MIPS_OP_BEQL] = F_BR | F_LK, [MIPS_OP_BNEL] = F_BR | F_LK,
    [MIPS_OP_BLEZL] = F_BR | F_LK, [MIPS_OP_BGTZL] = F_BR | F_LK,
    [MIPS_OP_BLTZ] = F_BR, [MIPS_OP_BGEZ] = F_BR,
    [MIPS_OP_BLTZL] = F_BR | F_LK, [MIPS_OP_BGEZL] = F_BR | F_LK,
    [MIPS_OP_BLTZAL] = F_BR | F_LN, [MIPS_OP_BGEZAL] = F_BR | F_LN,
    [MIPS_OP_BLTZALL] = F_BR | F_LK | F_LN, [MIPS_OP_BGEZALL] = F_BR | F_LK | F_LN,

    /* Exceptions on purpose: the block ends so the engine can deliver them. */
    [MIPS_OP_SYSCALL] = F_EB, [MIPS_OP_BREAK] = F_EB, [MIPS_OP_SDBBP] = F_EB,

    /* Memory. ll is a load and sc a store (sc also writes rt, like a load). */
    [MIPS_OP_LB] = F_LD, [MIPS_OP_LH] = F_LD, [MIPS_OP_LWL] = F_LD, [MIPS_OP_LW] = F_LD,
    [MIPS_OP_LBU] = F_LD, [MIPS_OP_LHU] = F_LD, [MIPS_OP_LWR] = F_LD, [MIPS_OP_LL] = F_LD,
    [MIPS_OP_SB] = F_ST, [MIPS_OP_SH] = F_ST, [MIPS_OP_SWL] = F_ST, [MIPS_OP_SW] = F_ST,
    [MIPS_OP_SWR] = F_ST, [MIPS_OP_SC] = F_ST,
    [MIPS_OP_CACHE] = F_PV, /* Vol. II CACHE: Coprocessor Unusable unless CP0 is usable */

    /* CP0 (Vol. II, each entry's "Exceptions: Coprocessor Unusable"). */
    [MIPS_OP_MFC0] = F_PV, [MIPS_OP_MTC0] = F_PV | F_EB,
    [MIPS_OP_DI] = F_PV | F_EB, [MIPS_OP_EI] = F_PV | F_EB,
    [MIPS_OP_RDPGPR] = F_PV, [MIPS_OP_WRPGPR] = F_PV,
    [MIPS_OP_TLBR] = F_PV | F_EB, [MIPS_OP_TLBWI] = F_PV | F_EB, [MIPS_OP_TLBWR] = F_PV | F_EB,
    [MIPS_OP_TLBP] = F_PV | F_EB, [MIPS_OP_ERET] = F_PV | F_EB, [MIPS_OP_DERET] = F_PV | F_EB,
    [MIPS_OP_WAIT] = F_PV | F_EB,
    /* MT ASE (MD00378): CP0 must be usable; each may start or stop another VPE, so blocks end. */
    [MIPS_OP_MFTR] = F_PV | F_EB, [MIPS_OP_MTTR] = F_PV | F_EB, [MIPS_OP_DVPE] = F_PV | F_EB,
    [MIPS_OP_EVPE] = F_PV | F_EB, [MIPS_OP_DMT] = F_PV | F_EB, [MIPS_OP_EMT] = F_PV | F_EB,

    /* Coprocessors 1 and 2, and movf/movt, which read the FP condition codes (CU1 checked). */
    [MIPS_OP_COP2] = F_CP, [MIPS_OP_MOVF] = F_CP, [MIPS_OP_MOVT] = F_CP,
    [MIPS_OP_LWC1] = F_CP | F_LD, [MIPS_OP_LWC2] = F_CP | F_LD,
    [MIPS_OP_LDC1] = F_CP | F_LD, [MIPS_OP_LDC2] = F_CP | F_LD,
    [MIPS_OP_SWC1] = F_CP | F_ST, [MIPS_OP_SWC2] = F_CP | F_ST,
    [MIPS_OP_SDC1] = F_CP | F_ST, [MIPS_OP_SDC2] = F_CP | F_ST,
    [MIPS_OP_COP1 ... MIPS_OP_MTHC1] = F_CP,
    /* bc1f/bc1t/bc1fl/bc1tl have a delay slot like every branch (Vol. II BC1F) */
    [MIPS_OP_BC1F] = F_CP | F_BR, [MIPS_OP_BC1T] = F_CP | F_BR,
    [MIPS_OP_BC1FL] = F_CP | F_BR | F_LK, [MIPS_OP_BC1TL] = F_CP | F_BR | F_LK,
    [MIPS_OP_ADD_S ... MIPS_OP_CVT_D_L] = F_CP,
    [MIPS_OP_LWXC1] = F_CP | F_LD, [MIPS_OP_LDXC1] = F_CP | F_LD, [MIPS_OP_LUXC1] = F_CP | F_LD,
    [MIPS_OP_SWXC1] = F_CP | F_ST, [MIPS_OP_SDXC1] = F_CP | F_ST, [MIPS_OP_SUXC1] = F_CP | F_ST,
    [MIPS_OP_PREFX ... MIPS_OP_NMSUB_D] = F_CP,
};

/*
 * The code field, as a mask over bits 25:6: all 20 bits for syscall, break
 * and sdbbp, bits 15:6 for the register traps (Vol. II SYSCALL, TEQ); no
 * code for anything else. A table keeps mips_decode free of a second switch.
 */
static const uint32_t code_mask[MIPS_OP_COUNT] = {
    [MIPS_OP_SYSCALL] = 0xFFFFF, [MIPS_OP_BREAK] = 0xFFFFF, [MIPS_OP_SDBBP] = 0xFFFFF,
    [MIPS_OP_TGE] = 0x3FF, [MIPS_OP_TGEU] = 0x3FF, [MIPS_OP_TLT] = 0x3FF, [MIPS_OP_TLTU] = 0x3FF,
    [MIPS_OP_TEQ] = 0x3FF, [MIPS_OP_TNE] = 0x3FF,
};

static const char *const op_names[MIPS_OP_COUNT] = {
#define MIPS_OP_NAME(name, mn) [MIPS_OP_##name] = mn,
    MIPS_OPS(MIPS_OP_NAME)
#undef MIPS_OP_NAME
};

const char *mips_op_name(unsigned op)
{
    return op < MIPS_OP_COUNT ? op_names[op] : "invalid";
}

/* SPECIAL (opcode 0): Vol. II App. A, SPECIAL function field, selected by funct (bits 5:0). */
static enum mips_op dec_special(uint32_t w)
{
    switch (w & 0x3F) {
    case 0x00:
        /*
         * SSNOP, EHB and PAUSE are "sll $0, $0, 1/3/5" (Vol. II SSNOP, EHB,
         * PAUSE). Only the exact encodings are recognised: any other sll to
         * $0 (rs is ignored by SLL) is an ordinary no-op.
         */
        if (w == 0x00000040u)
            return MIPS_OP_SSNOP;
        if (w == 0x000000C0u)
            return MIPS_OP_EHB;
        if (w == 0x00000140u)
            return MIPS_OP_PAUSE;
        return MIPS_OP_SLL;
    /* MOVCI: tf (bit 16) picks movf/movt; bit 17 and sa must be 0 (Vol. II MOVF): ignored */
    case 0x01: return (w & (1u << 16)) ? MIPS_OP_MOVT : MIPS_OP_MOVF;
    /* bit 21 (rs bit 0) is the R bit: ROTR (Vol. II ROTR); rs bits 25:22 are ignored. */
    case 0x02: return (w & (1u << 21)) ? MIPS_OP_ROTR : MIPS_OP_SRL;
    case 0x03: return MIPS_OP_SRA;
    case 0x04: return MIPS_OP_SLLV;
    /* bit 6 (sa bit 0) is the R bit: ROTRV (Vol. II ROTRV); sa bits 10:7 are ignored. */
    case 0x06: return (w & (1u << 6)) ? MIPS_OP_ROTRV : MIPS_OP_SRLV;
    case 0x07: return MIPS_OP_SRAV;
    /*
     * The hint field (bits 10:6): 0x10 is the hazard barrier (Vol. II JR.HB,
     * JALR.HB). Only bit 10 is looked at; the other hint values are reserved
     * and executed as plain jumps here (QEMU raises RI for them instead).
     */
    case 0x08: return (w & (1u << 10)) ? MIPS_OP_JR_HB : MIPS_OP_JR;
    case 0x09: return (w & (1u << 10)) ? MIPS_OP_JALR_HB : MIPS_OP_JALR;
    case 0x0A: return MIPS_OP_MOVZ;
    case 0x0B: return MIPS_OP_MOVN;
    case 0x0C: return MIPS_OP_SYSCALL;
    case 0x0D: return MIPS_OP_BREAK;
    case 0x0F: return MIPS_OP_SYNC; /* stype (bits 10:6) kept in sa; all types act as 0 */
    case 0x10: return MIPS_OP_MFHI;
    case 0x11: return MIPS_OP_MTHI;
    case 0x12: return MIPS_OP_MFLO;
    case 0x13: return MIPS_OP_MTLO;
    case 0x18: return MIPS_OP_MULT;
    case 0x19: return MIPS_OP_MULTU;
    case 0x1A: return MIPS_OP_DIV;
    case 0x1B: return MIPS_OP_DIVU;
    case 0x20: return MIPS_OP_ADD;
    case 0x21: return MIPS_OP_ADDU;
    case 0x22: return MIPS_OP_SUB;
    case 0x23: return MIPS_OP_SUBU;
    case 0x24: return MIPS_OP_AND;
    case 0x25: return MIPS_OP_OR;
    case 0x26: return MIPS_OP_XOR;
    case 0x27: return MIPS_OP_NOR;
    case 0x2A: return MIPS_OP_SLT;
    case 0x2B: return MIPS_OP_SLTU;
    case 0x30: return MIPS_OP_TGE;
    case 0x31: return MIPS_OP_TGEU;
    case 0x32: return MIPS_OP_TLT;
    case 0x33: return MIPS_OP_TLTU;
    case 0x34: return MIPS_OP_TEQ;
    case 0x36: return MIPS_OP_TNE;
    /*
     * 0x05, 0x0E, 0x15, 0x28, 0x29, 0x35, 0x37, 0x39, 0x3D are reserved; 0x14, 0x16,
     * 0x17, 0x1C-0x1F, 0x2C-0x2F, 0x38, 0x3A-0x3C, 0x3E, 0x3F are MIPS64 only (ε).
     */
    default: return MIPS_OP_INVALID;
    }
}

/* REGIMM (opcode 1): Vol. II App. A, REGIMM rt field, selected by rt (bits 20:16). */
static enum mips_op dec_regimm(uint32_t w)
{
    switch ((w >> 16) & 0x1F) {
    case 0x00: return MIPS_OP_BLTZ;
    case 0x01: return MIPS_OP_BGEZ;
    case 0x02: return MIPS_OP_BLTZL;
    case 0x03: return MIPS_OP_BGEZL;
    case 0x08: return MIPS_OP_TGEI;
    case 0x09: return MIPS_OP_TGEIU;
    case 0x0A: return MIPS_OP_TLTI;
    case 0x0B: return MIPS_OP_TLTIU;
    case 0x0C: return MIPS_OP_TEQI;
    case 0x0E: return MIPS_OP_TNEI;
    case 0x10: return MIPS_OP_BLTZAL;
    case 0x11: return MIPS_OP_BGEZAL;
    case 0x12: return MIPS_OP_BLTZALL;
    case 0x13: return MIPS_OP_BGEZALL;
    case 0x1F: return MIPS_OP_SYNCI;
    /* 0x1C is the DSP ASE's BPOSGE32; 0x06/0x07 and 0x1E are MIPS64/later; the rest reserved. */
    default: return MIPS_OP_INVALID;
    }
}

/* SPECIAL2 (opcode 0x1C): Vol. II App. A, SPECIAL2 function field, selected by funct. */
static enum mips_op dec_special2(uint32_t w)
{
    switch (w & 0x3F) {
    /* rd and sa must be 0 for madd/maddu/msub/msubu, sa for mul: ignored. */
    case 0x00: return MIPS_OP_MADD;
    case 0x01: return MIPS_OP_MADDU;
    case 0x02: return MIPS_OP_MUL;
    case 0x04: return MIPS_OP_MSUB;
    case 0x05: return MIPS_OP_MSUBU;
    /* clz/clo: the manual asks for rt == rd; the result goes to rd whatever rt is. */
    case 0x20: return MIPS_OP_CLZ;
    case 0x21: return MIPS_OP_CLO;
    case 0x3F: return MIPS_OP_SDBBP;
    /* 0x24/0x25 are MIPS64 dclz/dclo; everything else is UDI (θ) or reserved. */
    default: return MIPS_OP_INVALID;
    }
}

/* SPECIAL3 (opcode 0x1F): Vol. II App. A, SPECIAL3 and BSHFL function fields. */
static enum mips_op dec_special3(uint32_t w)
{
    switch (w & 0x3F) {
    case 0x00: return MIPS_OP_EXT;
    case 0x04: return MIPS_OP_INS;
    case 0x20:
        /* BSHFL, selected by sa; rs must be 0: ignored. */
        switch ((w >> 6) & 0x1F) {
        case 0x02: return MIPS_OP_WSBH;
        case 0x10: return MIPS_OP_SEB;
        case 0x18: return MIPS_OP_SEH;
        default: return MIPS_OP_INVALID;
        }
    case 0x3B: return MIPS_OP_RDHWR; /* rs and sa must be 0: ignored */
    /*
     * 0x01-0x03, 0x05-0x07 and 0x24 are MIPS64 (dext*, dins*, dbshfl); 0x08-0x0F,
     * 0x10-0x1F and 0x30-0x3F hold the MT and DSP ASEs, which this CPU lacks.
     */
    default: return MIPS_OP_INVALID;
    }
}

/* COP0 (opcode 0x10): Vol. II App. A, COP0 rs field and CO function field. */
static enum mips_op dec_cop0(uint32_t w)
{
    unsigned rs = (w >> 21) & 0x1F;
    if (rs & 0x10) {
        /* CO = 1: bits 24:6 must be 0 (wait: an implementation-dependent code): ignored. */
        switch (w & 0x3F) {
        case 0x01: return MIPS_OP_TLBR;
        case 0x02: return MIPS_OP_TLBWI;
        case 0x06: return MIPS_OP_TLBWR;
        case 0x08: return MIPS_OP_TLBP;
        case 0x18: return MIPS_OP_ERET;
        case 0x1F: return MIPS_OP_DERET;
        case 0x20: return MIPS_OP_WAIT;
        default: return MIPS_OP_INVALID;
        }
    }
    switch (rs) {
    /* mfc0/mtc0: bits 10:3 must be 0: ignored (sel is bits 2:0). */
    case 0x00: return MIPS_OP_MFC0;
    case 0x04: return MIPS_OP_MTC0;
    case 0x08: return MIPS_OP_MFTR; /* MT ASE: only a CPU with it executes them (else RI) */
    case 0x0C: return MIPS_OP_MTTR;
    case 0x0A: return MIPS_OP_RDPGPR;
    case 0x0B:
        /*
         * MFMC0: di/ei have rd = 12 (Status) and sc = bit 5 (Vol. II DI, EI).
         * rd = 0/1 with sel (bits 2:0) = 1 are the MT ASE's dvpe/evpe and dmt/emt
         * (MD00378; Linux mipsmtregs.h encodes dmt with bits 10:6 = 15), so rd is
         * checked; the other must-be-zero bits (10:6, 4:3) are ignored.
         */
        switch ((w >> 11) & 0x1F) {
        case 12: return (w & (1u << 5)) ? MIPS_OP_EI : MIPS_OP_DI;
        case 0: return (w & 7) != 1 ? MIPS_OP_INVALID : (w & (1u << 5)) ? MIPS_OP_EVPE : MIPS_OP_DVPE;
        case 1: return (w & 7) != 1 ? MIPS_OP_INVALID : (w & (1u << 5)) ? MIPS_OP_EMT : MIPS_OP_DMT;
        default: return MIPS_OP_INVALID;
        }
    case 0x0E: return MIPS_OP_WRPGPR;
    /* 0x01/0x05 are MIPS64 dmfc0/dmtc0; 0x02, 0x03, 0x06-0x09, 0x0C, 0x0D, 0x0F reserved. */
    default: return MIPS_OP_INVALID;
    }
}

/*
 * The COP1 function field of fmt S or D (Vol. II App. A, COP1 function field for rs = S and
 * rs = D): the ops of MIPS_FP_FMT_OPS in the order of that table, first the S ones (base =
 * MIPS_OP_ADD_S) or the D ones (base = MIPS_OP_ADD_D). Function 0x20/0x21 are cvt.s/cvt.d,
 * of which only the one changing format exists. 0x26 (cvt.ps.s), 0x1C-0x1F (MIPS-3D),
 * 0x10, 0x14, 0x17 and the rest are reserved or absent here (FIR.PS = FIR.3D = 0).
 */
static enum mips_op dec_cop1_fmt(uint32_t w, bool dbl)
{
    int base = dbl ? MIPS_OP_ADD_D : MIPS_OP_ADD_S;
    unsigned funct = w & 0x3F;
    if (funct <= 0x0F) /* add sub mul div sqrt abs mov neg, round/trunc/ceil/floor .l/.w */
        return (enum mips_op)(base + (int)funct);
    if (funct >= 0x30) /* c.cond: FC = 11; bits 7:6 must be 0 (Vol. II C.cond.fmt): ignored */
        return (enum mips_op)(base + (MIPS_OP_C_F_S - MIPS_OP_ADD_S) + (int)(funct & 0xF));
    switch (funct) {
    case 0x11: /* MOVCF: tf = bit 16; bit 17 must be 0 (Vol. II MOVF.fmt): ignored */
        return (enum mips_op)(base + ((w & (1u << 16)) ? MIPS_OP_MOVT_S : MIPS_OP_MOVF_S) - MIPS_OP_ADD_S);
    case 0x12: return (enum mips_op)(base + (MIPS_OP_MOVZ_S - MIPS_OP_ADD_S));
    case 0x13: return (enum mips_op)(base + (MIPS_OP_MOVN_S - MIPS_OP_ADD_S));
    case 0x15: return (enum mips_op)(base + (MIPS_OP_RECIP_S - MIPS_OP_ADD_S));
    case 0x16: return (enum mips_op)(base + (MIPS_OP_RSQRT_S - MIPS_OP_ADD_S));
    case 0x20: return dbl ? MIPS_OP_CVT_S_D : MIPS_OP_COP1;
    case 0x21: return dbl ? MIPS_OP_COP1 : MIPS_OP_CVT_D_S;
    case 0x24: return (enum mips_op)(base + (MIPS_OP_CVT_W_S - MIPS_OP_ADD_S));
    case 0x25: return (enum mips_op)(base + (MIPS_OP_CVT_L_S - MIPS_OP_ADD_S));
    default: return MIPS_OP_COP1;
    }
}

/*
 * COP1 (opcode 0x11): Vol. II App. A, COP1 rs field, then the BC1 nd/tf bits or the function
 * field of the format. Words that are not an instruction of this FPU stay MIPS_OP_COP1
 * (Coprocessor Unusable without CU1, Reserved Instruction with it): dmfc1/dmtc1 (MIPS64),
 * bc1any2/bc1any4 (MIPS-3D), fmt = PS (FIR.PS = 0) and the reserved rs values. Bits that
 * must be 0 (mfc1 ... mthc1 bits 10:0, the ft field of one-operand ops) are ignored.
 */
static enum mips_op dec_cop1(uint32_t w)
{
    switch ((w >> 21) & 0x1F) {
    case 0x00: return MIPS_OP_MFC1;
    case 0x02: return MIPS_OP_CFC1;
    case 0x03: return MIPS_OP_MFHC1;
    case 0x04: return MIPS_OP_MTC1;
    case 0x06: return MIPS_OP_CTC1;
    case 0x07: return MIPS_OP_MTHC1;
    case 0x08: {
        static const enum mips_op bc1[4] = {MIPS_OP_BC1F, MIPS_OP_BC1T, MIPS_OP_BC1FL, MIPS_OP_BC1TL};
        return bc1[(w >> 16) & 3];
    }
    case 0x10: return dec_cop1_fmt(w, false);
    case 0x11: return dec_cop1_fmt(w, true);
    case 0x14: /* W */
        switch (w & 0x3F) {
        case 0x20: return MIPS_OP_CVT_S_W;
        case 0x21: return MIPS_OP_CVT_D_W;
        default: return MIPS_OP_COP1; /* 0x26 is cvt.ps.pw */
        }
    case 0x15: /* L */
        switch (w & 0x3F) {
        case 0x20: return MIPS_OP_CVT_S_L;
        case 0x21: return MIPS_OP_CVT_D_L;
        default: return MIPS_OP_COP1;
        }
    default: return MIPS_OP_COP1;
    }
}

/*
 * COP1X (opcode 0x13): Vol. II App. A, COP1X function field. The must-be-zero field of the
 * indexed loads (bits 15:11), stores and prefx (bits 10:6) is ignored. alnv.ps and the .ps
 * multiply-adds need FIR.PS and stay MIPS_OP_COP1X, with the reserved functions.
 */
static enum mips_op dec_cop1x(uint32_t w)
{
    switch (w & 0x3F) {
    case 0x00: return MIPS_OP_LWXC1;
    case 0x01: return MIPS_OP_LDXC1;
    case 0x05: return MIPS_OP_LUXC1;
    case 0x08: return MIPS_OP_SWXC1;
    case 0x09: return MIPS_OP_SDXC1;
    case 0x0D: return MIPS_OP_SUXC1;
    case 0x0F: return MIPS_OP_PREFX;
    case 0x20: return MIPS_OP_MADD_S;
    case 0x21: return MIPS_OP_MADD_D;
    case 0x28: return MIPS_OP_MSUB_S;
    case 0x29: return MIPS_OP_MSUB_D;
    case 0x30: return MIPS_OP_NMADD_S;
    case 0x31: return MIPS_OP_NMADD_D;
    case 0x38: return MIPS_OP_NMSUB_S;
    case 0x39: return MIPS_OP_NMSUB_D;
    default: return MIPS_OP_COP1X;
    }
}

/* The op of a word, by the major opcode (Vol. II App. A, opcode field, bits 31:26). */
static enum mips_op dec_op(uint32_t w)
{
    switch (w >> 26) {
    case 0x00: return dec_special(w);
    case 0x01: return dec_regimm(w);
    case 0x02: return MIPS_OP_J;
    case 0x03: return MIPS_OP_JAL;
    case 0x04: return MIPS_OP_BEQ;
    case 0x05: return MIPS_OP_BNE;
    case 0x06: return MIPS_OP_BLEZ; /* rt must be 0: ignored */
    case 0x07: return MIPS_OP_BGTZ;
    case 0x08: return MIPS_OP_ADDI;
    case 0x09: return MIPS_OP_ADDIU;
    case 0x0A: return MIPS_OP_SLTI;
    case 0x0B: return MIPS_OP_SLTIU;
    case 0x0C: return MIPS_OP_ANDI;
    case 0x0D: return MIPS_OP_ORI;
    case 0x0E: return MIPS_OP_XORI;
    case 0x0F: return MIPS_OP_LUI; /* rs must be 0: ignored */
    case 0x10: return dec_cop0(w);
    case 0x11: return dec_cop1(w);
    /*
     * No CP2: every word of this opcode raises Coprocessor Unusable whatever
     * its sub-fields, so it is not decoded further. That includes bc2f/bc2t,
     * which are branches but carry no MIPS_F_BRANCH here: they never execute.
     */
    case 0x12: return MIPS_OP_COP2;
    case 0x13: return dec_cop1x(w); /* MIPS I's COP3 opcode, COP1X in MIPS32r2 */
    case 0x14: return MIPS_OP_BEQL;
    case 0x15: return MIPS_OP_BNEL;
    case 0x16: return MIPS_OP_BLEZL;
    case 0x17: return MIPS_OP_BGTZL;
    case 0x1C: return dec_special2(w);
    case 0x1F: return dec_special3(w);
    case 0x20: return MIPS_OP_LB;
    case 0x21: return MIPS_OP_LH;
    case 0x22: return MIPS_OP_LWL;
    case 0x23: return MIPS_OP_LW;
    case 0x24: return MIPS_OP_LBU;
    case 0x25: return MIPS_OP_LHU;
    case 0x26: return MIPS_OP_LWR;
    case 0x28: return MIPS_OP_SB;
    case 0x29: return MIPS_OP_SH;
    case 0x2A: return MIPS_OP_SWL;
    case 0x2B: return MIPS_OP_SW;
    case 0x2E: return MIPS_OP_SWR;
    case 0x2F: return MIPS_OP_CACHE;
    case 0x30: return MIPS_OP_LL;
    case 0x31: return MIPS_OP_LWC1;
    case 0x32: return MIPS_OP_LWC2;
    case 0x33: return MIPS_OP_PREF; /* MIPS I's LWC3 */
    case 0x35: return MIPS_OP_LDC1;
    case 0x36: return MIPS_OP_LDC2;
    case 0x38: return MIPS_OP_SC;
    case 0x39: return MIPS_OP_SWC1;
    case 0x3A: return MIPS_OP_SWC2;
    case 0x3D: return MIPS_OP_SDC1;
    case 0x3E: return MIPS_OP_SDC2;
    /*
     * 0x18-0x1B (daddi, daddiu, ldl, ldr), 0x27 (lwu), 0x2C/0x2D (sdl, sdr), 0x34 (lld),
     * 0x37 (ld), 0x3C (scd), 0x3F (sd) are MIPS64 only; 0x1D is JALX, which needs MIPS16e
     * or microMIPS (absent); 0x1E (MDMX) and 0x3B (MIPS I's SWC3) are reserved.
     */
    default: return MIPS_OP_INVALID;
    }
}

void mips_decode(uint32_t w, struct mips_insn *out)
{
    enum mips_op op = dec_op(w);
    out->raw = w;
    out->op = (uint16_t)op;
    out->rs = (w >> 21) & 0x1F;
    out->rt = (w >> 16) & 0x1F;
    out->rd = (w >> 11) & 0x1F;
    out->sa = (w >> 6) & 0x1F;
    out->sel = w & 0x7;
    out->flags = op_flags[op];
    out->simm = (int16_t)(w & 0xFFFF);
    out->uimm = w & 0xFFFF;
    out->target = (w & 0x03FFFFFFu) << 2;
    out->pos = out->sa;
    out->size = out->rd;
    out->code = (w >> 6) & code_mask[op];
    /* c.cond.fmt keeps its cc in bits 10:8; bc1, movf/movt and movf.fmt/movt.fmt in 20:18 */
    bool compare = (op >= MIPS_OP_C_F_S && op <= MIPS_OP_C_NGT_S) ||
                   (op >= MIPS_OP_C_F_D && op <= MIPS_OP_C_NGT_D);
    out->fcc = compare ? (w >> 8) & 7 : (w >> 18) & 7;
}
