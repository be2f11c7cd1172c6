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
 * agree with capstone, or differ only as an FPU/COP2 word (executed as a Coprocessor
 * Unusable trap) or as an encoding capstone 4 does not know; a must-be-zero violation or a
 * reserved encoding in that list fails the check.
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
    CAT_COARSE_COP1, CAT_COARSE_COP1X, CAT_COARSE_PREFX, CAT_COARSE_COP2,
    CAT_CS_JALX, CAT_CS_MSA, CAT_CS_LSA, CAT_CS_BC0, CAT_CS_DSP, CAT_CS_DSP_ACC,
    CAT_CS_NO_PGPR, CAT_CS_RDHWR29, CAT_CS_CLZ_RT,
    CAT_MBZ_ALU_SA, CAT_MBZ_SHIFT_RS, CAT_MBZ_JUMP, CAT_MBZ_HILO, CAT_MBZ_MULDIV, CAT_MBZ_CLZ,
    CAT_MBZ_SYNC, CAT_MBZ_BSHFL, CAT_MBZ_RDHWR, CAT_MBZ_BRANCH_RT, CAT_MBZ_LUI, CAT_MBZ_COP0_MOVE,
    CAT_MBZ_MFMC0, CAT_MBZ_COP0_CO, CAT_MBZ_MOVCI,
    CAT_COUNT
};

static const struct {
    const char *name, *reason;
} cats[CAT_COUNT] = {
    [CAT_COARSE_COP1] = { "coarse-cop1",
        "no FPU: every COP1 word (opcode 0x11) raises Coprocessor Unusable, so ours is the coarse cop1 (Vol. II App. A, opcode field)" },
    [CAT_COARSE_COP1X] = { "coarse-cop1x",
        "no FPU: opcode 0x13 is COP1X in MIPS32r2 (capstone reads MIPS I COP3 bc3f/bc3t there), kept coarse (Vol. II App. A, opcode and COP1X function fields)" },
    [CAT_COARSE_PREFX] = { "coarse-prefx",
        "COP1X funct 0x0F is PREFX, an FPU-space instruction needing CU1 (Vol. II PREFX); capstone reads bc3f/bc3t or nothing" },
    [CAT_COARSE_COP2] = { "coarse-cop2",
        "no CP2: every COP2 word (opcode 0x12) raises Coprocessor Unusable, so ours is the coarse cop2 (Vol. II App. A, opcode field)" },
    [CAT_CS_JALX] = { "capstone-decodes-jalx",
        "opcode 0x1D is JALX, which needs MIPS16e or microMIPS; Config1.CA = 0 on this CPU, so reserved (Vol. II JALX; App. A, opcode field)" },
    [CAT_CS_MSA] = { "capstone-decodes-msa",
        "opcode 0x1E is MSA (a Release 5 module); in MIPS32r2 it is the reserved MDMX slot (Vol. II App. A, opcode field)" },
    [CAT_CS_LSA] = { "capstone-decodes-lsa",
        "SPECIAL funct 0x05/0x15 are LSA/DLSA of MSA and Release 6; reserved in MIPS32r2 (Vol. II App. A, SPECIAL function field)" },
    [CAT_CS_BC0] = { "capstone-decodes-bc0",
        "COP0 rs=0x08 (BC0F/BC0T of MIPS I) is reserved in MIPS32 (Vol. II App. A, COP0 rs field)" },
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
        "movf/movt with bit 17 or sa != 0 (must be 0, Vol. II MOVF): decoded as movci, capstone rejects" },
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

/*
 * Our decoding in capstone's shape. False for the coarse coprocessor ops,
 * which have no operands to compare.
 */
static bool our_form(const struct mips_insn *in, uint32_t pc, struct form *f)
{
    f->n = 0;
    snprintf(f->mn, sizeof(f->mn), "%s", mips_op_name(in->op));
    uint32_t btgt = pc + 4 + ((uint32_t)in->simm << 2);
    switch ((enum mips_op)in->op) {
    case MIPS_OP_INVALID: case MIPS_OP_COP1: case MIPS_OP_COP1X: case MIPS_OP_COP2:
    case MIPS_OP_PREFX:
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
    case MIPS_OP_MOVCI:
        snprintf(f->mn, sizeof(f->mn), "%s", (in->raw >> 16) & 1 ? "movt" : "movf");
        f_gpr(f, in->rd); f_gpr(f, in->rs); f_reg(f, MIPS_REG_FCC0 + (int)((in->raw >> 18) & 7));
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
    case MIPS_OP_MOVCI:
        mbz = (1u << 17) | SA_F; cat = CAT_MBZ_MOVCI; break;
    default:
        return -1;
    }
    *canon = w & ~mbz;
    return *canon != w ? cat : -1;
}

/* ---- the comparison of one word ---- */

struct checker {
    csh h;
    cs_insn *ci;
};

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
    case 0x10:
        return ((w >> 21) & 0x1F) == 0x08 && !strncmp(cf->mn, "bc0", 3) ? CAT_CS_BC0 : -1;
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

    switch (in.op) {
    case MIPS_OP_COP1: return 1 + CAT_COARSE_COP1;
    case MIPS_OP_COP1X: return 1 + CAT_COARSE_COP1X;
    case MIPS_OP_PREFX: return 1 + CAT_COARSE_PREFX;
    case MIPS_OP_COP2: return 1 + CAT_COARSE_COP2;
    default: break;
    }
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
    if (!ccs_ok || !form_eq(&cof, &ccf))
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
    case CAT_COARSE_COP1: case CAT_COARSE_COP1X: case CAT_COARSE_PREFX: case CAT_COARSE_COP2:
    case CAT_CS_NO_PGPR: case CAT_CS_RDHWR29:
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
    if (cs_open(CS_ARCH_MIPS, CS_MODE_MIPS32 | CS_MODE_LITTLE_ENDIAN, &c.h) != CS_ERR_OK) {
        fprintf(stderr, "decoder_check: capstone: cannot open a MIPS32 handle\n");
        fclose(f);
        return 2;
    }
    cs_option(c.h, CS_OPT_DETAIL, CS_OPT_ON);
    c.ci = cs_malloc(c.h);
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
    cs_free(c.ci, 1);
    cs_close(&c.h);
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
            "                  executed, which must agree or differ only as FPU/COP2 words and the\n"
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
    if (cs_open(CS_ARCH_MIPS, CS_MODE_MIPS32 | CS_MODE_LITTLE_ENDIAN, &c.h) != CS_ERR_OK) {
        fprintf(stderr, "decoder_check: capstone: cannot open a MIPS32 handle\n");
        return 2;
    }
    cs_option(c.h, CS_OPT_DETAIL, CS_OPT_ON);
    c.ci = cs_malloc(c.h);

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

    cs_free(c.ci, 1);
    cs_close(&c.h);
    free(img);
    if (print_known)
        return unexplained ? 1 : 0;
    return (unexplained || bad_counts || !known_ok) ? 1 : 0;
}
