/*
 * The engines' side of --profile: which privileged operation an
 * instruction is (one classification for the translator, the interpreter
 * and the trap path, so their counts compare), the interpreter's per-
 * instruction counting, and the increments translated code carries.
 *
 * Profiling must cost nothing when it is off: translated code only gets
 * its counter increments when the vCPU's prof_on was set before translation (the
 * code is otherwise byte for byte what it always is), and the interpreter
 * tests the flag once per instruction next to its trace test. Counters
 * live in struct vcpu (vcpu_prof), so translated code reaches them from
 * r15 like any other vCPU field.
 */
#include "dbt/translate.h"

int dbt_priv_kind(const struct mips_insn *in)
{
    switch (in->op) {
    case MIPS_OP_MFC0: return PRIV_MFC0 + ((in->rd * 8 + in->sel) & 0xFF);
    case MIPS_OP_MTC0: return PRIV_MTC0 + ((in->rd * 8 + in->sel) & 0xFF);
    case MIPS_OP_TLBR: return PRIV_TLBR;
    case MIPS_OP_TLBWI: return PRIV_TLBWI;
    case MIPS_OP_TLBWR: return PRIV_TLBWR;
    case MIPS_OP_TLBP: return PRIV_TLBP;
    case MIPS_OP_ERET: return PRIV_ERET;
    case MIPS_OP_CACHE: return PRIV_CACHE;
    case MIPS_OP_WAIT: return PRIV_WAIT;
    case MIPS_OP_DI: return PRIV_DI;
    case MIPS_OP_EI: return PRIV_EI;
    case MIPS_OP_RDHWR: return PRIV_RDHWR;
    case MIPS_OP_RDPGPR: return PRIV_RDPGPR;
    case MIPS_OP_WRPGPR: return PRIV_WRPGPR;
    case MIPS_OP_DERET: return PRIV_DERET;
    case MIPS_OP_MFTR: return PRIV_MFTR;
    case MIPS_OP_MTTR: return PRIV_MTTR;
    case MIPS_OP_DVPE: return PRIV_DVPE;
    case MIPS_OP_EVPE: return PRIV_EVPE;
    case MIPS_OP_DMT: return PRIV_DMT;
    case MIPS_OP_EMT: return PRIV_EMT;
    default: return -1;
    }
}

void dbt_prof_interp(struct vcpu *v, const struct mips_insn *in, bool kernel)
{
    struct vcpu_prof *p = &v->prof;
    atomic_store_explicit(&v->prof_where, PROF_AT_GUEST << 1 | (int)kernel, memory_order_relaxed);
    p->insns[kernel]++;
    if (in->flags & (MIPS_F_LOAD | MIPS_F_STORE))
        p->mem_accesses[kernel]++;
    if (kernel || in->op == MIPS_OP_RDHWR) {
        int k = dbt_priv_kind(in);
        if (k >= 0)
            p->priv[k]++;
    }
}

void tr_prof_count(struct tr_ctx *c, struct x64_emitter *e, int32_t off)
{
    if (c->v->prof_on)
        x64_alu_m64_imm32(e, X64_ADD, X64_R15, off, 1);
}

void tr_prof_insn(struct tr_ctx *c, const struct mips_insn *in)
{
    if (!c->v->prof_on)
        return;
    bool kernel = (c->flags & TB_F_KERNEL) != 0;
    if (in->flags & (MIPS_F_LOAD | MIPS_F_STORE))
        tr_prof_count(c, &c->hot, VOFF_PROF(mem_accesses[kernel]));
    /* Privileged operations the translator handles itself (inline or by a callout); in the
     * trap strategy the trap path counts those of kernel blocks as it emulates them. */
    int k = dbt_priv_kind(in);
    if (k >= 0 && (kernel || in->op == MIPS_OP_RDHWR) && !(kernel && (c->flags & TB_F_TRAP)))
        tr_prof_count(c, &c->hot, VOFF_PROF(priv[k]));
}
