/*
 * decoder_check: our MIPS32r2 decoder against capstone 4, over every aligned
 * word of the real guest kernel (text and data alike, so it also sees
 * thousands of garbage encodings).
 *
 *   decoder_check --image build/guest/vmlinux.bin --base 0x80100000
 *                 [--known tests/decoder/known-differences.txt] [--verbose]
 *
 * Each word is decoded by both. Capstone's aliases (nop, move, b, beqz, ...)
 * are turned back into their base instruction, and our decoding is rendered
 * in capstone's operand shape, so mnemonic and every register and immediate
 * are compared. Words where the two legitimately differ are put into narrow
 * categories, each with a test that proves the difference is the one named
 * (e.g. "capstone rejects this addu only because sa != 0": the same word
 * with sa cleared must then agree operand for operand). The committed file
 * of known differences pins each category's count over this kernel; any
 * unexplained word or changed count fails the check (exit 1).
 *
 *   decoder_check --words FILE
 *
 * checks a list of words instead (hex, one per line, as mvisor --insn-words writes the
 * words a boot executed). Executed code is real compiler output, so there every word must
 * agree with capstone, or differ only as a COP2 word (a Coprocessor Unusable trap) or as an
 * encoding capstone 4 does not know or decodes only in its MIPS64 mode; a must-be-zero
 * violation or a reserved encoding in that list fails the check.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * capstone 4's mips.h uses two of our names (MIPS_OP_INVALID and the tag
 * mips_insn); rename its copies while it is read.
 */
#define MIPS_OP_INVALID CS_MIPS_OPERAND_INVALID
#define mips_insn cs_mips_insn_id
#include <capstone/capstone.h>
#undef MIPS_OP_INVALID
#undef mips_insn

#include "dbt/dbt.h"

#define DEFAULT_KNOWN "tests/decoder/known-differences.txt"
#define MAX_OFFENDERS 20

/* ---- the categories of legitimate difference ---- */

enum cat {
    CAT_COARSE_COP2, CAT_CS_FPU_OTHER, CAT_CS_MSA_BRANCH, CAT_CS_BC3, CAT_CS_FP64_MODE,
    CAT_CS_FCC_COMPARE, CAT_CS_NO_RECIP_PREFX,
    CAT_CS_JALX, CAT_CS_MSA, CAT_CS_LSA, CAT_CS_DSP, CAT_CS_DSP_ACC,
    CAT_CS_NO_PGPR, CAT_CS_RDHWR29, CAT_CS_CLZ_RT,
    CAT_MBZ_ALU_SA, CAT_MBZ_SHIFT_RS, CAT_MBZ_JUMP, CAT_MBZ_HILO, CAT_MBZ_MULDIV, CAT_MBZ_CLZ,
    CAT_MBZ_SYNC, CAT_MBZ_BSHFL, CAT_MBZ_RDHWR, CAT_MBZ_BRANCH_RT, CAT_MBZ_LUI, CAT_MBZ_COP0_MOVE,
    CAT_MBZ_MFMC0, CAT_MBZ_COP0_CO, CAT_MBZ_MOVCI, CAT_MBZ_COP1, CAT_MT_ASE,
    CAT_COUNT
};

static const struct {
    const char *name, *reason;
} cats[CAT_COUNT] = {
    [CAT_CS_FPU_OTHER] = { "capstone-decodes-ps-3d-mips64",
        "COP1/COP1X words of the paired-single format, MIPS-3D or MIPS64 (fmt PS, bc1any2/4, dmfc1/dmtc1, cvt.ps, alnv.ps, madd.ps, ...): this FPU has FIR.PS = FIR.3D = 0, so they are reserved (Vol. II App. A, COP1 and COP1X tables); capstone decodes them" },
    [CAT_CS_MSA_BRANCH] = { "capstone-decodes-msa-branch",
        "COP1 rs 0x0B, 0x0F and 0x18-0x1F are the MSA branches bz.v/bnz.v/bz.df/bnz.df (a Release 5 module); reserved in this MIPS32r2 FPU (Vol. II App. A, COP1 rs field)" },
    [CAT_CS_BC3] = { "capstone-decodes-bc3",
        "opcode 0x13 is COP1X in MIPS32r2; capstone reads MIPS I COP3 there and shows bc3f/bc3t/bc3fl/bc3tl when rs = 8 (Vol. II App. A, opcode and COP1X function fields)" },
    [CAT_CS_FP64_MODE] = { "capstone-fp64-in-mips64-mode-only",
        "64-bit FPU operands capstone accepts only in its MIPS64 mode (odd registers of .d ops, the L format, mfhc1/mthc1), all MIPS32r2 with FIR.F64 = 1 (Vol. II CVT.L.fmt, MFHC1): capstone's MIPS64 mode must decode the word exactly as we do" },
    [CAT_CS_FCC_COMPARE] = { "capstone-c.cond-cc-nonzero",
        "c.cond.fmt with a condition code other than 0 (Vol. II C.cond.fmt, cc in bits 10:8): capstone 4 rejects it; the same word with cc = 0 must agree operand for operand" },
    [CAT_CS_NO_RECIP_PREFX] = { "capstone-lacks-recip-rsqrt-prefx",
        "capstone 4 knows neither recip.fmt/rsqrt.fmt (COP1 funct 0x15/0x16) nor prefx (COP1X funct 0x0F), all MIPS32r2 with a 64-bit FPU (Vol. II RECIP.fmt, RSQRT.fmt, PREFX)" },
    [CAT_COARSE_COP2] = { "coarse-cop2",
        "no CP2: every COP2 word (opcode 0x12) raises Coprocessor Unusable, so ours is the coarse cop2 (Vol. II App. A, opcode field)" },
    [CAT_CS_JALX] = { "capstone-decodes-jalx",
        "opcode 0x1D is JALX, which needs MIPS16e or microMIPS; Config1.CA = 0 on this CPU, so reserved (Vol. II JALX; App. A, opcode field)" },
    [CAT_CS_MSA] = { "capstone-decodes-msa",
        "opcode 0x1E is MSA (a Release 5 module); in MIPS32r2 it is the reserved MDMX slot (Vol. II App. A, opcode field)" },
    [CAT_CS_LSA] = { "capstone-decodes-lsa",
        "SPECIAL funct 0x05/0x15 are LSA/DLSA of MSA and Release 6; reserved in MIPS32r2 (Vol. II App. A, SPECIAL function field)" },
    [CAT_CS_DSP] = { "capstone-decodes-dsp",
        "SPECIAL3 functs 0x08-0x1F/0x30-0x3A and REGIMM rt=0x1C (bposge32) are the DSP and MT ASEs, which this CPU lacks (Vol. IV-e; Vol. II App. A, SPECIAL3 function field)" },
    [CAT_CS_DSP_ACC] = { "capstone-dsp-accumulator",
        "capstone reads the DSP ASE accumulator field of hi/lo/mult ops; in MIPS32r2 those bits must be 0 and are ignored (Vol. II MFHI, MULT)" },
    [CAT_CS_NO_PGPR] = { "capstone-lacks-rdpgpr-wrpgpr",
        "capstone 4 does not know RDPGPR/WRPGPR (COP0 rs=0x0A/0x0E), both MIPS32r2 (Vol. II RDPGPR, WRPGPR)" },
    [CAT_CS_RDHWR29] = { "capstone-rdhwr-only-hwr29",
        "capstone 4 decodes rdhwr only for hardware register 29; MIPS32r2 defines 0-3 and 29 and reserves the rest, which raise RI at run time, not at decode (Vol. II RDHWR)" },
    [CAT_CS_CLZ_RT] = { "capstone-clz-clo-dest-rt",
        "clz/clo with rt != rd is UNPREDICTABLE (Vol. II CLZ: software must put the same register in both); capstone shows register rt|rd, we write rd" },
    [CAT_MBZ_ALU_SA] = { "mbz-sa-register-ops",
        "3-register ALU/movz/movn/variable-shift/mul with a non-zero sa field (must be 0; for srlv/rotrv bits 10:7): executed as the base op (Vol. II ADDU etc.), capstone rejects" },
    [CAT_MBZ_SHIFT_RS] = { "mbz-rs-shift-immediate",
        "sll/sra with rs != 0, srl/rotr with rs bits 25:22 != 0 (must be 0, Vol. II SLL, SRL): executed as the base op, capstone rejects" },
    [CAT_MBZ_JUMP] = { "mbz-jump-register",
        "jr/jalr with rt/rd (jr) or rt (jalr) or hint bits 9:6 non-zero (must be 0, Vol. II JR, JALR): executed as the jump, capstone rejects" },
    [CAT_MBZ_HILO] = { "mbz-hilo-moves",
        "mfhi/mflo/mthi/mtlo with a non-zero must-be-zero field (Vol. II MFHI etc.): executed as the base op, capstone rejects" },
    [CAT_MBZ_MULDIV] = { "mbz-multiply-divide",
        "mult/multu/div/divu/madd/maddu/msub/msubu with rd or sa != 0 (must be 0, Vol. II MULT etc.): executed as the base op, capstone rejects" },
    [CAT_MBZ_CLZ] = { "mbz-clz-clo",
        "clz/clo with rt != rd or sa != 0 (the manual asks rt == rd, Vol. II CLZ): result to rd, capstone rejects" },
    [CAT_MBZ_SYNC] = { "mbz-sync",
        "sync with bits 25:11 != 0 (must be 0, Vol. II SYNC): executed as sync, capstone rejects" },
    [CAT_MBZ_BSHFL] = { "mbz-rs-bshfl",
        "seb/seh/wsbh with rs != 0 (must be 0, Vol. II SEB): executed as the base op, capstone rejects" },
    [CAT_MBZ_RDHWR] = { "mbz-rdhwr",
        "rdhwr with rs or sa != 0 (must be 0, Vol. II RDHWR): executed as rdhwr, capstone rejects" },
    [CAT_MBZ_BRANCH_RT] = { "mbz-rt-branch",
        "blez/bgtz/blezl/bgtzl with rt != 0 (must be 0 in MIPS32r2, Vol. II BLEZ): executed as the branch, capstone rejects" },
    [CAT_MBZ_LUI] = { "mbz-rs-lui",
        "lui with rs != 0 (must be 0, Vol. II LUI): executed as lui, capstone rejects" },
    [CAT_MBZ_COP0_MOVE] = { "mbz-cop0-move",
        "mfc0/mtc0 with bits 10:3 != 0 (must be 0, Vol. II MFC0): executed as the move, capstone rejects" },
    [CAT_MBZ_MFMC0] = { "mbz-di-ei",
        "di/ei (rd = 12) with bits 10:6 or 4:0 != 0 (must be 0, Vol. II DI, EI): executed as di/ei, capstone rejects" },
    [CAT_MBZ_COP0_CO] = { "mbz-cop0-co",
        "tlbr/tlbwi/tlbwr/tlbp/eret/deret/wait with bits 24:6 != 0 (must be 0; implementation-dependent for wait, Vol. II WAIT): executed as the op, capstone rejects" },
    [CAT_MBZ_MOVCI] = { "mbz-movci",
        "movf/movt with bit 17 or sa != 0 (must be 0, Vol. II MOVF): executed as movf/movt, capstone rejects" },
    [CAT_MBZ_COP1] = { "mbz-cop1",
        "FPU words with a must-be-zero field set (mfc1..mthc1 bits 10:0, the ft field of one-operand ops, c.cond bits 7:6, movf.fmt bit 17, lwxc1 bits 15:11, swxc1/prefx bits 10:6; Vol. II MFC1, SQRT.fmt, C.cond.fmt, MOVF.fmt, LWXC1, SWXC1): executed as the base op, capstone rejects" },
    [CAT_MT_ASE] = { "mt-ase",
        "the MT ASE's mftr/mttr (COP0 rs 0x08/0x0C) and dvpe/evpe/dmt/emt (MFMC0 rd 0/1, sel 1), which the 34Kf has (MD00378; RI on the 24K): capstone's MIPS32 mode has no MT ASE (it shows rs 0x08 as MIPS I bc0f/bc0t)" },
};

/* ---- capstone-shaped forms ---- */

enum { K_REG = 1, K_IMM, K_MEM };

struct opnd {
    int kind;
    int64_t v;    /* register id, immediate, or memory base register id */
    int64_t disp; /* memory displacement */
};

struct form {
    char mn[32];
    int n;
    struct opnd o[8];
};

static void f_reg(struct form *f, int id) { f->o[f->n++] = (struct opnd){ K_REG, id, 0 }; }
static void f_gpr(struct form *f, unsigned n) { f_reg(f, MIPS_REG_0 + (int)n); }
static void f_imm(struct form *f, int64_t v) { f->o[f->n++] = (struct opnd){ K_IMM, v, 0 }; }
static void f_mem(struct form *f, unsigned base, int64_t disp)
{
    f->o[f->n++] = (struct opnd){ K_MEM, MIPS_REG_0 + (int)base, disp };
}

static bool form_eq(const struct form *a, const struct form *b)
{
    if (strcmp(a->mn, b->mn) || a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (a->o[i].kind != b->o[i].kind || a->o[i].v != b->o[i].v || a->o[i].disp != b->o[i].disp)
            return false;
    return true;
}

static void form_str(csh h, const struct form *f, char *buf, size_t len)
{
    size_t k = (size_t)snprintf(buf, len, "%s", f->mn);
    for (int i = 0; i < f->n && k < len; i++) {
        const struct opnd *o = &f->o[i];
        const char *sep = i ? ", " : " ";
        if (o->kind == K_REG)
            k += (size_t)snprintf(buf + k, len - k, "%s$%s", sep, cs_reg_name(h, (unsigned)o->v));
        else if (o->kind == K_IMM)
            k += (size_t)snprintf(buf + k, len - k, "%s%" PRId64, sep, o->v);
        else
            k += (size_t)snprintf(buf + k, len - k, "%s%" PRId64 "($%s)", sep, o->disp,
                                  cs_reg_name(h, (unsigned)o->v));
    }
}

/*
 * capstone's operands, with its aliases turned back into the base
 * instruction (found by running capstone over the kernel): the word itself
 * picks the base where an alias covers two (move is addu or or).
 */
static void cs_form(const cs_insn *ci, uint32_t w, struct form *f)
{
    const cs_mips *m = &ci->detail->mips;
    f->n = 0;
    snprintf(f->mn, sizeof(f->mn), "%s", ci->mnemonic);
    for (int i = 0; i < m->op_count && i < 8; i++) {
        const cs_mips_op *o = &m->operands[i];
        if (o->type == MIPS_OP_REG)
            f_reg(f, o->reg);
        else if (o->type == MIPS_OP_IMM)
            f_imm(f, o->imm);
        else if (o->type == MIPS_OP_MEM)
            f->o[f->n++] = (struct opnd){ K_MEM, o->mem.base, o->mem.disp };
    }
    struct form g = *f;
    const char *mn = f->mn;
    unsigned funct = w & 0x3F, opc = w >> 26;
    if (!strcmp(mn, "nop") && f->n == 0) { /* sll $0, $0, 0 */
        snprintf(g.mn, sizeof(g.mn), "sll");
        g.n = 0; f_gpr(&g, 0); f_gpr(&g, 0); f_imm(&g, 0);
    } else if (!strcmp(mn, "move") && f->n == 2 && opc == 0 && (funct == 0x21 || funct == 0x25)) {
        snprintf(g.mn, sizeof(g.mn), "%s", funct == 0x21 ? "addu" : "or");
        g.n = 2; f_gpr(&g, 0); /* move rd, rs = addu/or rd, rs, $0 */
    } else if (!strcmp(mn, "b") && f->n == 1) {
        snprintf(g.mn, sizeof(g.mn), "beq");
        g.n = 0; f_gpr(&g, 0); f_gpr(&g, 0); g.o[g.n++] = f->o[0];
    } else if (!strcmp(mn, "bal") && f->n == 1) {
        snprintf(g.mn, sizeof(g.mn), "bgezal");
        g.n = 0; f_gpr(&g, 0); g.o[g.n++] = f->o[0];
    } else if ((!strcmp(mn, "beqz") || !strcmp(mn, "bnez")) && f->n == 2) {
        snprintf(g.mn, sizeof(g.mn), "%s", mn[1] == 'e' ? "beq" : "bne");
        g.n = 1; f_gpr(&g, 0); g.o[g.n++] = f->o[1];
    } else if ((!strcmp(mn, "negu") || !strcmp(mn, "neg")) && f->n == 2) {
        snprintf(g.mn, sizeof(g.mn), "%s", mn[3] == 'u' ? "subu" : "sub");
        g.n = 1; f_gpr(&g, 0); g.o[g.n++] = f->o[1];
    } else if (!strcmp(mn, "not") && f->n == 2) {
        snprintf(g.mn, sizeof(g.mn), "nor");
        g.n = 2; f_gpr(&g, 0);
    } else if (!strcmp(mn, "jr") && f->n == 1 && opc == 0 && funct == 0x09) {
        /* jalr $0, rs is shown as jr rs */
        snprintf(g.mn, sizeof(g.mn), "jalr");
        g.n = 0; f_gpr(&g, 0); g.o[g.n++] = f->o[0];
    }
    *f = g;
}

static void f_fpr(struct form *f, unsigned n) { f_reg(f, MIPS_REG_F0 + (int)n); }

static bool is_compare(unsigned op)
{
    return (op >= MIPS_OP_C_F_S && op <= MIPS_OP_C_NGT_S) || (op >= MIPS_OP_C_F_D && op <= MIPS_OP_C_NGT_D);
}

/* The COP1/COP1X ops in capstone's shape (operand order of the manual); false for others. */
static bool fp_form(const struct mips_insn *in, uint32_t pc, struct form *f)
{
    unsigned op = in->op, fd = in->sa, fs = in->rd, ft = in->rt;
    bool fmt_op = (op >= MIPS_OP_ADD_S && op <= MIPS_OP_CVT_D_L);
    if (is_compare(op)) {
        if (in->fcc) /* capstone's form has no cc operand when it is 0 */
            f_reg(f, MIPS_REG_FCC0 + (int)in->fcc);
        f_fpr(f, fs); f_fpr(f, ft);
        return true;
    }
    if (fmt_op) {
        unsigned k = op >= MIPS_OP_ADD_D && op <= MIPS_OP_CVT_S_D ? op - MIPS_OP_ADD_D
                     : op <= MIPS_OP_CVT_D_S ? op - MIPS_OP_ADD_S : 99;
        f_fpr(f, fd); f_fpr(f, fs);
        if (k <= MIPS_OP_DIV_S - MIPS_OP_ADD_S)
            f_fpr(f, ft);
        else if (k == MIPS_OP_MOVF_S - MIPS_OP_ADD_S || k == MIPS_OP_MOVT_S - MIPS_OP_ADD_S)
            f_reg(f, MIPS_REG_FCC0 + (int)in->fcc);
        else if (k == MIPS_OP_MOVZ_S - MIPS_OP_ADD_S || k == MIPS_OP_MOVN_S - MIPS_OP_ADD_S)
            f_gpr(f, ft);
        return true;
    }
    switch (op) {
    case MIPS_OP_MFC1: case MIPS_OP_MTC1: case MIPS_OP_MFHC1: case MIPS_OP_MTHC1:
        f_gpr(f, in->rt); f_fpr(f, fs); return true;
    case MIPS_OP_CFC1: case MIPS_OP_CTC1: /* capstone names FPU control registers as GPRs */
        f_gpr(f, in->rt); f_gpr(f, fs); return true;
    case MIPS_OP_BC1F: case MIPS_OP_BC1T: case MIPS_OP_BC1FL: case MIPS_OP_BC1TL:
        if (in->fcc)
            f_reg(f, MIPS_REG_FCC0 + (int)in->fcc);
        f_imm(f, pc + 4 + ((uint32_t)in->simm << 2));
        return true;
    case MIPS_OP_LWXC1: case MIPS_OP_LDXC1: case MIPS_OP_LUXC1:
        f_fpr(f, fd); f_gpr(f, in->rt); f_gpr(f, in->rs); return true;
    case MIPS_OP_SWXC1: case MIPS_OP_SDXC1: case MIPS_OP_SUXC1:
        f_fpr(f, fs); f_gpr(f, in->rt); f_gpr(f, in->rs); return true;
    case MIPS_OP_MADD_S: case MIPS_OP_MADD_D: case MIPS_OP_MSUB_S: case MIPS_OP_MSUB_D:
    case MIPS_OP_NMADD_S: case MIPS_OP_NMADD_D: case MIPS_OP_NMSUB_S: case MIPS_OP_NMSUB_D:
        f_fpr(f, fd); f_fpr(f, in->rs); f_fpr(f, fs); f_fpr(f, ft); return true;
    default:
        return false;
    }
}

/*
 * Our decoding in capstone's shape. False for the coarse coprocessor ops,
 * which have no operands to compare.
 */
static bool our_form(const struct mips_insn *in, uint32_t pc, struct form *f)
{
    f->n = 0;
    snprintf(f->mn, sizeof(f->mn), "%s", mips_op_name(in->op));
    uint32_t btgt = pc + 4 + ((uint32_t)in->simm << 2);
    if (fp_form(in, pc, f))
        return true;
    switch ((enum mips_op)in->op) {
    case MIPS_OP_INVALID: case MIPS_OP_COP1: case MIPS_OP_COP1X: case MIPS_OP_COP2:
    case MIPS_OP_PREFX: case MIPS_OP_MFTR: case MIPS_OP_MTTR: case MIPS_OP_DVPE: case MIPS_OP_EVPE:
    case MIPS_OP_DMT: case MIPS_OP_EMT:
        return false;
    case MIPS_OP_SLL: case MIPS_OP_SRL: case MIPS_OP_SRA: case MIPS_OP_ROTR:
        f_gpr(f, in->rd); f_gpr(f, in->rt); f_imm(f, in->sa); break;
    case MIPS_OP_SLLV: case MIPS_OP_SRLV: case MIPS_OP_SRAV: case MIPS_OP_ROTRV:
        f_gpr(f, in->rd); f_gpr(f, in->rt); f_gpr(f, in->rs); break;
    case MIPS_OP_JR: case MIPS_OP_JR_HB: case MIPS_OP_MTHI: case MIPS_OP_MTLO:
        f_gpr(f, in->rs); break;
    case MIPS_OP_JALR: case MIPS_OP_JALR_HB:
        if (in->rd != 31) /* capstone's one-operand form implies rd = $ra */
            f_gpr(f, in->rd);
        f_gpr(f, in->rs);
        break;
    case MIPS_OP_MOVZ: case MIPS_OP_MOVN: case MIPS_OP_ADD: case MIPS_OP_ADDU: case MIPS_OP_SUB:
    case MIPS_OP_SUBU: case MIPS_OP_AND: case MIPS_OP_OR: case MIPS_OP_XOR: case MIPS_OP_NOR:
    case MIPS_OP_SLT: case MIPS_OP_SLTU: case MIPS_OP_MUL:
        f_gpr(f, in->rd); f_gpr(f, in->rs); f_gpr(f, in->rt); break;
    case MIPS_OP_SYSCALL: case MIPS_OP_SDBBP:
        if (in->code)
            f_imm(f, in->code);
        break;
    case MIPS_OP_BREAK: /* capstone splits the code into bits 25:16 and 15:6 */
        if (in->code & 0x3FF) {
            f_imm(f, in->code >> 10); f_imm(f, in->code & 0x3FF);
        } else if (in->code) {
            f_imm(f, in->code >> 10);
        }
        break;
    case MIPS_OP_SYNC:
        if (in->sa)
            f_imm(f, in->sa);
        break;
    case MIPS_OP_MFHI: case MIPS_OP_MFLO:
        f_gpr(f, in->rd); break;
    case MIPS_OP_MULT: case MIPS_OP_MULTU: case MIPS_OP_DIV: case MIPS_OP_DIVU: case MIPS_OP_MADD:
    case MIPS_OP_MADDU: case MIPS_OP_MSUB: case MIPS_OP_MSUBU:
        f_gpr(f, in->rs); f_gpr(f, in->rt); break;
    case MIPS_OP_TGE: case MIPS_OP_TGEU: case MIPS_OP_TLT: case MIPS_OP_TLTU: case MIPS_OP_TEQ:
    case MIPS_OP_TNE:
        f_gpr(f, in->rs); f_gpr(f, in->rt);
        if (in->code)
            f_imm(f, in->code);
        break;
    case MIPS_OP_MOVF: case MIPS_OP_MOVT:
        f_gpr(f, in->rd); f_gpr(f, in->rs); f_reg(f, MIPS_REG_FCC0 + (int)in->fcc);
        break;
    case MIPS_OP_SSNOP: case MIPS_OP_EHB: case MIPS_OP_PAUSE: case MIPS_OP_TLBR:
    case MIPS_OP_TLBWI: case MIPS_OP_TLBWR: case MIPS_OP_TLBP: case MIPS_OP_ERET: case MIPS_OP_DERET:
    case MIPS_OP_WAIT:
        break;
    case MIPS_OP_BLTZ: case MIPS_OP_BGEZ: case MIPS_OP_BLTZL: case MIPS_OP_BGEZL: case MIPS_OP_BLTZAL:
    case MIPS_OP_BGEZAL: case MIPS_OP_BLTZALL: case MIPS_OP_BGEZALL: case MIPS_OP_BLEZ:
    case MIPS_OP_BGTZ: case MIPS_OP_BLEZL: case MIPS_OP_BGTZL:
        f_gpr(f, in->rs); f_imm(f, btgt); break;
    case MIPS_OP_BEQ: case MIPS_OP_BNE: case MIPS_OP_BEQL: case MIPS_OP_BNEL:
        f_gpr(f, in->rs); f_gpr(f, in->rt); f_imm(f, btgt); break;
    /* capstone shows the 16 raw bits of the trap immediates (the CPU sign-extends them) */
    case MIPS_OP_TGEI: case MIPS_OP_TGEIU: case MIPS_OP_TLTI: case MIPS_OP_TLTIU: case MIPS_OP_TEQI:
    case MIPS_OP_TNEI:
        f_gpr(f, in->rs); f_imm(f, in->uimm); break;
    case MIPS_OP_SYNCI:
        f_mem(f, in->rs, in->simm); break;
    case MIPS_OP_J: case MIPS_OP_JAL:
        f_imm(f, ((pc + 4) & 0xF0000000u) | in->target); break;
    case MIPS_OP_ADDI: case MIPS_OP_ADDIU: case MIPS_OP_SLTI: case MIPS_OP_SLTIU:
        f_gpr(f, in->rt); f_gpr(f, in->rs); f_imm(f, in->simm); break;
    case MIPS_OP_ANDI: case MIPS_OP_ORI: case MIPS_OP_XORI:
        f_gpr(f, in->rt); f_gpr(f, in->rs); f_imm(f, in->uimm); break;
    case MIPS_OP_LUI:
        f_gpr(f, in->rt); f_imm(f, in->uimm); break;
    case MIPS_OP_LB: case MIPS_OP_LH: case MIPS_OP_LWL: case MIPS_OP_LW: case MIPS_OP_LBU:
    case MIPS_OP_LHU: case MIPS_OP_LWR: case MIPS_OP_SB: case MIPS_OP_SH: case MIPS_OP_SWL:
    case MIPS_OP_SW: case MIPS_OP_SWR: case MIPS_OP_LL: case MIPS_OP_SC:
    /* capstone names CP2 registers with the GPR ids */
    case MIPS_OP_LWC2: case MIPS_OP_LDC2: case MIPS_OP_SWC2: case MIPS_OP_SDC2:
        f_gpr(f, in->rt); f_mem(f, in->rs, in->simm); break;
    case MIPS_OP_LWC1: case MIPS_OP_LDC1: case MIPS_OP_SWC1: case MIPS_OP_SDC1:
        f_reg(f, MIPS_REG_F0 + in->rt); f_mem(f, in->rs, in->simm); break;
    case MIPS_OP_CACHE: case MIPS_OP_PREF:
        f_imm(f, in->rt); f_mem(f, in->rs, in->simm); break;
    case MIPS_OP_CLZ: case MIPS_OP_CLO:
        f_gpr(f, in->rd); f_gpr(f, in->rs); break;
    case MIPS_OP_EXT:
        f_gpr(f, in->rt); f_gpr(f, in->rs); f_imm(f, in->pos); f_imm(f, in->size + 1); break;
    case MIPS_OP_INS:
        f_gpr(f, in->rt); f_gpr(f, in->rs); f_imm(f, in->pos);
        f_imm(f, (int64_t)in->size - in->pos + 1);
        break;
    case MIPS_OP_WSBH: case MIPS_OP_SEB: case MIPS_OP_SEH:
        f_gpr(f, in->rd); f_gpr(f, in->rt); break;
    case MIPS_OP_RDHWR:
        f_gpr(f, in->rt); f_gpr(f, in->rd); break;
    case MIPS_OP_MFC0: case MIPS_OP_MTC0:
        f_gpr(f, in->rt); f_gpr(f, in->rd); f_imm(f, in->sel); break;
    case MIPS_OP_DI: case MIPS_OP_EI:
        if (in->rt)
            f_gpr(f, in->rt);
        break;
    case MIPS_OP_RDPGPR: case MIPS_OP_WRPGPR:
        f_gpr(f, in->rd); f_gpr(f, in->rt); break;
    case MIPS_OP_MFC1 ... MIPS_OP_CVT_D_L: case MIPS_OP_LWXC1 ... MIPS_OP_SUXC1:
    case MIPS_OP_MADD_S ... MIPS_OP_NMSUB_D: /* shaped by fp_form */
    case MIPS_OP_COUNT:
        return false;
    }
    return true;
}

/* ---- canonical encodings: must-be-zero fields cleared, per op ---- */

#define RS_F 0x03E00000u
#define RT_F 0x001F0000u
#define RD_F 0x0000F800u
#define SA_F 0x000007C0u

/* The must-be-zero bits of an FPU op (Vol. II MFC1, SQRT.fmt, C.cond.fmt, ...); false if none. */
static bool fpu_mbz(const struct mips_insn *in, uint32_t *mbz)
{
    unsigned op = in->op;
    if (op >= MIPS_OP_MFC1 && op <= MIPS_OP_MTHC1) {
        *mbz = 0x7FFu;
        return true;
    }
    if (is_compare(op)) {
        *mbz = 0xC0u;
        return true;
    }
    if (op == MIPS_OP_MOVF_S || op == MIPS_OP_MOVT_S || op == MIPS_OP_MOVF_D || op == MIPS_OP_MOVT_D) {
        *mbz = 1u << 17;
        return true;
    }
    if (op == MIPS_OP_LWXC1 || op == MIPS_OP_LDXC1 || op == MIPS_OP_LUXC1) {
        *mbz = RD_F;
        return true;
    }
    if (op == MIPS_OP_SWXC1 || op == MIPS_OP_SDXC1 || op == MIPS_OP_SUXC1 || op == MIPS_OP_PREFX) {
        *mbz = SA_F;
        return true;
    }
    /* the one-operand ops of fmt S/D/W/L: everything but the 3-register, movcf, movz/movn */
    bool s = op >= MIPS_OP_ADD_S && op <= MIPS_OP_CVT_D_S, d = op >= MIPS_OP_ADD_D && op <= MIPS_OP_CVT_S_D;
    if (s || d) {
        unsigned k = op - (s ? MIPS_OP_ADD_S : MIPS_OP_ADD_D);
        if (k <= MIPS_OP_DIV_S - MIPS_OP_ADD_S || (k >= MIPS_OP_MOVF_S - MIPS_OP_ADD_S &&
                                                    k <= MIPS_OP_MOVN_S - MIPS_OP_ADD_S))
            return false;
        *mbz = RT_F;
        return true;
    }
    if (op >= MIPS_OP_CVT_S_W && op <= MIPS_OP_CVT_D_L) {
        *mbz = RT_F;
        return true;
    }
    return false;
}

/*
 * Reserved COP1/COP1X words capstone decodes: are they paired-single, MIPS-3D or MIPS64
 * encodings? (Vol. II App. A: COP1 rs 0x01/0x05 dmfc1/dmtc1, 0x09/0x0A bc1any2/bc1any4,
 * 0x16 PS; funct 0x26 cvt.ps.s / cvt.ps.pw, 0x1C-0x1F MIPS-3D recip1/2, rsqrt1/2; COP1X funct
 * 0x1E alnv.ps and the .ps multiply-adds 0x26, 0x2E, 0x36, 0x3E.)
 */
static bool fpu_other_region(uint32_t w)
{
    unsigned opc = w >> 26, rs = (w >> 21) & 0x1F, funct = w & 0x3F;
    if (opc == 0x13)
        return funct == 0x1E || funct == 0x26 || funct == 0x2E || funct == 0x36 || funct == 0x3E;
    if (rs == 0x01 || rs == 0x05 || rs == 0x09 || rs == 0x0A || rs == 0x16)
        return true;
    if ((rs == 0x10 || rs == 0x14) && funct == 0x26)
        return true;
    return (rs == 0x10 || rs == 0x11) && funct >= 0x1C && funct <= 0x1F;
}


/*
 * The word with the fields our decoder ignores for this op set to what the
 * manual requires, and the category a capstone rejection of the original
 * word falls in. -1: the op has no such field.
 */
static int canonical(const struct mips_insn *in, uint32_t *canon)
{
    uint32_t w = in->raw, mbz;
    int cat;
    switch ((enum mips_op)in->op) {
    case MIPS_OP_ADD: case MIPS_OP_ADDU: case MIPS_OP_SUB: case MIPS_OP_SUBU: case MIPS_OP_AND:
    case MIPS_OP_OR: case MIPS_OP_XOR: case MIPS_OP_NOR: case MIPS_OP_SLT: case MIPS_OP_SLTU:
    case MIPS_OP_MOVZ: case MIPS_OP_MOVN: case MIPS_OP_SLLV: case MIPS_OP_SRAV: case MIPS_OP_MUL:
        mbz = SA_F; cat = CAT_MBZ_ALU_SA; break;
    case MIPS_OP_SRLV: case MIPS_OP_ROTRV:
        mbz = SA_F & ~(1u << 6); cat = CAT_MBZ_ALU_SA; break;
    case MIPS_OP_SLL: case MIPS_OP_SRA:
        mbz = RS_F; cat = CAT_MBZ_SHIFT_RS; break;
    case MIPS_OP_SRL: case MIPS_OP_ROTR:
        mbz = RS_F & ~(1u << 21); cat = CAT_MBZ_SHIFT_RS; break;
    case MIPS_OP_JR: case MIPS_OP_JR_HB:
        mbz = RT_F | RD_F | 0x3C0u; cat = CAT_MBZ_JUMP; break;
    case MIPS_OP_JALR: case MIPS_OP_JALR_HB:
        mbz = RT_F | 0x3C0u; cat = CAT_MBZ_JUMP; break;
    case MIPS_OP_MFHI: case MIPS_OP_MFLO:
        mbz = RS_F | RT_F | SA_F; cat = CAT_MBZ_HILO; break;
    case MIPS_OP_MTHI: case MIPS_OP_MTLO:
        mbz = RT_F | RD_F | SA_F; cat = CAT_MBZ_HILO; break;
    case MIPS_OP_MULT: case MIPS_OP_MULTU: case MIPS_OP_DIV: case MIPS_OP_DIVU: case MIPS_OP_MADD:
    case MIPS_OP_MADDU: case MIPS_OP_MSUB: case MIPS_OP_MSUBU:
        mbz = RD_F | SA_F; cat = CAT_MBZ_MULDIV; break;
    case MIPS_OP_CLZ: case MIPS_OP_CLO:
        *canon = (w & ~(RT_F | SA_F)) | ((uint32_t)in->rd << 16);
        return *canon != w ? CAT_MBZ_CLZ : -1;
    case MIPS_OP_SYNC:
        mbz = 0x03FFF800u; cat = CAT_MBZ_SYNC; break;
    case MIPS_OP_WSBH: case MIPS_OP_SEB: case MIPS_OP_SEH:
        mbz = RS_F; cat = CAT_MBZ_BSHFL; break;
    case MIPS_OP_RDHWR:
        mbz = RS_F | SA_F; cat = CAT_MBZ_RDHWR; break;
    case MIPS_OP_BLEZ: case MIPS_OP_BGTZ: case MIPS_OP_BLEZL: case MIPS_OP_BGTZL:
        mbz = RT_F; cat = CAT_MBZ_BRANCH_RT; break;
    case MIPS_OP_LUI:
        mbz = RS_F; cat = CAT_MBZ_LUI; break;
    case MIPS_OP_MFC0: case MIPS_OP_MTC0:
        mbz = 0x7F8u; cat = CAT_MBZ_COP0_MOVE; break;
    case MIPS_OP_DI: case MIPS_OP_EI:
        mbz = 0x7DFu; cat = CAT_MBZ_MFMC0; break;
    case MIPS_OP_TLBR: case MIPS_OP_TLBWI: case MIPS_OP_TLBWR: case MIPS_OP_TLBP: case MIPS_OP_ERET:
    case MIPS_OP_DERET: case MIPS_OP_WAIT:
        mbz = 0x01FFFFC0u; cat = CAT_MBZ_COP0_CO; break;
    case MIPS_OP_MOVF: case MIPS_OP_MOVT:
        mbz = (1u << 17) | SA_F; cat = CAT_MBZ_MOVCI; break;
    default:
        if (!fpu_mbz(in, &mbz))
            return -1;
        cat = CAT_MBZ_COP1;
        break;
    }
    *canon = w & ~mbz;
    return *canon != w ? cat : -1;
}

/* ---- the comparison of one word ---- */

struct checker {
    csh h, h64; /* capstone's MIPS32 and MIPS64 modes */
    cs_insn *ci, *ci64;
};

static void checker_close(struct checker *c)
{
    if (c->ci)
        cs_free(c->ci, 1);
    if (c->ci64)
        cs_free(c->ci64, 1);
    if (c->h)
        cs_close(&c->h);
    if (c->h64)
        cs_close(&c->h64);
}

/*
 * Both capstone modes, with details: check_word falls back on the MIPS64 one for FPU words
 * (64-bit operands, c.cond with a condition code), so every caller needs both. 0 or -1.
 */
static int checker_open(struct checker *c)
{
    memset(c, 0, sizeof(*c));
    if (cs_open(CS_ARCH_MIPS, CS_MODE_MIPS32 | CS_MODE_LITTLE_ENDIAN, &c->h) != CS_ERR_OK) {
        fprintf(stderr, "decoder_check: capstone: cannot open a MIPS32 handle\n");
        return -1;
    }
    if (cs_open(CS_ARCH_MIPS, CS_MODE_MIPS64 | CS_MODE_LITTLE_ENDIAN, &c->h64) != CS_ERR_OK) {
        fprintf(stderr, "decoder_check: capstone: cannot open a MIPS64 handle\n");
        checker_close(c);
        return -1;
    }
    cs_option(c->h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_option(c->h64, CS_OPT_DETAIL, CS_OPT_ON);
    c->ci = cs_malloc(c->h);
    c->ci64 = cs_malloc(c->h64);
    if (!c->ci || !c->ci64) {
        fprintf(stderr, "decoder_check: capstone: out of memory\n");
        checker_close(c);
        return -1;
    }
    return 0;
}

/* capstone's decoding of w at pc into f; false if capstone rejects it. */
static bool cs_decode(struct checker *c, uint32_t w, uint32_t pc, struct form *f)
{
    uint8_t b[4] = { w & 0xFF, (w >> 8) & 0xFF, (w >> 16) & 0xFF, w >> 24 };
    const uint8_t *p = b;
    size_t sz = 4;
    uint64_t addr = pc;
    if (!cs_disasm_iter(c->h, &p, &sz, &addr, c->ci))
        return false;
    cs_form(c->ci, w, f);
    return true;
}

/* The same with capstone's MIPS64 mode, which knows the 64-bit FPU (FR = 1) encodings. */
static bool cs_decode64(struct checker *c, uint32_t w, uint32_t pc, struct form *f)
{
    uint8_t b[4] = { w & 0xFF, (w >> 8) & 0xFF, (w >> 16) & 0xFF, w >> 24 };
    const uint8_t *p = b;
    size_t sz = 4;
    uint64_t addr = pc;
    if (!cs_disasm_iter(c->h64, &p, &sz, &addr, c->ci64))
        return false;
    cs_form(c->ci64, w, f);
    return true;
}

static bool has_acc_operand(const struct form *f)
{
    for (int i = 0; i < f->n; i++)
        if (f->o[i].kind == K_REG && f->o[i].v >= MIPS_REG_AC0 && f->o[i].v <= MIPS_REG_AC3)
            return true;
    return false;
}

/* Category of an INVALID word that capstone decodes, by encoding region; -1 if none. */
static int region_of_invalid(uint32_t w, const struct form *cf)
{
    unsigned opc = w >> 26, funct = w & 0x3F;
    switch (opc) {
    case 0x00:
        if ((funct == 0x05 || funct == 0x15) && (!strcmp(cf->mn, "lsa") || !strcmp(cf->mn, "dlsa")))
            return CAT_CS_LSA;
        return -1;
    case 0x01:
        return ((w >> 16) & 0x1F) == 0x1C ? CAT_CS_DSP : -1;
    case 0x1D:
        return CAT_CS_JALX;
    case 0x1E:
        return CAT_CS_MSA;
    case 0x1F:
        /* DSP/MT regions of SPECIAL3; the MIPS64 functs and BSHFL/RDHWR are not DSP */
        if ((funct >= 0x08 && funct <= 0x1F) || (funct >= 0x30 && funct <= 0x3A))
            return CAT_CS_DSP;
        return -1;
    default:
        return -1;
    }
}

/*
 * Compares one word; returns 0 on agreement, 1 + category for a known
 * difference, -1 for an unexplained one (with both renderings in ours/theirs).
 */
static int check_word(struct checker *c, uint32_t w, uint32_t pc, char *ours, char *theirs,
                      size_t len)
{
    struct mips_insn in;
    struct form of, cf;
    mips_decode(w, &in);
    bool cs_ok = cs_decode(c, w, pc, &cf);
    bool our_ok = our_form(&in, pc, &of);

    snprintf(ours, len, "%s", mips_op_name(in.op));
    if (our_ok)
        form_str(c->h, &of, ours, len);
    if (cs_ok)
        form_str(c->h, &cf, theirs, len);
    else
        snprintf(theirs, len, "(unknown)");

    if (in.op == MIPS_OP_COP2)
        return 1 + CAT_COARSE_COP2;
    if (in.op >= MIPS_OP_MFTR && in.op <= MIPS_OP_EMT)
        return 1 + CAT_MT_ASE;
    if ((w >> 26) == 0x13 && ((w >> 21) & 0x1F) == 8 && cs_ok && !strncmp(cf.mn, "bc3", 3))
        return 1 + CAT_CS_BC3;
    if (in.op == MIPS_OP_COP1 || in.op == MIPS_OP_COP1X) {
        if (!cs_ok)
            return 0;
        unsigned rs = (w >> 21) & 0x1F;
        if ((w >> 26) == 0x11 && (rs == 0x0B || rs == 0x0F || rs >= 0x18) &&
            (!strncmp(cf.mn, "bz.", 3) || !strncmp(cf.mn, "bnz.", 4)))
            return 1 + CAT_CS_MSA_BRANCH;
        return fpu_other_region(w) ? 1 + CAT_CS_FPU_OTHER : -1;
    }
    if (!cs_ok && (in.op == MIPS_OP_PREFX || in.op == MIPS_OP_RECIP_S || in.op == MIPS_OP_RECIP_D ||
                   in.op == MIPS_OP_RSQRT_S || in.op == MIPS_OP_RSQRT_D))
        return 1 + CAT_CS_NO_RECIP_PREFX;
    if (in.op == MIPS_OP_INVALID) {
        if (!cs_ok)
            return 0;
        int cat = region_of_invalid(w, &cf);
        return cat >= 0 ? 1 + cat : -1;
    }
    if (cs_ok && form_eq(&of, &cf))
        return 0;
    if (!cs_ok && (in.op == MIPS_OP_RDPGPR || in.op == MIPS_OP_WRPGPR))
        return 1 + CAT_CS_NO_PGPR;

    /*
     * rdhwr of another register than 29: capstone must agree once rd is 29
     * (and the must-be-zero rs/sa are cleared).
     */
    if (!cs_ok && in.op == MIPS_OP_RDHWR && in.rd != 29) {
        struct mips_insn hin;
        struct form hof, hcf;
        uint32_t w29 = (w & ~(RS_F | RD_F | SA_F)) | (29u << 11);
        mips_decode(w29, &hin);
        return our_form(&hin, pc, &hof) && cs_decode(c, w29, pc, &hcf) && form_eq(&hof, &hcf)
                   ? 1 + CAT_CS_RDHWR29 : -1;
    }
    /*
     * clz/clo with rt != rd (UNPREDICTABLE, Vol. II CLZ): capstone shows the
     * destination as register rt | rd (its decoder ORs the two fields that
     * encode the one operand); we write rd. Everything else must agree.
     */
    if (cs_ok && (in.op == MIPS_OP_CLZ || in.op == MIPS_OP_CLO) && in.rt != in.rd && !in.sa) {
        struct form alt = of;
        alt.o[0].v = MIPS_REG_0 + (in.rt | in.rd);
        return form_eq(&alt, &cf) ? 1 + CAT_CS_CLZ_RT : -1;
    }

    /* An FPU word capstone takes only in its MIPS64 mode: that mode must agree exactly. */
    if (!cs_ok && (in.flags & MIPS_F_COP) && our_ok && cs_decode64(c, w, pc, &cf) && form_eq(&of, &cf))
        return 1 + CAT_CS_FP64_MODE;
    /*
     * c.cond with cc != 0 or its must-be-zero bits 7:6 set: the same compare with both cleared
     * must agree (in capstone's MIPS64 mode if it has 64-bit operands in odd registers).
     */
    if (!cs_ok && is_compare(in.op) && (in.fcc || (w & 0xC0))) {
        uint32_t w0 = w & ~0x7C0u;
        struct mips_insn in0;
        struct form of0, cf0;
        mips_decode(w0, &in0);
        bool agree = our_form(&in0, pc, &of0) &&
                     ((cs_decode(c, w0, pc, &cf0) && form_eq(&of0, &cf0)) ||
                      (cs_decode64(c, w0, pc, &cf0) && form_eq(&of0, &cf0)));
        return agree ? 1 + ((w & 0xC0) ? CAT_MBZ_COP1 : CAT_CS_FCC_COMPARE) : -1;
    }

    /* A must-be-zero field: the canonical word must agree exactly, with the same op. */
    uint32_t canon;
    int cat = canonical(&in, &canon);
    if (cat < 0)
        return -1;
    struct mips_insn cin;
    struct form cof, ccf;
    mips_decode(canon, &cin);
    /* sll $0, $0, 1/3/5 with rs != 0 is an sll; without rs it is ssnop/ehb/pause */
    bool barrier = in.op == MIPS_OP_SLL && (cin.op == MIPS_OP_SSNOP || cin.op == MIPS_OP_EHB ||
                                            cin.op == MIPS_OP_PAUSE);
    if ((cin.op != in.op && !barrier) || !our_form(&cin, pc, &cof))
        return -1;
    bool ccs_ok = cs_decode(c, canon, pc, &ccf);
    if (!(ccs_ok && form_eq(&cof, &ccf)) && !(cat == CAT_MBZ_COP1 && cs_decode64(c, canon, pc, &ccf) &&
                                             form_eq(&cof, &ccf)))
        return -1;
    if (!cs_ok)
        return 1 + cat;
    /* capstone decoded it differently: only the DSP accumulator reading is known */
    if (has_acc_operand(&cf) && (cat == CAT_MBZ_HILO || cat == CAT_MBZ_MULDIV))
        return 1 + CAT_CS_DSP_ACC;
    return -1;
}

/* ---- known-differences file ---- */

struct known {
    bool present;
    unsigned long count;
};

static int load_known(const char *path, struct known *k)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "decoder_check: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int lineno = 0, bad = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char name[128];
        unsigned long count;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        if (sscanf(p, "%127s %lu", name, &count) != 2) {
            fprintf(stderr, "%s:%d: expected 'category count reason'\n", path, lineno);
            bad = 1;
            continue;
        }
        int i;
        for (i = 0; i < CAT_COUNT; i++)
            if (!strcmp(cats[i].name, name))
                break;
        if (i == CAT_COUNT) {
            fprintf(stderr, "%s:%d: unknown category '%s'\n", path, lineno, name);
            bad = 1;
            continue;
        }
        if (k[i].present) {
            fprintf(stderr, "%s:%d: category '%s' listed twice\n", path, lineno, name);
            bad = 1;
        }
        k[i].present = true;
        k[i].count = count;
    }
    fclose(f);
    return bad ? -1 : 0;
}

/* ---- --words: the words a run executed ---- */

static bool category_ok_when_executed(int cat)
{
    switch (cat) {
    case CAT_COARSE_COP2: case CAT_CS_FP64_MODE: case CAT_CS_FCC_COMPARE: case CAT_CS_NO_RECIP_PREFX:
    case CAT_CS_NO_PGPR: case CAT_CS_RDHWR29: case CAT_MT_ASE:
        return true;
    default:
        return false;
    }
}

static int check_words(const char *path, bool verbose)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "decoder_check: cannot open %s: %s\n", path, strerror(errno));
        return 2;
    }
    struct checker c;
    if (checker_open(&c) < 0) {
        fclose(f);
        return 2;
    }
    char line[64];
    unsigned long nwords = 0, agree = 0, both_reject = 0, bad = 0, lineno = 0;
    unsigned long counts[CAT_COUNT] = { 0 };
    int rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *end;
        errno = 0;
        unsigned long v = strtoul(line, &end, 16);
        if (errno || end == line || (*end != '\n' && *end != 0) || v > UINT32_MAX) {
            fprintf(stderr, "decoder_check: %s:%lu: not a hex word\n", path, lineno);
            rc = 2;
            break;
        }
        uint32_t w = (uint32_t)v, pc = 0x80000000u;
        char ours[160], theirs[160];
        int r = check_word(&c, w, pc, ours, theirs, sizeof(ours));
        nwords++;
        if (r == 0) {
            agree++;
            if (!strcmp(theirs, "(unknown)")) {
                both_reject++;
                if (verbose)
                    printf("  [reserved, executed as RI] %08" PRIx32 "\n", w);
            }
        } else if (r > 0 && category_ok_when_executed(r - 1)) {
            counts[r - 1]++;
            if (verbose)
                printf("  [%s] %08" PRIx32 "  ours: %-32s capstone: %s\n", cats[r - 1].name, w, ours, theirs);
        } else {
            if (bad < MAX_OFFENDERS)
                printf("EXECUTED %s %08" PRIx32 "  ours: %-32s capstone: %s\n",
                       r > 0 ? cats[r - 1].name : "UNEXPLAINED", w, ours, theirs);
            bad++;
        }
    }
    fclose(f);
    checker_close(&c);
    if (rc)
        return rc;
    printf("decoder: %lu distinct executed words from %s: %lu agree (%lu reserved in both), %lu bad\n",
           nwords, path, agree, both_reject, bad);
    for (int i = 0; i < CAT_COUNT; i++)
        if (counts[i])
            printf("  %-30s %8lu\n", cats[i].name, counts[i]);
    if (nwords == 0) {
        printf("decoder: the word list is empty\n");
        return 1;
    }
    return bad ? 1 : 0;
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr,
            "usage: decoder_check --image FILE --base ADDR [--known FILE] [--verbose] [--print-known]\n"
            "       decoder_check --words FILE [--verbose]\n"
            "  compares mips_decode with capstone over every aligned word of FILE loaded at ADDR\n"
            "  --words FILE    instead, over the hex words of FILE (mvisor --insn-words): words a run\n"
            "                  executed, which must agree or differ only as COP2 words and the\n"
            "                  encodings capstone 4 lacks (no must-be-zero or reserved encodings)\n"
            "  --known FILE    expected category counts (default " DEFAULT_KNOWN ")\n"
            "  --verbose       also print up to 5 examples of every category\n"
            "  --show N        print the first N unexplained words (default 20)\n"
            "  --print-known   print the category lines for the known-differences file\n");
}

int main(int argc, char **argv)
{
    const char *image = NULL, *known_path = DEFAULT_KNOWN, *words = NULL;
    uint32_t base = 0;
    bool have_base = false, verbose = false, print_known = false;
    unsigned long max_offenders = MAX_OFFENDERS;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--image") && i + 1 < argc) {
            image = argv[++i];
        } else if (!strcmp(a, "--base") && i + 1 < argc) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[++i], &end, 0);
            if (errno || *end || v > UINT32_MAX || (v & 3)) {
                fprintf(stderr, "decoder_check: --base: '%s' is not a word-aligned 32-bit address\n",
                        argv[i]);
                return 2;
            }
            base = (uint32_t)v;
            have_base = true;
        } else if (!strcmp(a, "--words") && i + 1 < argc) {
            words = argv[++i];
        } else if (!strcmp(a, "--known") && i + 1 < argc) {
            known_path = argv[++i];
        } else if (!strcmp(a, "--show") && i + 1 < argc) {
            max_offenders = strtoul(argv[++i], NULL, 0);
        } else if (!strcmp(a, "--verbose")) {
            verbose = true;
        } else if (!strcmp(a, "--print-known")) {
            print_known = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage();
            return 0;
        } else {
            fprintf(stderr, "decoder_check: bad argument '%s'\n", a);
            usage();
            return 2;
        }
    }
    if (words)
        return check_words(words, verbose);
    if (!image || !have_base) {
        usage();
        return 2;
    }

    FILE *f = fopen(image, "rb");
    if (!f) {
        fprintf(stderr, "decoder_check: cannot open %s: %s\n", image, strerror(errno));
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    uint8_t *img = size > 0 ? malloc((size_t)size) : NULL;
    if (!img || fread(img, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "decoder_check: cannot read %s\n", image);
        return 2;
    }
    fclose(f);

    struct known known[CAT_COUNT] = { { 0 } };
    bool known_ok = print_known || load_known(known_path, known) == 0;

    struct checker c;
    if (checker_open(&c) < 0) {
        free(img);
        return 2;
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned long nwords = (unsigned long)size / 4, agree = 0, unexplained = 0, knowndiff = 0;
    unsigned long both_reject = 0;
    unsigned long counts[CAT_COUNT] = { 0 };
    for (unsigned long i = 0; i < nwords; i++) {
        uint32_t w;
        memcpy(&w, img + 4 * i, 4); /* the image is little-endian, like the host */
        uint32_t pc = base + 4 * (uint32_t)i;
        char ours[160], theirs[160];
        int r = check_word(&c, w, pc, ours, theirs, sizeof(ours));
        if (r == 0) {
            agree++;
            both_reject += !strcmp(theirs, "(unknown)");
        } else if (r > 0) {
            knowndiff++;
            if (verbose && counts[r - 1] < 5)
                printf("  [%s] 0x%08" PRIx32 ": %08" PRIx32 "  ours: %-32s capstone: %s\n",
                       cats[r - 1].name, pc, w, ours, theirs);
            counts[r - 1]++;
        } else {
            if (unexplained < max_offenders)
                printf("UNEXPLAINED 0x%08" PRIx32 ": %08" PRIx32 "  ours: %-32s capstone: %s\n", pc,
                       w, ours, theirs);
            unexplained++;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    if (print_known) {
        printf("# category count reason -- written by decoder_check --print-known over %s\n", image);
        for (int i = 0; i < CAT_COUNT; i++)
            if (counts[i])
                printf("%s %lu %s\n", cats[i].name, counts[i], cats[i].reason);
    }

    printf("decoder: image %s at 0x%08" PRIx32 ", %lu words in %.1f s\n", image, base, nwords, secs);
    printf("  agree: %lu decoded alike, %lu rejected by both\n", agree - both_reject, both_reject);
    int bad_counts = 0;
    for (int i = 0; i < CAT_COUNT; i++) {
        if (!counts[i] && !known[i].present)
            continue;
        const char *st = "";
        if (!print_known && known_ok && (!known[i].present || known[i].count != counts[i])) {
            st = "   <-- CHANGED";
            bad_counts++;
        }
        if (!print_known && known_ok && !known[i].present)
            printf("  %-30s %8lu   (not in %s)%s\n", cats[i].name, counts[i], known_path, st);
        else if (!print_known && known_ok)
            printf("  %-30s %8lu   (expected %lu)%s\n", cats[i].name, counts[i], known[i].count, st);
        else
            printf("  %-30s %8lu\n", cats[i].name, counts[i]);
    }
    if (bad_counts)
        printf("decoder: %d categor%s changed count: a decoder change (or a new kernel) needs a look "
               "before %s is updated\n", bad_counts, bad_counts == 1 ? "y" : "ies", known_path);
    if (unexplained > max_offenders)
        printf("decoder: (only the first %lu unexplained words shown)\n", max_offenders);
    printf("decoder: %lu words, %lu agree, %lu known differences, %lu unexplained\n", nwords, agree,
           knowndiff, unexplained);

    checker_close(&c);
    free(img);
    if (print_known)
        return unexplained ? 1 : 0;
    return (unexplained || bad_counts || !known_ok) ? 1 : 0;
}
