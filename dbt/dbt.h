/*
 * dbt: the public interface of guest-code execution.
 *
 * One decoder (mips_decode) turns a 32-bit MIPS32r2 word into a struct
 * mips_insn; every engine works from that. The reference interpreter
 * (dbt_interp_run) is the correctness oracle for the translator, so it
 * favours clarity over tricks. Disassembly for traces and state dumps goes
 * through capstone (dbt_disasm).
 */
#ifndef MVISOR_DBT_H
#define MVISOR_DBT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/monitor.h"

/* X-macro of every operation the decoder knows: (enum suffix, mnemonic). */
#define MIPS_OPS(X)                                                                              \
    X(INVALID, "invalid")                                                                        \
    /* SPECIAL */                                                                                \
    X(SLL, "sll") X(SRL, "srl") X(SRA, "sra") X(SLLV, "sllv") X(SRLV, "srlv") X(SRAV, "srav")   \
    X(ROTR, "rotr") X(ROTRV, "rotrv") X(JR, "jr") X(JR_HB, "jr.hb") X(JALR, "jalr")             \
    X(JALR_HB, "jalr.hb") X(MOVZ, "movz") X(MOVN, "movn") X(SYSCALL, "syscall")                 \
    X(BREAK, "break") X(SYNC, "sync") X(MFHI, "mfhi") X(MTHI, "mthi") X(MFLO, "mflo")           \
    X(MTLO, "mtlo") X(MULT, "mult") X(MULTU, "multu") X(DIV, "div") X(DIVU, "divu")             \
    X(ADD, "add") X(ADDU, "addu") X(SUB, "sub") X(SUBU, "subu") X(AND, "and") X(OR, "or")       \
    X(XOR, "xor") X(NOR, "nor") X(SLT, "slt") X(SLTU, "sltu") X(TGE, "tge") X(TGEU, "tgeu")     \
    X(TLT, "tlt") X(TLTU, "tltu") X(TEQ, "teq") X(TNE, "tne") X(MOVF, "movf") X(MOVT, "movt")   \
    X(SSNOP, "ssnop") X(EHB, "ehb") X(PAUSE, "pause")                                            \
    /* REGIMM */                                                                                 \
    X(BLTZ, "bltz") X(BGEZ, "bgez") X(BLTZL, "bltzl") X(BGEZL, "bgezl") X(TGEI, "tgei")         \
    X(TGEIU, "tgeiu") X(TLTI, "tlti") X(TLTIU, "tltiu") X(TEQI, "teqi") X(TNEI, "tnei")         \
    X(BLTZAL, "bltzal") X(BGEZAL, "bgezal") X(BLTZALL, "bltzall") X(BGEZALL, "bgezall")         \
    X(SYNCI, "synci")                                                                            \
    /* opcodes */                                                                                \
    X(J, "j") X(JAL, "jal") X(BEQ, "beq") X(BNE, "bne") X(BLEZ, "blez") X(BGTZ, "bgtz")         \
    X(ADDI, "addi") X(ADDIU, "addiu") X(SLTI, "slti") X(SLTIU, "sltiu") X(ANDI, "andi")         \
    X(ORI, "ori") X(XORI, "xori") X(LUI, "lui") X(BEQL, "beql") X(BNEL, "bnel")                 \
    X(BLEZL, "blezl") X(BGTZL, "bgtzl") X(LB, "lb") X(LH, "lh") X(LWL, "lwl") X(LW, "lw")       \
    X(LBU, "lbu") X(LHU, "lhu") X(LWR, "lwr") X(SB, "sb") X(SH, "sh") X(SWL, "swl")             \
    X(SW, "sw") X(SWR, "swr") X(CACHE, "cache") X(LL, "ll") X(PREF, "pref") X(SC, "sc")         \
    /* SPECIAL2 */                                                                               \
    X(MADD, "madd") X(MADDU, "maddu") X(MUL, "mul") X(MSUB, "msub") X(MSUBU, "msubu")           \
    X(CLZ, "clz") X(CLO, "clo") X(SDBBP, "sdbbp")                                                \
    /* SPECIAL3 */                                                                               \
    X(EXT, "ext") X(INS, "ins") X(WSBH, "wsbh") X(SEB, "seb") X(SEH, "seh") X(RDHWR, "rdhwr")   \
    /* COP0 */                                                                                   \
    X(MFC0, "mfc0") X(MTC0, "mtc0") X(DI, "di") X(EI, "ei") X(RDPGPR, "rdpgpr")                 \
    X(WRPGPR, "wrpgpr") X(TLBR, "tlbr") X(TLBWI, "tlbwi") X(TLBWR, "tlbwr") X(TLBP, "tlbp")     \
    X(ERET, "eret") X(DERET, "deret") X(WAIT, "wait")                                           \
    /* the MT ASE (34Kf): MFTR, MTTR and the MFMC0 forms dvpe/evpe/dmt/emt */                    \
    X(MFTR, "mftr") X(MTTR, "mttr") X(DVPE, "dvpe") X(EVPE, "evpe") X(DMT, "dmt") X(EMT, "emt")  \
    /* coprocessor 2 (absent: never decoded further) and the FPU's loads and stores */          \
    X(COP2, "cop2") X(LWC1, "lwc1") X(LWC2, "lwc2") X(LDC1, "ldc1") X(LDC2, "ldc2")             \
    X(SWC1, "swc1") X(SWC2, "swc2") X(SDC1, "sdc1") X(SDC2, "sdc2")                             \
    /* COP1 and COP1X words that are no MIPS32r2 instruction of this FPU (paired single,       \
     * MIPS-3D, MIPS64, reserved): Coprocessor Unusable without CU1, else Reserved Instruction */ \
    X(COP1, "cop1") X(COP1X, "cop1x")                                                           \
    /* COP1 moves and branches */                                                               \
    X(MFC1, "mfc1") X(CFC1, "cfc1") X(MFHC1, "mfhc1") X(MTC1, "mtc1") X(CTC1, "ctc1")           \
    X(MTHC1, "mthc1") X(BC1F, "bc1f") X(BC1T, "bc1t") X(BC1FL, "bc1fl") X(BC1TL, "bc1tl")       \
    /* COP1 fmt = S and D */                                                                    \
    MIPS_FP_FMT_OPS(X, S, "s") X(CVT_D_S, "cvt.d.s")                                            \
    MIPS_FP_FMT_OPS(X, D, "d") X(CVT_S_D, "cvt.s.d")                                            \
    /* COP1 fmt = W and L */                                                                    \
    X(CVT_S_W, "cvt.s.w") X(CVT_D_W, "cvt.d.w") X(CVT_S_L, "cvt.s.l") X(CVT_D_L, "cvt.d.l")     \
    /* COP1X */                                                                                 \
    X(LWXC1, "lwxc1") X(LDXC1, "ldxc1") X(LUXC1, "luxc1") X(SWXC1, "swxc1") X(SDXC1, "sdxc1")   \
    X(SUXC1, "suxc1") X(PREFX, "prefx") X(MADD_S, "madd.s") X(MADD_D, "madd.d")                 \
    X(MSUB_S, "msub.s") X(MSUB_D, "msub.d") X(NMADD_S, "nmadd.s") X(NMADD_D, "nmadd.d")         \
    X(NMSUB_S, "nmsub.s") X(NMSUB_D, "nmsub.d")

/*
 * The COP1 operations of one format F ("s" or "d" in the mnemonic, f). The 16 compares are
 * in the order of their cond field (funct bits 3:0, Vol. II C.cond.fmt), so
 * cond = op - MIPS_OP_C_F_F.
 */
#define MIPS_FP_FMT_OPS(X, F, f)                                                                  \
    X(ADD_##F, "add." f) X(SUB_##F, "sub." f) X(MUL_##F, "mul." f) X(DIV_##F, "div." f)          \
    X(SQRT_##F, "sqrt." f) X(ABS_##F, "abs." f) X(MOV_##F, "mov." f) X(NEG_##F, "neg." f)        \
    X(ROUND_L_##F, "round.l." f) X(TRUNC_L_##F, "trunc.l." f) X(CEIL_L_##F, "ceil.l." f)         \
    X(FLOOR_L_##F, "floor.l." f) X(ROUND_W_##F, "round.w." f) X(TRUNC_W_##F, "trunc.w." f)       \
    X(CEIL_W_##F, "ceil.w." f) X(FLOOR_W_##F, "floor.w." f) X(MOVF_##F, "movf." f)               \
    X(MOVT_##F, "movt." f) X(MOVZ_##F, "movz." f) X(MOVN_##F, "movn." f) X(RECIP_##F, "recip." f) \
    X(RSQRT_##F, "rsqrt." f) X(CVT_W_##F, "cvt.w." f) X(CVT_L_##F, "cvt.l." f)                   \
    X(C_F_##F, "c.f." f) X(C_UN_##F, "c.un." f) X(C_EQ_##F, "c.eq." f) X(C_UEQ_##F, "c.ueq." f)  \
    X(C_OLT_##F, "c.olt." f) X(C_ULT_##F, "c.ult." f) X(C_OLE_##F, "c.ole." f)                   \
    X(C_ULE_##F, "c.ule." f) X(C_SF_##F, "c.sf." f) X(C_NGLE_##F, "c.ngle." f)                   \
    X(C_SEQ_##F, "c.seq." f) X(C_NGL_##F, "c.ngl." f) X(C_LT_##F, "c.lt." f)                     \
    X(C_NGE_##F, "c.nge." f) X(C_LE_##F, "c.le." f) X(C_NGT_##F, "c.ngt." f)

enum mips_op {
#define MIPS_OP_ENUM(name, mn) MIPS_OP_##name,
    MIPS_OPS(MIPS_OP_ENUM)
#undef MIPS_OP_ENUM
    MIPS_OP_COUNT
};

/* Instruction properties, for engines and tests. */
#define MIPS_F_BRANCH 0x01u     /* has a delay slot */
#define MIPS_F_LIKELY 0x02u     /* branch-likely: slot nullified when not taken */
#define MIPS_F_LINK 0x04u       /* writes a return address */
#define MIPS_F_PRIV 0x08u       /* needs CP0 usable (kernel mode or CU0) */
#define MIPS_F_LOAD 0x10u
#define MIPS_F_STORE 0x20u
#define MIPS_F_END_BLOCK 0x40u  /* changes control state: a block must end after it */
#define MIPS_F_COP 0x80u        /* coprocessor 1/2/3 access (checks CU bits) */

struct mips_insn {
    uint32_t raw;
    uint16_t op; /* enum mips_op */
    uint8_t rs, rt, rd, sa;
    uint8_t sel;    /* mfc0/mtc0 select; cache/pref hint = rt */
    uint8_t flags;  /* MIPS_F_* */
    int32_t simm;   /* sign-extended 16-bit immediate */
    uint32_t uimm;  /* zero-extended 16-bit immediate */
    uint32_t target; /* J/JAL: instr_index << 2 (combine with the slot's PC) */
    uint32_t code;   /* syscall/break/trap code field */
    uint8_t pos, size; /* ext/ins: raw lsb (sa) and raw msbd/msb (rd) fields */
    uint8_t fcc;       /* FP condition code: bits 20:18 (bc1, movf/movt), 10:8 (c.cond) */
};
/*
 * FPU operands use the raw fields: fmt = rs, ft = rt, fs = rd, fd = sa; COP1X arithmetic
 * has fr = rs, ft = rt, fs = rd, fd = sa, and COP1X loads/stores base = rs, index = rt with
 * fd = sa (loads) or fs = rd (stores); mfc1/mtc1 ... have the GPR in rt and fs in rd.
 */

/* Decodes one instruction word. Unknown or reserved encodings give MIPS_OP_INVALID. */
void mips_decode(uint32_t word, struct mips_insn *out);
/* The mnemonic of an op ("invalid" for MIPS_OP_INVALID). */
const char *mips_op_name(unsigned op);

/* Runs the interpreter until an exit condition; returns why it stopped. */
enum vcpu_exit dbt_interp_run(struct vcpu *v);
/* Interprets until icount >= until and the next instruction is not in a delay slot (events due
 * before each instruction are handled as in dbt_interp_run; those due at `until` are left to the
 * caller); VCPU_EXIT_NONE when it got there. */
enum vcpu_exit dbt_interp_run_until(struct vcpu *v, uint64_t until);

/* Executes one instruction (retired or faulted) without looking at events first; true if it was a
 * wait that retired (the caller then calls vcpu_wait, as the run loops do). */
bool dbt_interp_step(struct vcpu *v);

/* Drops every translation (the knobs above take effect for what is translated next). */
void dbt_flush(struct vm *vm);
/* The same, and the translation cache gives its memory back to the host (tcache_trim): for a VM
 * that has been idle a while, between slices, with nothing of it running in the code buffer. */
void dbt_trim(struct vm *vm);
/* Runs at most `steps` iterations of the translator's run loop (one block or one interpreted
 * instruction each) and returns VCPU_EXIT_NONE when they are done. */
enum vcpu_exit dbt_run_steps(struct vcpu *v, uint64_t steps);

/* Smallest --code-buffer in KiB: the thunks, the trampolines and room for the largest block. */
#define DBT_MIN_CODE_KIB 64
/* Largest: the end of the buffer must reach its start with a rel32 (TCACHE_MAX_CODE). */
#define DBT_MAX_CODE_KIB ((uint64_t)TCACHE_MAX_CODE >> 10)
/* The default per VM (README "The translator's code buffer"): committed only as it is written. */
#define DBT_DEFAULT_CODE_KIB ((uint64_t)32 << 10)

/* The translator (dbt/exec.c): sets up the engine for vm (after vm_create); -errno + message. */
int dbt_engine_init(struct vm *vm, char *err, size_t errlen);
void dbt_engine_destroy(struct vm *vm);
/* Runs translated code until an exit condition; returns why it stopped. */
enum vcpu_exit dbt_run(struct vcpu *v);
/* Prints translation statistics on one line (--stats). */
void dbt_print_stats(struct vm *vm, FILE *f);

/* --profile (dbt/profile.c): v->prof_on, set before anything is translated, makes translated code
 * count block entries, memory accesses and privileged operations into v->prof, and the
 * interpreter count every instruction. */
/* The enum priv_kind of a privileged instruction (rdhwr included), or -1. */
int dbt_priv_kind(const struct mips_insn *in);
/* The interpreter's counts for one retired instruction (kernel: CP0 was usable). */
void dbt_prof_interp(struct vcpu *v, const struct mips_insn *in, bool kernel);
/* Why the run loop interpreted an instruction instead of running a block (--profile). */
enum dbt_fallback {
    DBT_FB_DELAY_SLOT,  /* pc is a delay slot that no delay-slot block may hold (a branch, a
                           CP0 write, a trapped privileged instruction) */
    DBT_FB_UNALIGNED,   /* pc not word-aligned: the interpreter's fetch raises AdEL */
    DBT_FB_NOT_RAM,     /* pc's page is not plain RAM (a ROM alias, MMIO, a partial page) */
    DBT_FB_NO_BLOCK,    /* no block starts here: a branch whose delay slot cannot share its block
                           (or an FP branch whose slot lies in the next page) */
    DBT_FB_EMIT,        /* the translator gave up on the block (fixups, scratch, room) */
    DBT_FB_KINDS
};
/* The translator's counters, for the profile (kernel [1] and user [0] apart where paired). */
struct dbt_stats {
    uint64_t lookups[2], jc_hits[2], hash_hits[2], translations[2];
    uint64_t retranslations[2]; /* of those, keys translated before and invalidated (while profiling) */
    uint64_t guest_insns[2], host_bytes[2], translate_ns[2];
    uint64_t entries[2];    /* blocks entered from the run loop */
    uint64_t chains_made, flushes, flushed_tbs, interp_fallbacks, budget_tails;
    uint64_t fallbacks_by[DBT_FB_KINDS]; /* interp_fallbacks by enum dbt_fallback */
    uint64_t evictions, evicted_tbs;     /* code-buffer regions emptied for room, live blocks they held */
    unsigned regions;                    /* regions of the code buffer (1: it is flushed whole) */
    uint64_t code_used, code_size, n_tbs;
    uint64_t traps;
    uint64_t trims; /* idle trims: flushes that gave the cache's memory back (vm_idle_trim) */
};
/* Profiling: from now on count re-translations of invalidated blocks (keeps dead TBs by key). */
void dbt_prof_track_retranslations(struct vm *vm);
/* Fills *s from vm's translator; false if vm has none (the interpreter). */
bool dbt_get_stats(struct vm *vm, struct dbt_stats *s);

/* Disassembles one word at pc with capstone into buf ("<bytes> mnemonic ops"); returns buf. */
const char *dbt_disasm(uint32_t word, uint32_t pc, char *buf, size_t len);

/* Disassembles host x86-64 code, calling cb for each instruction (with its address); returns how many. */
size_t dbt_disasm_host(const void *code, size_t len,
                       void (*cb)(void *opaque, uint64_t addr, const char *mnemonic, const char *ops), void *opaque);

/* Parses a --trace spec "pc=LO-HI,insn=FROM-TO" (either part optional) into *t (struct dbt_trace,
 * monitor/monitor.h); false with a message on error. */
bool dbt_trace_parse(const char *spec, struct dbt_trace *t, char *err, size_t errlen);

/* --insn-words: the distinct instruction words a VM executed. Engines call dbt_insn_words_add()
 * for every word they run while the vCPU has VCPU_OBS_WORDS. */
/* Starts recording for vm; false if out of memory. */
bool dbt_insn_words_start(struct vm *vm);
void dbt_insn_words_add(struct insn_words *w, uint32_t word);
/* Writes vm's set to path as sorted hex words, one per line; -errno with a message. */
int dbt_insn_words_write(struct vm *vm, const char *path, char *err, size_t errlen);
/* Frees the set (vm_destroy). */
void dbt_insn_words_free(struct vm *vm);

/* CACHE's operation (rt field) that invalidates an instruction-cache line by address. */
#define CACHE_HIT_INVALIDATE_I 0x10u
/*
 * Hit_Invalidate_I with the vCPUs on two threads: the translations of va's line (CPU_SYNCI_STEP
 * bytes) die. Stores kill the blocks they overwrite, but a block the other vCPU translated from
 * the old bytes between a store's check and its write (a store that took the fast path before
 * the page's first block was marked in its software TLB) would live on; the guest's own
 * instruction-cache maintenance after writing code (Linux's cacheflush(2) and
 * flush_icache_range: Hit_Invalidate_I per line) kills it, as it makes real hardware fetch
 * again. A va that does not translate does nothing (no exception: Linux's user-range flush
 * guards its cache ops anyway).
 */
void dbt_icache_invalidate(struct vcpu *v, uint32_t va);

#endif
