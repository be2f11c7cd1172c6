/*
 * Unit tests of the MIPS32r2 decoder (dbt/decode.c), the capstone
 * disassembly line and the --trace parser (dbt/disasm.c).
 *
 * The instruction words were encoded by hand from the formats in the MIPS32
 * Architecture Vol. II and checked against mipsel-linux-gnu-as -march=mips32r2
 * (the assembly is in each row's comment). Every op of MIPS_OPS appears in
 * the class table with its exact flags; the special encodings (ssnop/ehb/
 * pause, the R bits of rotr/rotrv, the hazard-barrier hint of jr/jalr, the
 * BSHFL and MFMC0 sub-codes) and the leniency choices about must-be-zero
 * fields have their own tests, as do encodings that must be INVALID (MIPS64,
 * DSP, MT, MSA, MIPS16e, reserved). A sweep over several million words
 * checks the raw-field rules and flag invariants for every word, and that
 * every op is reachable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dbt/dbt.h"

#define BR MIPS_F_BRANCH
#define LK MIPS_F_LIKELY
#define LN MIPS_F_LINK
#define PV MIPS_F_PRIV
#define LD MIPS_F_LOAD
#define ST MIPS_F_STORE
#define EB MIPS_F_END_BLOCK
#define CP MIPS_F_COP

struct row {
    uint32_t word;
    enum mips_op op;
    uint8_t flags;
    const char *text; /* the assembly it came from */
};

/* One row per instruction class; every op of MIPS_OPS except INVALID occurs. */
static const struct row rows[] = {
    /* SPECIAL */
    { 0x000311c0, MIPS_OP_SLL, 0, "sll $2,$3,7" },
    { 0x00000000, MIPS_OP_SLL, 0, "nop (sll $0,$0,0)" },
    { 0x00031242, MIPS_OP_SRL, 0, "srl $2,$3,9" },
    { 0x00231242, MIPS_OP_ROTR, 0, "rotr $2,$3,9" },
    { 0x000317c3, MIPS_OP_SRA, 0, "sra $2,$3,31" },
    { 0x00831004, MIPS_OP_SLLV, 0, "sllv $2,$3,$4" },
    { 0x00831006, MIPS_OP_SRLV, 0, "srlv $2,$3,$4" },
    { 0x00831046, MIPS_OP_ROTRV, 0, "rotrv $2,$3,$4" },
    { 0x00831007, MIPS_OP_SRAV, 0, "srav $2,$3,$4" },
    { 0x03e00008, MIPS_OP_JR, BR, "jr $31" },
    { 0x03e00408, MIPS_OP_JR_HB, BR, "jr.hb $31" },
    { 0x0320f809, MIPS_OP_JALR, BR | LN, "jalr $25" },
    { 0x03202809, MIPS_OP_JALR, BR | LN, "jalr $5,$25" },
    { 0x0320fc09, MIPS_OP_JALR_HB, BR | LN, "jalr.hb $25" },
    { 0x0064100a, MIPS_OP_MOVZ, 0, "movz $2,$3,$4" },
    { 0x0064100b, MIPS_OP_MOVN, 0, "movn $2,$3,$4" },
    { 0x0000000c, MIPS_OP_SYSCALL, EB, "syscall" },
    { 0x0007000d, MIPS_OP_BREAK, EB, "break 7" },
    { 0x0000000f, MIPS_OP_SYNC, 0, "sync" },
    { 0x00004010, MIPS_OP_MFHI, 0, "mfhi $8" },
    { 0x01000011, MIPS_OP_MTHI, 0, "mthi $8" },
    { 0x00004812, MIPS_OP_MFLO, 0, "mflo $9" },
    { 0x01200013, MIPS_OP_MTLO, 0, "mtlo $9" },
    { 0x00850018, MIPS_OP_MULT, 0, "mult $4,$5" },
    { 0x00850019, MIPS_OP_MULTU, 0, "multu $4,$5" },
    { 0x0085001a, MIPS_OP_DIV, 0, "div $0,$4,$5" },
    { 0x0085001b, MIPS_OP_DIVU, 0, "divu $0,$4,$5" },
    { 0x00641020, MIPS_OP_ADD, 0, "add $2,$3,$4" },
    { 0x00851021, MIPS_OP_ADDU, 0, "addu $2,$4,$5" },
    { 0x00641022, MIPS_OP_SUB, 0, "sub $2,$3,$4" },
    { 0x00641023, MIPS_OP_SUBU, 0, "subu $2,$3,$4" },
    { 0x00641024, MIPS_OP_AND, 0, "and $2,$3,$4" },
    { 0x00641025, MIPS_OP_OR, 0, "or $2,$3,$4" },
    { 0x00641026, MIPS_OP_XOR, 0, "xor $2,$3,$4" },
    { 0x00641027, MIPS_OP_NOR, 0, "nor $2,$3,$4" },
    { 0x0064102a, MIPS_OP_SLT, 0, "slt $2,$3,$4" },
    { 0x0064102b, MIPS_OP_SLTU, 0, "sltu $2,$3,$4" },
    { 0x0064fff0, MIPS_OP_TGE, 0, "tge $3,$4,0x3ff" },
    { 0x00640031, MIPS_OP_TGEU, 0, "tgeu $3,$4" },
    { 0x00640172, MIPS_OP_TLT, 0, "tlt $3,$4,5" },
    { 0x00640033, MIPS_OP_TLTU, 0, "tltu $3,$4" },
    { 0x006401f4, MIPS_OP_TEQ, 0, "teq $3,$4,7" },
    { 0x00640036, MIPS_OP_TNE, 0, "tne $3,$4" },
    { 0x00000040, MIPS_OP_SSNOP, 0, "ssnop" },
    { 0x000000c0, MIPS_OP_EHB, 0, "ehb" },
    { 0x00000140, MIPS_OP_PAUSE, 0, "pause" },
    /* REGIMM */
    { 0x0480ffff, MIPS_OP_BLTZ, BR, "bltz $4,.-0" },
    { 0x0481fffe, MIPS_OP_BGEZ, BR, "bgez $4,..." },
    { 0x0482fffd, MIPS_OP_BLTZL, BR | LK, "bltzl $4,..." },
    { 0x0483fffc, MIPS_OP_BGEZL, BR | LK, "bgezl $4,..." },
    { 0x0488ffff, MIPS_OP_TGEI, 0, "tgei $4,-1" },
    { 0x04890005, MIPS_OP_TGEIU, 0, "tgeiu $4,5" },
    { 0x048a0005, MIPS_OP_TLTI, 0, "tlti $4,5" },
    { 0x048b0005, MIPS_OP_TLTIU, 0, "tltiu $4,5" },
    { 0x048c0005, MIPS_OP_TEQI, 0, "teqi $4,5" },
    { 0x048e0005, MIPS_OP_TNEI, 0, "tnei $4,5" },
    { 0x0490fff5, MIPS_OP_BLTZAL, BR | LN, "bltzal $4,..." },
    { 0x0491fff4, MIPS_OP_BGEZAL, BR | LN, "bgezal $4,..." },
    { 0x04110001, MIPS_OP_BGEZAL, BR | LN, "bal . + 8" },
    { 0x0492fff3, MIPS_OP_BLTZALL, BR | LK | LN, "bltzall $4,..." },
    { 0x0493fff2, MIPS_OP_BGEZALL, BR | LK | LN, "bgezall $4,..." },
    { 0x049f0010, MIPS_OP_SYNCI, 0, "synci 16($4)" },
    /* opcodes */
    { 0x082af37b, MIPS_OP_J, BR, "j 0x80abcdec" },
    { 0x0c048d14, MIPS_OP_JAL, BR | LN, "jal 0x80123450" },
    { 0x1085ffee, MIPS_OP_BEQ, BR, "beq $4,$5,..." },
    { 0x1000ffff, MIPS_OP_BEQ, BR, "b ." },
    { 0x1485ffed, MIPS_OP_BNE, BR, "bne $4,$5,..." },
    { 0x1880ffec, MIPS_OP_BLEZ, BR, "blez $4,..." },
    { 0x1c80ffeb, MIPS_OP_BGTZ, BR, "bgtz $4,..." },
    { 0x20a4fffe, MIPS_OP_ADDI, 0, "addi $4,$5,-2" },
    { 0x24090005, MIPS_OP_ADDIU, 0, "addiu $9,$0,5" },
    { 0x28a4fffe, MIPS_OP_SLTI, 0, "slti $4,$5,-2" },
    { 0x2ca4fffe, MIPS_OP_SLTIU, 0, "sltiu $4,$5,-2" },
    { 0x30a4ffff, MIPS_OP_ANDI, 0, "andi $4,$5,0xffff" },
    { 0x3463beef, MIPS_OP_ORI, 0, "ori $3,$3,0xbeef" },
    { 0x38a48000, MIPS_OP_XORI, 0, "xori $4,$5,0x8000" },
    { 0x3c038010, MIPS_OP_LUI, 0, "lui $3,0x8010" },
    { 0x5085ffe5, MIPS_OP_BEQL, BR | LK, "beql $4,$5,..." },
    { 0x5485ffe4, MIPS_OP_BNEL, BR | LK, "bnel $4,$5,..." },
    { 0x5880ffe3, MIPS_OP_BLEZL, BR | LK, "blezl $4,..." },
    { 0x5c80ffe2, MIPS_OP_BGTZL, BR | LK, "bgtzl $4,..." },
    { 0x80a4ffff, MIPS_OP_LB, LD, "lb $4,-1($5)" },
    { 0x84a40002, MIPS_OP_LH, LD, "lh $4,2($5)" },
    { 0x88820003, MIPS_OP_LWL, LD, "lwl $2,3($4)" },
    { 0x8fbf001c, MIPS_OP_LW, LD, "lw $31,28($29)" },
    { 0x90a40003, MIPS_OP_LBU, LD, "lbu $4,3($5)" },
    { 0x94a40004, MIPS_OP_LHU, LD, "lhu $4,4($5)" },
    { 0x98a40000, MIPS_OP_LWR, LD, "lwr $4,0($5)" },
    { 0xa0a40001, MIPS_OP_SB, ST, "sb $4,1($5)" },
    { 0xa4a40002, MIPS_OP_SH, ST, "sh $4,2($5)" },
    { 0xa8a40003, MIPS_OP_SWL, ST, "swl $4,3($5)" },
    { 0xafb0fffc, MIPS_OP_SW, ST, "sw $16,-4($29)" },
    { 0xb8820000, MIPS_OP_SWR, ST, "swr $2,0($4)" },
    { 0xbc940000, MIPS_OP_CACHE, PV, "cache 0x14,0($4)" },
    { 0xc0430004, MIPS_OP_LL, LD, "ll $3,4($2)" },
    { 0xcc850008, MIPS_OP_PREF, 0, "pref 5,8($4)" },
    { 0xe0430004, MIPS_OP_SC, ST, "sc $3,4($2)" },
    /* SPECIAL2 */
    { 0x70850000, MIPS_OP_MADD, 0, "madd $4,$5" },
    { 0x70850001, MIPS_OP_MADDU, 0, "maddu $4,$5" },
    { 0x70851002, MIPS_OP_MUL, 0, "mul $2,$4,$5" },
    { 0x70850004, MIPS_OP_MSUB, 0, "msub $4,$5" },
    { 0x70850005, MIPS_OP_MSUBU, 0, "msubu $4,$5" },
    { 0x70821020, MIPS_OP_CLZ, 0, "clz $2,$4" },
    { 0x70821021, MIPS_OP_CLO, 0, "clo $2,$4" },
    { 0x70048d3f, MIPS_OP_SDBBP, EB, "sdbbp 0x1234" },
    /* SPECIAL3 */
    { 0x7c8220c0, MIPS_OP_EXT, 0, "ext $2,$4,3,5" },
    { 0x7c8238c4, MIPS_OP_INS, 0, "ins $2,$4,3,5" },
    { 0x7c0410a0, MIPS_OP_WSBH, 0, "wsbh $2,$4" },
    { 0x7c041420, MIPS_OP_SEB, 0, "seb $2,$4" },
    { 0x7c041620, MIPS_OP_SEH, 0, "seh $2,$4" },
    { 0x7c03e83b, MIPS_OP_RDHWR, 0, "rdhwr $3,$29" },
    /* COP0 */
    { 0x40026000, MIPS_OP_MFC0, PV, "mfc0 $2,$12" },
    { 0x40826001, MIPS_OP_MTC0, PV | EB, "mtc0 $2,$12,1" },
    { 0x41606000, MIPS_OP_DI, PV | EB, "di" },
    { 0x41656000, MIPS_OP_DI, PV | EB, "di $5" },
    { 0x41606020, MIPS_OP_EI, PV | EB, "ei" },
    { 0x41666020, MIPS_OP_EI, PV | EB, "ei $6" },
    { 0x41431000, MIPS_OP_RDPGPR, PV, "rdpgpr $2,$3" },
    { 0x41c31000, MIPS_OP_WRPGPR, PV, "wrpgpr $2,$3" },
    { 0x42000001, MIPS_OP_TLBR, PV | EB, "tlbr" },
    { 0x42000002, MIPS_OP_TLBWI, PV | EB, "tlbwi" },
    { 0x42000006, MIPS_OP_TLBWR, PV | EB, "tlbwr" },
    { 0x42000008, MIPS_OP_TLBP, PV | EB, "tlbp" },
    { 0x42000018, MIPS_OP_ERET, PV | EB, "eret" },
    { 0x4200001f, MIPS_OP_DERET, PV | EB, "deret" },
    { 0x42000020, MIPS_OP_WAIT, PV | EB, "wait" },
    { 0x420015a0, MIPS_OP_WAIT, PV | EB, "wait 0x56" },
    /* the MT ASE, as Linux arch/mips/include/asm/mipsmtregs.h encodes it (MD00378) */
    { 0x41020800, MIPS_OP_MFTR, PV | EB, "mftc0 $1,$2 (mftr u=0)" },
    { 0x411d0820, MIPS_OP_MFTR, PV | EB, "mftgpr $1,$29 (mftr u=1)" },
    { 0x41811001, MIPS_OP_MTTR, PV | EB, "mttc0 $1,$2,1 (mttr u=0)" },
    { 0x4181e820, MIPS_OP_MTTR, PV | EB, "mttgpr $1,$29 (mttr u=1)" },
    { 0x41610001, MIPS_OP_DVPE, PV | EB, "dvpe $1" },
    { 0x41600021, MIPS_OP_EVPE, PV | EB, "evpe" },
    { 0x41610bc1, MIPS_OP_DMT, PV | EB, "dmt $1" },
    { 0x41600be1, MIPS_OP_EMT, PV | EB, "emt" },
    /* coprocessor 1 (mipsel-linux-gnu-as -march=mips32r2 -mfp64) */
    { 0x46051840, MIPS_OP_ADD_S, CP, "add.s $f1,$f3,$f5" },
    { 0x46051841, MIPS_OP_SUB_S, CP, "sub.s $f1,$f3,$f5" },
    { 0x46051842, MIPS_OP_MUL_S, CP, "mul.s $f1,$f3,$f5" },
    { 0x46051843, MIPS_OP_DIV_S, CP, "div.s $f1,$f3,$f5" },
    { 0x46001844, MIPS_OP_SQRT_S, CP, "sqrt.s $f1,$f3" },
    { 0x46001845, MIPS_OP_ABS_S, CP, "abs.s $f1,$f3" },
    { 0x46001846, MIPS_OP_MOV_S, CP, "mov.s $f1,$f3" },
    { 0x46001847, MIPS_OP_NEG_S, CP, "neg.s $f1,$f3" },
    { 0x46001888, MIPS_OP_ROUND_L_S, CP, "round.l.s $f2,$f3" },
    { 0x46001889, MIPS_OP_TRUNC_L_S, CP, "trunc.l.s $f2,$f3" },
    { 0x4600188a, MIPS_OP_CEIL_L_S, CP, "ceil.l.s $f2,$f3" },
    { 0x4600188b, MIPS_OP_FLOOR_L_S, CP, "floor.l.s $f2,$f3" },
    { 0x4600184c, MIPS_OP_ROUND_W_S, CP, "round.w.s $f1,$f3" },
    { 0x4600184d, MIPS_OP_TRUNC_W_S, CP, "trunc.w.s $f1,$f3" },
    { 0x4600184e, MIPS_OP_CEIL_W_S, CP, "ceil.w.s $f1,$f3" },
    { 0x4600184f, MIPS_OP_FLOOR_W_S, CP, "floor.w.s $f1,$f3" },
    { 0x460c1851, MIPS_OP_MOVF_S, CP, "movf.s $f1,$f3,$fcc3" },
    { 0x461d1851, MIPS_OP_MOVT_S, CP, "movt.s $f1,$f3,$fcc7" },
    { 0x46031852, MIPS_OP_MOVZ_S, CP, "movz.s $f1,$f3,$3" },
    { 0x46031853, MIPS_OP_MOVN_S, CP, "movn.s $f1,$f3,$3" },
    { 0x46001855, MIPS_OP_RECIP_S, CP, "recip.s $f1,$f3" },
    { 0x46001856, MIPS_OP_RSQRT_S, CP, "rsqrt.s $f1,$f3" },
    { 0x46001864, MIPS_OP_CVT_W_S, CP, "cvt.w.s $f1,$f3" },
    { 0x460018a5, MIPS_OP_CVT_L_S, CP, "cvt.l.s $f2,$f3" },
    { 0x46051830, MIPS_OP_C_F_S, CP, "c.f.s $fcc0,$f3,$f5" },
    { 0x46051931, MIPS_OP_C_UN_S, CP, "c.un.s $fcc1,$f3,$f5" },
    { 0x46051a32, MIPS_OP_C_EQ_S, CP, "c.eq.s $fcc2,$f3,$f5" },
    { 0x46051b33, MIPS_OP_C_UEQ_S, CP, "c.ueq.s $fcc3,$f3,$f5" },
    { 0x46051c34, MIPS_OP_C_OLT_S, CP, "c.olt.s $fcc4,$f3,$f5" },
    { 0x46051d35, MIPS_OP_C_ULT_S, CP, "c.ult.s $fcc5,$f3,$f5" },
    { 0x46051e36, MIPS_OP_C_OLE_S, CP, "c.ole.s $fcc6,$f3,$f5" },
    { 0x46051f37, MIPS_OP_C_ULE_S, CP, "c.ule.s $fcc7,$f3,$f5" },
    { 0x46051838, MIPS_OP_C_SF_S, CP, "c.sf.s $fcc0,$f3,$f5" },
    { 0x46051939, MIPS_OP_C_NGLE_S, CP, "c.ngle.s $fcc1,$f3,$f5" },
    { 0x46051a3a, MIPS_OP_C_SEQ_S, CP, "c.seq.s $fcc2,$f3,$f5" },
    { 0x46051b3b, MIPS_OP_C_NGL_S, CP, "c.ngl.s $fcc3,$f3,$f5" },
    { 0x46051c3c, MIPS_OP_C_LT_S, CP, "c.lt.s $fcc4,$f3,$f5" },
    { 0x46051d3d, MIPS_OP_C_NGE_S, CP, "c.nge.s $fcc5,$f3,$f5" },
    { 0x46051e3e, MIPS_OP_C_LE_S, CP, "c.le.s $fcc6,$f3,$f5" },
    { 0x46051f3f, MIPS_OP_C_NGT_S, CP, "c.ngt.s $fcc7,$f3,$f5" },
    { 0x460018a1, MIPS_OP_CVT_D_S, CP, "cvt.d.s $f2,$f3" },
    { 0x46262080, MIPS_OP_ADD_D, CP, "add.d $f2,$f4,$f6" },
    { 0x46262081, MIPS_OP_SUB_D, CP, "sub.d $f2,$f4,$f6" },
    { 0x46262082, MIPS_OP_MUL_D, CP, "mul.d $f2,$f4,$f6" },
    { 0x46262083, MIPS_OP_DIV_D, CP, "div.d $f2,$f4,$f6" },
    { 0x46202084, MIPS_OP_SQRT_D, CP, "sqrt.d $f2,$f4" },
    { 0x46202085, MIPS_OP_ABS_D, CP, "abs.d $f2,$f4" },
    { 0x46202086, MIPS_OP_MOV_D, CP, "mov.d $f2,$f4" },
    { 0x46202087, MIPS_OP_NEG_D, CP, "neg.d $f2,$f4" },
    { 0x46202088, MIPS_OP_ROUND_L_D, CP, "round.l.d $f2,$f4" },
    { 0x46202089, MIPS_OP_TRUNC_L_D, CP, "trunc.l.d $f2,$f4" },
    { 0x4620208a, MIPS_OP_CEIL_L_D, CP, "ceil.l.d $f2,$f4" },
    { 0x4620208b, MIPS_OP_FLOOR_L_D, CP, "floor.l.d $f2,$f4" },
    { 0x4620204c, MIPS_OP_ROUND_W_D, CP, "round.w.d $f1,$f4" },
    { 0x4620204d, MIPS_OP_TRUNC_W_D, CP, "trunc.w.d $f1,$f4" },
    { 0x4620204e, MIPS_OP_CEIL_W_D, CP, "ceil.w.d $f1,$f4" },
    { 0x4620204f, MIPS_OP_FLOOR_W_D, CP, "floor.w.d $f1,$f4" },
    { 0x462c2091, MIPS_OP_MOVF_D, CP, "movf.d $f2,$f4,$fcc3" },
    { 0x463d2091, MIPS_OP_MOVT_D, CP, "movt.d $f2,$f4,$fcc7" },
    { 0x46232092, MIPS_OP_MOVZ_D, CP, "movz.d $f2,$f4,$3" },
    { 0x46232093, MIPS_OP_MOVN_D, CP, "movn.d $f2,$f4,$3" },
    { 0x46202095, MIPS_OP_RECIP_D, CP, "recip.d $f2,$f4" },
    { 0x46202096, MIPS_OP_RSQRT_D, CP, "rsqrt.d $f2,$f4" },
    { 0x46202064, MIPS_OP_CVT_W_D, CP, "cvt.w.d $f1,$f4" },
    { 0x462020a5, MIPS_OP_CVT_L_D, CP, "cvt.l.d $f2,$f4" },
    { 0x46262030, MIPS_OP_C_F_D, CP, "c.f.d $fcc0,$f4,$f6" },
    { 0x46262131, MIPS_OP_C_UN_D, CP, "c.un.d $fcc1,$f4,$f6" },
    { 0x46262232, MIPS_OP_C_EQ_D, CP, "c.eq.d $fcc2,$f4,$f6" },
    { 0x46262333, MIPS_OP_C_UEQ_D, CP, "c.ueq.d $fcc3,$f4,$f6" },
    { 0x46262434, MIPS_OP_C_OLT_D, CP, "c.olt.d $fcc4,$f4,$f6" },
    { 0x46262535, MIPS_OP_C_ULT_D, CP, "c.ult.d $fcc5,$f4,$f6" },
    { 0x46262636, MIPS_OP_C_OLE_D, CP, "c.ole.d $fcc6,$f4,$f6" },
    { 0x46262737, MIPS_OP_C_ULE_D, CP, "c.ule.d $fcc7,$f4,$f6" },
    { 0x46262038, MIPS_OP_C_SF_D, CP, "c.sf.d $fcc0,$f4,$f6" },
    { 0x46262139, MIPS_OP_C_NGLE_D, CP, "c.ngle.d $fcc1,$f4,$f6" },
    { 0x4626223a, MIPS_OP_C_SEQ_D, CP, "c.seq.d $fcc2,$f4,$f6" },
    { 0x4626233b, MIPS_OP_C_NGL_D, CP, "c.ngl.d $fcc3,$f4,$f6" },
    { 0x4626243c, MIPS_OP_C_LT_D, CP, "c.lt.d $fcc4,$f4,$f6" },
    { 0x4626253d, MIPS_OP_C_NGE_D, CP, "c.nge.d $fcc5,$f4,$f6" },
    { 0x4626263e, MIPS_OP_C_LE_D, CP, "c.le.d $fcc6,$f4,$f6" },
    { 0x4626273f, MIPS_OP_C_NGT_D, CP, "c.ngt.d $fcc7,$f4,$f6" },
    { 0x46202060, MIPS_OP_CVT_S_D, CP, "cvt.s.d $f1,$f4" },
    { 0x46801860, MIPS_OP_CVT_S_W, CP, "cvt.s.w $f1,$f3" },
    { 0x468018a1, MIPS_OP_CVT_D_W, CP, "cvt.d.w $f2,$f3" },
    { 0x46a01060, MIPS_OP_CVT_S_L, CP, "cvt.s.l $f1,$f2" },
    { 0x46a020a1, MIPS_OP_CVT_D_L, CP, "cvt.d.l $f2,$f4" },
    { 0x44021800, MIPS_OP_MFC1, CP, "mfc1 $2,$f3" },
    { 0x4442f800, MIPS_OP_CFC1, CP, "cfc1 $2,$31" },
    { 0x44621800, MIPS_OP_MFHC1, CP, "mfhc1 $2,$f3" },
    { 0x44821800, MIPS_OP_MTC1, CP, "mtc1 $2,$f3" },
    { 0x44c2f800, MIPS_OP_CTC1, CP, "ctc1 $2,$31" },
    { 0x44e21800, MIPS_OP_MTHC1, CP, "mthc1 $2,$f3" },
    { 0x45040001, MIPS_OP_BC1F, CP | BR, "bc1f $fcc1,.+8" },
    { 0x45010001, MIPS_OP_BC1T, CP | BR, "bc1t .+8" },
    { 0x451a0001, MIPS_OP_BC1FL, CP | BR | LK, "bc1fl $fcc6,.+8" },
    { 0x451f0001, MIPS_OP_BC1TL, CP | BR | LK, "bc1tl $fcc7,.+8" },
    { 0x4ca40080, MIPS_OP_LWXC1, CP | LD, "lwxc1 $f2,$4($5)" },
    { 0x4ca40081, MIPS_OP_LDXC1, CP | LD, "ldxc1 $f2,$4($5)" },
    { 0x4ca40085, MIPS_OP_LUXC1, CP | LD, "luxc1 $f2,$4($5)" },
    { 0x4ca41008, MIPS_OP_SWXC1, CP | ST, "swxc1 $f2,$4($5)" },
    { 0x4ca41009, MIPS_OP_SDXC1, CP | ST, "sdxc1 $f2,$4($5)" },
    { 0x4ca4100d, MIPS_OP_SUXC1, CP | ST, "suxc1 $f2,$4($5)" },
    { 0x4ca4180f, MIPS_OP_PREFX, CP, "prefx 3,$4($5)" },
    { 0x4c441860, MIPS_OP_MADD_S, CP, "madd.s $f1,$f2,$f3,$f4" },
    { 0x4c462021, MIPS_OP_MADD_D, CP, "madd.d $f0,$f2,$f4,$f6" },
    { 0x4c441868, MIPS_OP_MSUB_S, CP, "msub.s $f1,$f2,$f3,$f4" },
    { 0x4c462029, MIPS_OP_MSUB_D, CP, "msub.d $f0,$f2,$f4,$f6" },
    { 0x4c441870, MIPS_OP_NMADD_S, CP, "nmadd.s $f1,$f2,$f3,$f4" },
    { 0x4c462031, MIPS_OP_NMADD_D, CP, "nmadd.d $f0,$f2,$f4,$f6" },
    { 0x4c441878, MIPS_OP_NMSUB_S, CP, "nmsub.s $f1,$f2,$f3,$f4" },
    { 0x4c462039, MIPS_OP_NMSUB_D, CP, "nmsub.d $f0,$f2,$f4,$f6" },
    { 0x00681001, MIPS_OP_MOVF, CP, "movf $2,$3,$fcc2" },
    { 0x007d1001, MIPS_OP_MOVT, CP, "movt $2,$3,$fcc7" },
    /* COP1/COP1X words that are no instruction of this FPU */
    { 0x46c41000, MIPS_OP_COP1, CP, "add.ps $f0,$f2,$f4 (fmt PS: FIR.PS = 0)" },
    { 0x44221800, MIPS_OP_COP1, CP, "dmfc1 $2,$f3 (MIPS64)" },
    { 0x45210003, MIPS_OP_COP1, CP, "bc1any2t $fcc0 (MIPS-3D)" },
    { 0x46001020, MIPS_OP_COP1, CP, "cvt.s.s (no such conversion)" },
    { 0x4c82101e, MIPS_OP_COP1X, CP, "alnv.ps $f0,$f2,$f4,$4" },
    /* coprocessor 2: coarse (no CP2) */
    { 0x48021800, MIPS_OP_COP2, CP, "mfc2 $2,$3" },
    { 0xc4820008, MIPS_OP_LWC1, CP | LD, "lwc1 $f2,8($4)" },
    { 0xe4820008, MIPS_OP_SWC1, CP | ST, "swc1 $f2,8($4)" },
    { 0xd4820008, MIPS_OP_LDC1, CP | LD, "ldc1 $f2,8($4)" },
    { 0xf4820008, MIPS_OP_SDC1, CP | ST, "sdc1 $f2,8($4)" },
    { 0xc8820008, MIPS_OP_LWC2, CP | LD, "lwc2 $2,8($4)" },
    { 0xe8820008, MIPS_OP_SWC2, CP | ST, "swc2 $2,8($4)" },
    { 0xd8820008, MIPS_OP_LDC2, CP | LD, "ldc2 $2,8($4)" },
    { 0xf8820008, MIPS_OP_SDC2, CP | ST, "sdc2 $2,8($4)" },
};

static struct mips_insn dec(uint32_t w)
{
    struct mips_insn in;
    memset(&in, 0xA5, sizeof(in)); /* every field must be written */
    mips_decode(w, &in);
    return in;
}

static void check_row(const struct row *r)
{
    struct mips_insn in = dec(r->word);
    if (in.op != r->op || in.flags != r->flags)
        fail_msg("%08x (%s): got op %s flags 0x%02x, want %s flags 0x%02x", r->word, r->text,
                 mips_op_name(in.op), in.flags, mips_op_name(r->op), r->flags);
}

static void test_every_class(void **state)
{
    (void)state;
    bool seen[MIPS_OP_COUNT] = { false };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        check_row(&rows[i]);
        seen[rows[i].op] = true;
    }
    for (unsigned op = 1; op < MIPS_OP_COUNT; op++)
        if (!seen[op])
            fail_msg("op %s has no row in the class table", mips_op_name(op));
}

/* ---- fields ---- */

static void test_fields_r_type(void **state)
{
    (void)state;
    struct mips_insn in = dec(0x000317c3); /* sra $2,$3,31 */
    assert_int_equal(in.raw, 0x000317c3);
    assert_int_equal(in.rs, 0);
    assert_int_equal(in.rt, 3);
    assert_int_equal(in.rd, 2);
    assert_int_equal(in.sa, 31);
    assert_int_equal(in.code, 0);

    in = dec(0x00851021); /* addu $2,$4,$5 */
    assert_int_equal(in.rs, 4);
    assert_int_equal(in.rt, 5);
    assert_int_equal(in.rd, 2);
    assert_int_equal(in.sa, 0);

    in = dec(0x03202809); /* jalr $5,$25: rd is the link register */
    assert_int_equal(in.op, MIPS_OP_JALR);
    assert_int_equal(in.rs, 25);
    assert_int_equal(in.rd, 5);
    in = dec(0x0320f809); /* jalr $25 = jalr $31,$25 */
    assert_int_equal(in.rd, 31);
}

static void test_fields_immediates(void **state)
{
    (void)state;
    struct mips_insn in = dec(0x27bdffe0); /* addiu $29,$29,-32 */
    assert_int_equal(in.op, MIPS_OP_ADDIU);
    assert_int_equal(in.rs, 29);
    assert_int_equal(in.rt, 29);
    assert_int_equal(in.simm, -32);
    assert_int_equal(in.uimm, 0xffe0);

    in = dec(0x38a48000); /* xori $4,$5,0x8000: zero-extended for logic ops */
    assert_int_equal(in.uimm, 0x8000);
    assert_int_equal(in.simm, -32768);

    in = dec(0x3c038010); /* lui $3,0x8010 */
    assert_int_equal(in.rt, 3);
    assert_int_equal(in.uimm, 0x8010);
    assert_int_equal(in.simm, -32752);

    in = dec(0x34637fff); /* ori $3,$3,0x7fff: the largest positive simm */
    assert_int_equal(in.simm, 32767);

    in = dec(0x80a4ffff); /* lb $4,-1($5): base = rs, offset = simm */
    assert_int_equal(in.rs, 5);
    assert_int_equal(in.rt, 4);
    assert_int_equal(in.simm, -1);

    in = dec(0x0488ffff); /* tgei $4,-1: the CPU compares with the sign-extended simm */
    assert_int_equal(in.simm, -1);
    assert_int_equal(in.rt, 8); /* raw field: the REGIMM sub-code */

    in = dec(0xbc940000); /* cache 0x14,0($4): the operation is in rt */
    assert_int_equal(in.rt, 0x14);
    assert_int_equal(in.rs, 4);
    in = dec(0xcc850008); /* pref 5,8($4): the hint is in rt */
    assert_int_equal(in.rt, 5);
    assert_int_equal(in.simm, 8);
}

static void test_fields_jump_target(void **state)
{
    (void)state;
    struct mips_insn in = dec(0x082af37b); /* j 0x80abcdec: index 0x2af37b */
    assert_int_equal(in.target, 0x00abcdec);
    in = dec(0x0c048d14); /* jal 0x80123450 */
    assert_int_equal(in.target, 0x00123450);
    in = dec(0x0bffffff); /* the largest index: 26 bits << 2 */
    assert_int_equal(in.op, MIPS_OP_J);
    assert_int_equal(in.target, 0x0ffffffc);

    in = dec(0x1085ffee); /* beq: offset in simm (words) */
    assert_int_equal(in.simm, -18);
    in = dec(0x10007fff);
    assert_int_equal(in.simm, 0x7fff);
}

static void test_fields_codes(void **state)
{
    (void)state;
    struct mips_insn in = dec(0x0048d14c); /* syscall 0x12345: bits 25:6 */
    assert_int_equal(in.op, MIPS_OP_SYSCALL);
    assert_int_equal(in.code, 0x12345);
    in = dec(0x0007000d); /* break 7 = code 7 << 10 (the assembler's first field is bits 25:16) */
    assert_int_equal(in.op, MIPS_OP_BREAK);
    assert_int_equal(in.code, 7u << 10);
    in = dec(0x0003ffcd); /* break 3,0x3ff */
    assert_int_equal(in.code, (3u << 10) | 0x3ff);
    in = dec(0x03ffffcd); /* break with every code bit set */
    assert_int_equal(in.code, 0xfffff);
    in = dec(0x70048d3f); /* sdbbp 0x1234 */
    assert_int_equal(in.op, MIPS_OP_SDBBP);
    assert_int_equal(in.code, 0x1234);
    in = dec(0x0064fff0); /* tge $3,$4,0x3ff: bits 15:6 */
    assert_int_equal(in.code, 0x3ff);
    assert_int_equal(in.rs, 3);
    assert_int_equal(in.rt, 4);
    in = dec(0x006401f4); /* teq $3,$4,7 */
    assert_int_equal(in.code, 7);
    in = dec(0x00640036); /* tne $3,$4 */
    assert_int_equal(in.code, 0);

    /* No code for anything else, even with the same bits set. */
    in = dec(0x420015a0); /* wait 0x56 */
    assert_int_equal(in.code, 0);
    in = dec(0x0488ffff); /* tgei: immediate form, no code */
    assert_int_equal(in.code, 0);
    in = dec(0x0000010f); /* sync 4: stype stays in sa */
    assert_int_equal(in.op, MIPS_OP_SYNC);
    assert_int_equal(in.sa, 4);
    assert_int_equal(in.code, 0);
}

static void test_fields_ext_ins(void **state)
{
    (void)state;
    struct mips_insn in = dec(0x7c8220c0); /* ext $2,$4,3,5: lsb = 3, msbd = 4 */
    assert_int_equal(in.op, MIPS_OP_EXT);
    assert_int_equal(in.rs, 4);
    assert_int_equal(in.rt, 2);
    assert_int_equal(in.pos, 3);
    assert_int_equal(in.size, 4);
    in = dec(0x7c8238c4); /* ins $2,$4,3,5: lsb = 3, msb = 7 */
    assert_int_equal(in.op, MIPS_OP_INS);
    assert_int_equal(in.pos, 3);
    assert_int_equal(in.size, 7);
    in = dec(0x7c43f800); /* ext $3,$2,0,32 */
    assert_int_equal(in.pos, 0);
    assert_int_equal(in.size, 31);
    in = dec(0x7c4200c4); /* ins with msb (0) < lsb (3): UNPREDICTABLE, still INS, fields raw */
    assert_int_equal(in.op, MIPS_OP_INS);
    assert_int_equal(in.pos, 3);
    assert_int_equal(in.size, 0);
}

static void test_fields_cop0(void **state)
{
    (void)state;
    struct mips_insn in = dec(0x40028003); /* mfc0 $2,$16,3 (Config3) */
    assert_int_equal(in.op, MIPS_OP_MFC0);
    assert_int_equal(in.rt, 2);
    assert_int_equal(in.rd, 16);
    assert_int_equal(in.sel, 3);
    in = dec(0x40826001); /* mtc0 $2,$12,1 (IntCtl) */
    assert_int_equal(in.op, MIPS_OP_MTC0);
    assert_int_equal(in.rt, 2);
    assert_int_equal(in.rd, 12);
    assert_int_equal(in.sel, 1);
    in = dec(0x4082f807); /* mtc0 $2,$31,7 */
    assert_int_equal(in.rd, 31);
    assert_int_equal(in.sel, 7);

    in = dec(0x41656000); /* di $5: rt is the destination of the old Status */
    assert_int_equal(in.op, MIPS_OP_DI);
    assert_int_equal(in.rt, 5);
    in = dec(0x41666020); /* ei $6 */
    assert_int_equal(in.op, MIPS_OP_EI);
    assert_int_equal(in.rt, 6);

    in = dec(0x41431000); /* rdpgpr $2,$3: rd <- SGPR[PSS][rt] */
    assert_int_equal(in.op, MIPS_OP_RDPGPR);
    assert_int_equal(in.rd, 2);
    assert_int_equal(in.rt, 3);
    in = dec(0x41c31000); /* wrpgpr $2,$3: SGPR[PSS][rd] <- rt */
    assert_int_equal(in.op, MIPS_OP_WRPGPR);
    assert_int_equal(in.rd, 2);
    assert_int_equal(in.rt, 3);

    in = dec(0x7c03e83b); /* rdhwr $3,$29: hardware register number in rd */
    assert_int_equal(in.rt, 3);
    assert_int_equal(in.rd, 29);
    in = dec(0x7c02103b); /* rdhwr $2,$2 (CC): any number decodes; the CPU checks HWREna */
    assert_int_equal(in.op, MIPS_OP_RDHWR);
    assert_int_equal(in.rd, 2);
}

/* ---- special encodings ---- */

static void test_sll_barriers(void **state)
{
    (void)state;
    assert_int_equal(dec(0x00000040).op, MIPS_OP_SSNOP); /* sll $0,$0,1 */
    assert_int_equal(dec(0x000000c0).op, MIPS_OP_EHB);   /* sll $0,$0,3 */
    assert_int_equal(dec(0x00000140).op, MIPS_OP_PAUSE); /* sll $0,$0,5 */
    assert_int_equal(dec(0x00000000).op, MIPS_OP_SLL);   /* nop */
    assert_int_equal(dec(0x00000080).op, MIPS_OP_SLL);   /* sll $0,$0,2 */
    assert_int_equal(dec(0x00000100).op, MIPS_OP_SLL);   /* sll $0,$0,4 */
    assert_int_equal(dec(0x000001c0).op, MIPS_OP_SLL);   /* sll $0,$0,7 */
    assert_int_equal(dec(0x00000840).op, MIPS_OP_SLL);   /* sll $1,$0,1: not ssnop */
    assert_int_equal(dec(0x000100c0).op, MIPS_OP_SLL);   /* sll $0,$1,3: not ehb */
    /* only the exact encodings: rs is ignored by sll, and a non-zero rs is not a barrier */
    assert_int_equal(dec(0x002000c0).op, MIPS_OP_SLL);
    assert_int_equal(dec(0x00200140).op, MIPS_OP_SLL);
}

static void test_rotate_bits(void **state)
{
    (void)state;
    /* SRL/ROTR: bit 21 (rs bit 0) is the R bit (Vol. II ROTR). */
    assert_int_equal(dec(0x00031242).op, MIPS_OP_SRL);
    assert_int_equal(dec(0x00231242).op, MIPS_OP_ROTR);
    /* the other rs bits must be 0 and are ignored */
    assert_int_equal(dec(0x00431242).op, MIPS_OP_SRL);
    assert_int_equal(dec(0x00631242).op, MIPS_OP_ROTR);
    assert_int_equal(dec(0x03e31242).op, MIPS_OP_ROTR);
    struct mips_insn in = dec(0x00231242);
    assert_int_equal(in.rs, 1); /* the raw field, whatever the op */
    assert_int_equal(in.sa, 9);

    /* SRLV/ROTRV: bit 6 (sa bit 0) is the R bit (Vol. II ROTRV). */
    assert_int_equal(dec(0x00831006).op, MIPS_OP_SRLV);
    assert_int_equal(dec(0x00831046).op, MIPS_OP_ROTRV);
    assert_int_equal(dec(0x00831086).op, MIPS_OP_SRLV);  /* sa = 2 */
    assert_int_equal(dec(0x008317c6).op, MIPS_OP_ROTRV); /* sa = 31 */
    assert_int_equal(dec(0x00831046).sa, 1);

    /* SRA and SRAV have no rotate form. */
    assert_int_equal(dec(0x002317c3).op, MIPS_OP_SRA);
    assert_int_equal(dec(0x00831047).op, MIPS_OP_SRAV);
}

static void test_hazard_barrier_jumps(void **state)
{
    (void)state;
    /* the hint field is bits 10:6; bit 10 set is the .hb form (Vol. II JR.HB, JALR.HB) */
    assert_int_equal(dec(0x03e00008).op, MIPS_OP_JR);
    assert_int_equal(dec(0x03e00408).op, MIPS_OP_JR_HB);
    assert_int_equal(dec(0x0320f809).op, MIPS_OP_JALR);
    assert_int_equal(dec(0x0320fc09).op, MIPS_OP_JALR_HB);
    /* other hint bits are reserved and ignored */
    assert_int_equal(dec(0x03e00048).op, MIPS_OP_JR);
    assert_int_equal(dec(0x03e007c8).op, MIPS_OP_JR_HB);
    assert_int_equal(dec(0x0320f849).op, MIPS_OP_JALR);
    assert_int_equal(dec(0x0320ffc9).op, MIPS_OP_JALR_HB);
    assert_int_equal(dec(0x03e00408).sa, 0x10);
}

static void test_bshfl_and_rdhwr(void **state)
{
    (void)state;
    /* SPECIAL3 funct 0x20, selected by sa (Vol. II App. A, BSHFL function field) */
    assert_int_equal(dec(0x7c0410a0).op, MIPS_OP_WSBH); /* sa 0x02 */
    assert_int_equal(dec(0x7c041420).op, MIPS_OP_SEB);  /* sa 0x10 */
    assert_int_equal(dec(0x7c041620).op, MIPS_OP_SEH);  /* sa 0x18 */
    assert_int_equal(dec(0x7c041020).op, MIPS_OP_INVALID); /* sa 0x00: Release 6 bitswap */
    assert_int_equal(dec(0x7c0410e0).op, MIPS_OP_INVALID); /* sa 0x03 */
    assert_int_equal(dec(0x7c041460).op, MIPS_OP_INVALID); /* sa 0x11 */
    assert_int_equal(dec(0x7c0417e0).op, MIPS_OP_INVALID); /* sa 0x1f */
    struct mips_insn in = dec(0x7c041420);
    assert_int_equal(in.rt, 4);
    assert_int_equal(in.rd, 2);
    /* rs must be 0: ignored */
    assert_int_equal(dec(0x7c2410a0).op, MIPS_OP_WSBH);
    /* RDHWR is SPECIAL3 funct 0x3B; rs and sa ignored */
    assert_int_equal(dec(0x7c03e83b).op, MIPS_OP_RDHWR);
    assert_int_equal(dec(0x7fe3e87b).op, MIPS_OP_RDHWR);
}

static void test_cop0_group(void **state)
{
    (void)state;
    /* rs = 0 MFC0, 4 MTC0, 0x0A RDPGPR, 0x0B MFMC0, 0x0E WRPGPR (Vol. II App. A, COP0 rs field);
     * 8 MFTR and 0x0C MTTR (the MT ASE, MD00378; engines raise RI on a CPU without it) */
    assert_int_equal(dec(0x40026000).op, MIPS_OP_MFC0);
    assert_int_equal(dec(0x40826000).op, MIPS_OP_MTC0);
    assert_int_equal(dec(0x41431000).op, MIPS_OP_RDPGPR);
    assert_int_equal(dec(0x41c31000).op, MIPS_OP_WRPGPR);
    for (unsigned rs = 0; rs < 16; rs++) {
        if (rs == 0 || rs == 4 || rs == 0x0A || rs == 0x0B || rs == 0x0E || rs == 0x08 || rs == 0x0C)
            continue;
        uint32_t w = 0x40000000u | (rs << 21) | (2u << 16) | (12u << 11);
        if (dec(w).op != MIPS_OP_INVALID)
            fail_msg("COP0 rs=0x%02x (%08x) decoded as %s", rs, w, mips_op_name(dec(w).op));
    }
    /* MFMC0: di/ei need rd = 12 (Status); sc = bit 5 chooses */
    assert_int_equal(dec(0x41606000).op, MIPS_OP_DI);
    assert_int_equal(dec(0x41606020).op, MIPS_OP_EI);
    /* the MT ASE's dvpe/evpe (rd = 0) and dmt/emt (rd = 1), sel = 1 */
    assert_int_equal(dec(0x41600001).op, MIPS_OP_DVPE);
    assert_int_equal(dec(0x41600021).op, MIPS_OP_EVPE);
    assert_int_equal(dec(0x41600bc1).op, MIPS_OP_DMT);
    assert_int_equal(dec(0x41600be1).op, MIPS_OP_EMT);
    assert_int_equal(dec(0x41600000).op, MIPS_OP_INVALID); /* rd = 0, sel = 0 */
    assert_int_equal(dec(0x41600802).op, MIPS_OP_INVALID); /* rd = 1, sel = 2 */
    assert_int_equal(dec(0x41605800).op, MIPS_OP_INVALID); /* rd = 11 */
    /* CO = 1, by funct (Vol. II App. A, COP0 function field when rs = CO) */
    static const struct { uint32_t funct; enum mips_op op; } co[] = {
        { 0x01, MIPS_OP_TLBR }, { 0x02, MIPS_OP_TLBWI }, { 0x06, MIPS_OP_TLBWR },
        { 0x08, MIPS_OP_TLBP }, { 0x18, MIPS_OP_ERET }, { 0x1f, MIPS_OP_DERET },
        { 0x20, MIPS_OP_WAIT },
    };
    for (uint32_t f = 0; f < 64; f++) {
        enum mips_op want = MIPS_OP_INVALID;
        for (size_t i = 0; i < sizeof(co) / sizeof(co[0]); i++)
            if (co[i].funct == f)
                want = co[i].op;
        /* every rs with the CO bit set is the same group */
        for (uint32_t rs = 0x10; rs < 0x20; rs++) {
            uint32_t w = 0x40000000u | (rs << 21) | f;
            if (dec(w).op != want)
                fail_msg("%08x: got %s, want %s", w, mips_op_name(dec(w).op), mips_op_name(want));
        }
    }
}

/*
 * COP1 and COP1X, restated from Vol. II App. A: the COP1 rs field, the function field for each
 * format, the COP1X function field. Everything else in the FPU's opcode space is one of the
 * reserved ops (MIPS_OP_COP1/COP1X): no PS format, no MIPS-3D, no MIPS64 dmfc1/dmtc1.
 */
static void test_cop1_group(void **state)
{
    (void)state;
    static const char *const s_funct[64] = {
        [0x00] = "add.s", [0x01] = "sub.s", [0x02] = "mul.s", [0x03] = "div.s", [0x04] = "sqrt.s",
        [0x05] = "abs.s", [0x06] = "mov.s", [0x07] = "neg.s", [0x08] = "round.l.s", [0x09] = "trunc.l.s",
        [0x0A] = "ceil.l.s", [0x0B] = "floor.l.s", [0x0C] = "round.w.s", [0x0D] = "trunc.w.s",
        [0x0E] = "ceil.w.s", [0x0F] = "floor.w.s", [0x11] = "movf.s", [0x12] = "movz.s",
        [0x13] = "movn.s", [0x15] = "recip.s", [0x16] = "rsqrt.s", [0x21] = "cvt.d.s", [0x24] = "cvt.w.s",
        [0x25] = "cvt.l.s", [0x30] = "c.f.s", [0x31] = "c.un.s", [0x32] = "c.eq.s", [0x33] = "c.ueq.s",
        [0x34] = "c.olt.s", [0x35] = "c.ult.s", [0x36] = "c.ole.s", [0x37] = "c.ule.s", [0x38] = "c.sf.s",
        [0x39] = "c.ngle.s", [0x3A] = "c.seq.s", [0x3B] = "c.ngl.s", [0x3C] = "c.lt.s", [0x3D] = "c.nge.s",
        [0x3E] = "c.le.s", [0x3F] = "c.ngt.s",
    };
    char want[32];
    for (unsigned rs = 0; rs < 32; rs++) {
        for (unsigned f = 0; f < 64; f++) {
            uint32_t w = 0x44000000u | (rs << 21) | (6u << 16) | (4u << 11) | (2u << 6) | f;
            const char *name = "cop1";
            switch (rs) {
            case 0x00: name = "mfc1"; break;
            case 0x02: name = "cfc1"; break;
            case 0x03: name = "mfhc1"; break;
            case 0x04: name = "mtc1"; break;
            case 0x06: name = "ctc1"; break;
            case 0x07: name = "mthc1"; break;
            case 0x08: name = "bc1fl"; break; /* rt = 6: cc 1, nd 1, tf 0 */
            case 0x10: case 0x11:
                if (s_funct[f]) {
                    snprintf(want, sizeof(want), "%s", s_funct[f]);
                    want[strlen(want) - 1] = rs == 0x10 ? 's' : 'd';
                    name = want;
                }
                if (rs == 0x11 && f == 0x21)
                    name = "cop1";      /* no cvt.d.d */
                if (rs == 0x11 && f == 0x20)
                    name = "cvt.s.d";
                break;
            case 0x14: name = f == 0x20 ? "cvt.s.w" : f == 0x21 ? "cvt.d.w" : "cop1"; break;
            case 0x15: name = f == 0x20 ? "cvt.s.l" : f == 0x21 ? "cvt.d.l" : "cop1"; break;
            default: break;
            }
            struct mips_insn in = dec(w);
            if (strcmp(mips_op_name(in.op), name))
                fail_msg("%08x: got %s, want %s", w, mips_op_name(in.op), name);
        }
    }
    /* bc1: nd (bit 17) and tf (bit 16); cc in bits 20:18 */
    assert_int_equal(dec(0x45000000).op, MIPS_OP_BC1F);
    assert_int_equal(dec(0x45010000).op, MIPS_OP_BC1T);
    assert_int_equal(dec(0x45020000).op, MIPS_OP_BC1FL);
    assert_int_equal(dec(0x451f0000).op, MIPS_OP_BC1TL);
    assert_int_equal(dec(0x451f0000).fcc, 7);
    assert_int_equal(dec(0x45040000).fcc, 1);
    /* movf.fmt/movt.fmt: tf is bit 16, cc bits 20:18 */
    assert_int_equal(dec(0x463d1891).op, MIPS_OP_MOVT_D);
    assert_int_equal(dec(0x463d1891).fcc, 7);
    assert_int_equal(dec(0x46201891).op, MIPS_OP_MOVF_D);
    /* c.cond.fmt: cc in bits 10:8 */
    assert_int_equal(dec(0x46220f3e).op, MIPS_OP_C_LE_D);
    assert_int_equal(dec(0x46220f3e).fcc, 7);
    assert_int_equal(dec(0x46220f3e).rd, 1);
    assert_int_equal(dec(0x46220f3e).rt, 2);
    /* COP1X */
    static const char *const x_funct[64] = {
        [0x00] = "lwxc1", [0x01] = "ldxc1", [0x05] = "luxc1", [0x08] = "swxc1", [0x09] = "sdxc1",
        [0x0D] = "suxc1", [0x0F] = "prefx", [0x20] = "madd.s", [0x21] = "madd.d", [0x28] = "msub.s",
        [0x29] = "msub.d", [0x30] = "nmadd.s", [0x31] = "nmadd.d", [0x38] = "nmsub.s", [0x39] = "nmsub.d",
    };
    for (unsigned f = 0; f < 64; f++) {
        uint32_t w = 0x4C000000u | (5u << 21) | (4u << 16) | (3u << 11) | (2u << 6) | f;
        const char *name = x_funct[f] ? x_funct[f] : "cop1x";
        if (strcmp(mips_op_name(dec(w).op), name))
            fail_msg("%08x: got %s, want %s", w, mips_op_name(dec(w).op), name);
    }
    /* the GPR conditional moves of SPECIAL funct 1 */
    assert_int_equal(dec(0x00741001).op, MIPS_OP_MOVF);
    assert_int_equal(dec(0x00741001).fcc, 5);
    assert_int_equal(dec(0x00751001).op, MIPS_OP_MOVT);
}

/* Must-be-zero fields that are ignored, and the one each time that is not. */
static void test_lenient_fields(void **state)
{
    (void)state;
    assert_int_equal(dec(0x00851061).op, MIPS_OP_ADDU);    /* addu with sa = 1 */
    assert_int_equal(dec(0x008517e1).op, MIPS_OP_ADDU);    /* sa = 31 */
    assert_int_equal(dec(0x00a31fc0).op, MIPS_OP_SLL);     /* sll with rs = 5 */
    assert_int_equal(dec(0x0085ffd8).op, MIPS_OP_MULT);    /* mult with rd, sa != 0 */
    assert_int_equal(dec(0x0085f81a).op, MIPS_OP_DIV);
    assert_int_equal(dec(0x03ff4010).op, MIPS_OP_MFHI);    /* mfhi with rs, rt != 0 */
    assert_int_equal(dec(0x0100ffd1).op, MIPS_OP_MTHI);    /* mthi with rd, sa != 0 */
    assert_int_equal(dec(0x03fff808).op, MIPS_OP_JR);      /* jr with rt, rd != 0 */
    assert_int_equal(dec(0x1885ffec).op, MIPS_OP_BLEZ);    /* blez with rt != 0 */
    assert_int_equal(dec(0x5c85ffe2).op, MIPS_OP_BGTZL);   /* bgtzl with rt != 0 */
    assert_int_equal(dec(0x3c838010).op, MIPS_OP_LUI);     /* lui with rs != 0 */
    assert_int_equal(dec(0x708217e0).op, MIPS_OP_CLZ);     /* clz with sa != 0 */
    assert_int_equal(dec(0x70851020).rd, 2);               /* clz rt != rd: rd is the destination */
    assert_int_equal(dec(0x400267f8).op, MIPS_OP_MFC0);    /* bits 10:3 != 0 */
    assert_int_equal(dec(0x400267f8).sel, 0);
    assert_int_equal(dec(0x416067df).op, MIPS_OP_DI);      /* di with bits 10:6, 4:0 != 0 */
    assert_int_equal(dec(0x416067ff).op, MIPS_OP_EI);
    assert_int_equal(dec(0x43ffffc2).op, MIPS_OP_TLBWI);   /* CO bits 24:6 != 0 */
    assert_int_equal(dec(0x43ffffd8).op, MIPS_OP_ERET);
    assert_int_equal(dec(0x03fffb4f).op, MIPS_OP_SYNC);    /* sync with bits 25:11 != 0 */
    assert_int_equal(dec(0x006a17c1).op, MIPS_OP_MOVF);    /* movf with bit 17, sa != 0 */
    assert_int_equal(dec(0x006a17c1).fcc, 2);
    assert_int_equal(dec(0x460e1851).op, MIPS_OP_MOVF_S);  /* movf.s with bit 17 set */
    assert_int_equal(dec(0x460218f2).op, MIPS_OP_C_EQ_S);  /* c.eq.s with bits 7:6 != 0 */
    assert_int_equal(dec(0x461f1844).op, MIPS_OP_SQRT_S);  /* sqrt.s with ft != 0 */
    assert_int_equal(dec(0x440218ff).op, MIPS_OP_MFC1);    /* mfc1 with bits 10:0 != 0 */
    assert_int_equal(dec(0x4ca4f880).op, MIPS_OP_LWXC1);   /* lwxc1 with bits 15:11 != 0 */
    assert_int_equal(dec(0x4ca417c8).op, MIPS_OP_SWXC1);   /* swxc1 with bits 10:6 != 0 */
}

/* Encodings that are not MIPS32r2 (or not this CPU's): all INVALID. */
static void test_invalid(void **state)
{
    (void)state;
    static const struct { uint32_t w; const char *what; } bad[] = {
        /* MIPS64 (Vol. II App. A: the entries marked as MIPS64 only) */
        { 0x0064102d, "daddu $2,$3,$4" }, { 0x0064102c, "dadd" }, { 0x0064102e, "dsub" },
        { 0x0064102f, "dsubu" }, { 0x00031138, "dsll $2,$3,4" }, { 0x0003113a, "dsrl" },
        { 0x0003113b, "dsra" }, { 0x0003113c, "dsll32" }, { 0x0003113e, "dsrl32" },
        { 0x0003113f, "dsra32" }, { 0x00831014, "dsllv" }, { 0x00831016, "dsrlv" },
        { 0x00831017, "dsrav" }, { 0x0085001c, "dmult" }, { 0x0085001d, "dmultu" },
        { 0x0085001e, "ddiv" }, { 0x0085001f, "ddivu" },
        { 0x60640005, "daddi" }, { 0x64640005, "daddiu" }, { 0x68820003, "ldl" },
        { 0x6c820000, "ldr" }, { 0x9c820000, "lwu" }, { 0xb0820000, "sdl" }, { 0xb4820000, "sdr" },
        { 0xd0820000, "lld" }, { 0xdc820000, "ld" }, { 0xf0820000, "scd" }, { 0xfc820000, "sd" },
        { 0x70821024, "dclz" }, { 0x70821025, "dclo" },
        { 0x7c8220c3, "dext" }, { 0x7c8220c1, "dextm" }, { 0x7c8220c2, "dextu" },
        { 0x7c8238c7, "dins" }, { 0x7c8238c5, "dinsm" }, { 0x7c8238c6, "dinsu" },
        { 0x7c0410a4, "dsbh" }, { 0x40226000, "dmfc0" }, { 0x40a26000, "dmtc0" },
        /* no MIPS I COP3 or its loads/stores in MIPS32r2; 0x13 is COP1X, 0x33 is PREF */
        { 0xec820000, "swc3 (opcode 0x3B)" },
        /* MIPS16e/microMIPS jalx: no MIPS16e on this CPU */
        { 0x74000000, "jalx" },
        /* MDMX / MSA major opcode */
        { 0x78000000, "opcode 0x1E" }, { 0x787e0959, "cfcmsa" },
        /* reserved SPECIAL functs, incl. Release 6 lsa/dlsa */
        { 0x00831005, "lsa (funct 0x05)" }, { 0x0000000e, "funct 0x0E" },
        { 0x00831015, "dlsa (funct 0x15)" }, { 0x00000028, "funct 0x28" },
        { 0x00000029, "funct 0x29" }, { 0x00000035, "funct 0x35" }, { 0x00000037, "funct 0x37" },
        { 0x00000039, "funct 0x39" }, { 0x0000003d, "funct 0x3D" },
        /* reserved REGIMM rt, and the DSP ASE's bposge32 */
        { 0x04840000, "REGIMM rt 0x04" }, { 0x04870000, "REGIMM rt 0x07" },
        { 0x048d0000, "REGIMM rt 0x0D" }, { 0x048f0000, "REGIMM rt 0x0F" },
        { 0x04940000, "REGIMM rt 0x14" }, { 0x049c0005, "bposge32" },
        { 0x049e0000, "REGIMM rt 0x1E" },
        /* SPECIAL2 UDI and reserved */
        { 0x70850003, "SPECIAL2 0x03" }, { 0x70850006, "SPECIAL2 0x06" },
        { 0x70850010, "SPECIAL2 0x10" }, { 0x70850022, "SPECIAL2 0x22" },
        { 0x7085003e, "SPECIAL2 0x3E" },
        /* DSP and MT ASEs in SPECIAL3 */
        { 0x7c641010, "addu.qb $2,$3,$4" }, { 0x7c0114b8, "rddsp" }, { 0x7c41fcf8, "wrdsp" },
        { 0x7c85100a, "lwx" }, { 0x7c64100c, "insv" }, { 0x7c851008, "fork" },
        { 0x7c801009, "yield" }, { 0x7c0000ff, "SPECIAL3 0x3F" },
        /* COP0 CO functs not in MIPS32r2 */
        { 0x42000003, "tlbinv" }, { 0x42000004, "tlbinvf" }, { 0x42000010, "CO 0x10" },
        { 0x42000021, "CO 0x21" }, { 0x41600002, "MFMC0 rd = 0, sel = 2" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mips_insn in = dec(bad[i].w);
        if (in.op != MIPS_OP_INVALID || in.flags != 0)
            fail_msg("%08x (%s): decoded as %s flags 0x%02x", bad[i].w, bad[i].what,
                     mips_op_name(in.op), in.flags);
    }
}

static void test_op_names(void **state)
{
    (void)state;
    assert_string_equal(mips_op_name(MIPS_OP_INVALID), "invalid");
    assert_string_equal(mips_op_name(MIPS_OP_JALR_HB), "jalr.hb");
    assert_string_equal(mips_op_name(MIPS_OP_ADDIU), "addiu");
    assert_string_equal(mips_op_name(MIPS_OP_PREFX), "prefx");
    assert_string_equal(mips_op_name(MIPS_OP_COUNT), "invalid");
    assert_string_equal(mips_op_name(0xFFFFu), "invalid");
    for (unsigned a = 0; a < MIPS_OP_COUNT; a++) {
        assert_non_null(mips_op_name(a));
        for (unsigned b = a + 1; b < MIPS_OP_COUNT; b++)
            if (!strcmp(mips_op_name(a), mips_op_name(b)))
                fail_msg("ops %u and %u share the name %s", a, b, mips_op_name(a));
    }
}

/* ---- sweep: invariants over millions of words ---- */

/* The flag rules of the brief, restated independently of decode.c's table. */
static uint8_t expected_flags(enum mips_op op)
{
    switch (op) {
    case MIPS_OP_J: case MIPS_OP_JR: case MIPS_OP_JR_HB: case MIPS_OP_BEQ: case MIPS_OP_BNE:
    case MIPS_OP_BLEZ: case MIPS_OP_BGTZ: case MIPS_OP_BLTZ: case MIPS_OP_BGEZ:
        return BR;
    case MIPS_OP_BEQL: case MIPS_OP_BNEL: case MIPS_OP_BLEZL: case MIPS_OP_BGTZL:
    case MIPS_OP_BLTZL: case MIPS_OP_BGEZL:
        return BR | LK;
    case MIPS_OP_JAL: case MIPS_OP_JALR: case MIPS_OP_JALR_HB: case MIPS_OP_BLTZAL:
    case MIPS_OP_BGEZAL:
        return BR | LN;
    case MIPS_OP_BLTZALL: case MIPS_OP_BGEZALL:
        return BR | LK | LN;
    case MIPS_OP_SYSCALL: case MIPS_OP_BREAK: case MIPS_OP_SDBBP:
        return EB;
    case MIPS_OP_LB: case MIPS_OP_LH: case MIPS_OP_LWL: case MIPS_OP_LW: case MIPS_OP_LBU:
    case MIPS_OP_LHU: case MIPS_OP_LWR: case MIPS_OP_LL:
        return LD;
    case MIPS_OP_SB: case MIPS_OP_SH: case MIPS_OP_SWL: case MIPS_OP_SW: case MIPS_OP_SWR:
    case MIPS_OP_SC:
        return ST;
    case MIPS_OP_CACHE: case MIPS_OP_MFC0: case MIPS_OP_RDPGPR: case MIPS_OP_WRPGPR:
        return PV;
    case MIPS_OP_MTC0: case MIPS_OP_DI: case MIPS_OP_EI: case MIPS_OP_TLBR: case MIPS_OP_TLBWI:
    case MIPS_OP_TLBWR: case MIPS_OP_TLBP: case MIPS_OP_ERET: case MIPS_OP_DERET: case MIPS_OP_WAIT:
    case MIPS_OP_MFTR: case MIPS_OP_MTTR: case MIPS_OP_DVPE: case MIPS_OP_EVPE: case MIPS_OP_DMT:
    case MIPS_OP_EMT:
        return PV | EB;
    case MIPS_OP_COP2: case MIPS_OP_MOVF: case MIPS_OP_MOVT:
        return CP;
    case MIPS_OP_LWC1: case MIPS_OP_LWC2: case MIPS_OP_LDC1: case MIPS_OP_LDC2: case MIPS_OP_LWXC1:
    case MIPS_OP_LDXC1: case MIPS_OP_LUXC1:
        return CP | LD;
    case MIPS_OP_SWC1: case MIPS_OP_SWC2: case MIPS_OP_SDC1: case MIPS_OP_SDC2: case MIPS_OP_SWXC1:
    case MIPS_OP_SDXC1: case MIPS_OP_SUXC1:
        return CP | ST;
    case MIPS_OP_BC1F: case MIPS_OP_BC1T:
        return CP | BR;
    case MIPS_OP_BC1FL: case MIPS_OP_BC1TL:
        return CP | BR | LK;
    /* every other op from the reserved COP1 words to the last multiply-add is an FPU op */
    case MIPS_OP_COP1 ... MIPS_OP_MTHC1: case MIPS_OP_ADD_S ... MIPS_OP_CVT_D_L:
    case MIPS_OP_PREFX ... MIPS_OP_NMSUB_D:
        return CP;
    default:
        return 0;
    }
}

static void check_invariants(uint32_t w, bool *seen)
{
    struct mips_insn in = dec(w);
    if (in.op >= MIPS_OP_COUNT)
        fail_msg("%08x: op %u out of range", w, in.op);
    seen[in.op] = true;
    unsigned opc = w >> 26;
    bool ok = in.raw == w && in.rs == ((w >> 21) & 31) && in.rt == ((w >> 16) & 31) &&
              in.rd == ((w >> 11) & 31) && in.sa == ((w >> 6) & 31) && in.sel == (w & 7) &&
              in.simm == (int16_t)w && in.uimm == (w & 0xffff) &&
              in.target == ((w & 0x03ffffffu) << 2) && in.pos == in.sa && in.size == in.rd;
    if (!ok)
        fail_msg("%08x: a raw field is wrong", w);
    if (in.flags != expected_flags(in.op))
        fail_msg("%08x (%s): flags 0x%02x, want 0x%02x", w, mips_op_name(in.op), in.flags,
                 expected_flags(in.op));
    uint32_t code = 0;
    if (in.op == MIPS_OP_SYSCALL || in.op == MIPS_OP_BREAK || in.op == MIPS_OP_SDBBP)
        code = (w >> 6) & 0xfffff;
    else if (in.op >= MIPS_OP_TGE && in.op <= MIPS_OP_TNE)
        code = (w >> 6) & 0x3ff;
    if (in.code != code)
        fail_msg("%08x (%s): code 0x%x, want 0x%x", w, mips_op_name(in.op), in.code, code);
    /* MIPS64-only and reserved major opcodes never decode */
    switch (opc) {
    case 0x18: case 0x19: case 0x1A: case 0x1B: case 0x1D: case 0x1E: case 0x27: case 0x2C:
    case 0x2D: case 0x34: case 0x37: case 0x3B: case 0x3C: case 0x3F:
        if (in.op != MIPS_OP_INVALID)
            fail_msg("%08x: opcode 0x%02x decoded as %s", w, opc, mips_op_name(in.op));
        break;
    case 0x11: case 0x13: case 0x31: case 0x35: case 0x39: case 0x3D:
        /* COP1, COP1X and the FPU loads/stores are all CP1 ops, reserved words included */
        if (!(in.flags & CP))
            fail_msg("%08x: FPU word decoded as %s", w, mips_op_name(in.op));
        break;
    case 0x12:
        if (in.op != MIPS_OP_COP2)
            fail_msg("%08x: COP2 word decoded as %s", w, mips_op_name(in.op));
        break;
    default:
        break;
    }
}

static void test_sweep(void **state)
{
    (void)state;
    bool seen[MIPS_OP_COUNT] = { false };
    /* every opcode x rs x rt x funct, with rd and sa from a mixing counter */
    uint32_t mix = 0x9e3779b9u;
    for (uint32_t opc = 0; opc < 64; opc++)
        for (uint32_t rs = 0; rs < 32; rs++)
            for (uint32_t rt = 0; rt < 32; rt++)
                for (uint32_t funct = 0; funct < 64; funct++) {
                    mix = mix * 1664525u + 1013904223u;
                    uint32_t mid = (mix >> 8) & 0xffc0u; /* rd and sa */
                    check_invariants((opc << 26) | (rs << 21) | (rt << 16) | mid | funct, seen);
                }
    /* and the barrier words, which the mixed rd/sa hardly ever hit */
    check_invariants(0x00000040, seen);
    check_invariants(0x000000c0, seen);
    check_invariants(0x00000140, seen);
    for (unsigned op = 0; op < MIPS_OP_COUNT; op++)
        if (!seen[op])
            fail_msg("op %s was never produced", mips_op_name(op));
}

/* ---- disassembly ---- */

static void test_disasm(void **state)
{
    (void)state;
    char buf[128];
    assert_string_equal(dbt_disasm(0x24090005, 0x80001000, buf, sizeof(buf)),
                        "0x80001000: 24090005  addiu $t1, $zero, 5");
    /* branch targets are absolute, from the pc given */
    assert_string_equal(dbt_disasm(0x1000ffff, 0x80001000, buf, sizeof(buf)),
                        "0x80001000: 1000ffff  b 0x80001000");
    assert_string_equal(dbt_disasm(0x42000018, 0xbfc00000, buf, sizeof(buf)),
                        "0xbfc00000: 42000018  eret");
    /* capstone rejects: .word, with our mnemonic when we know the word */
    assert_string_equal(dbt_disasm(0xfc820000, 0x80001000, buf, sizeof(buf)),
                        "0x80001000: fc820000  .word 0xfc820000");
    assert_string_equal(dbt_disasm(0x41431000, 0x80001000, buf, sizeof(buf)),
                        "0x80001000: 41431000  .word 0x41431000  # rdpgpr");
    /* truncation is safe and terminated */
    char small[8];
    dbt_disasm(0x24090005, 0x80001000, small, sizeof(small));
    assert_string_equal(small, "0x80001");
}

/* ---- --trace ---- */

static void test_trace_parse(void **state)
{
    (void)state;
    struct dbt_trace t = { 0 };
    char err[160];
    assert_true(dbt_trace_parse("pc=80100000-801fffff,insn=100-200", &t, err, sizeof(err)));
    assert_true(t.on);
    assert_int_equal(t.pc_lo, 0x80100000u);
    assert_int_equal(t.pc_hi, 0x801fffffu);
    assert_int_equal(t.icount_lo, 100);
    assert_int_equal(t.icount_hi, 200);
    assert_ptr_equal(t.out, stderr);

    memset(&t, 0, sizeof(t));
    assert_true(dbt_trace_parse("insn=5-", &t, err, sizeof(err)));
    assert_int_equal(t.pc_lo, 0);
    assert_int_equal(t.pc_hi, 0xffffffffu);
    assert_int_equal(t.icount_lo, 5);
    assert_int_equal(t.icount_hi, UINT64_MAX);

    memset(&t, 0, sizeof(t));
    assert_true(dbt_trace_parse("pc=0xBFC00000-0xbfc00fff", &t, err, sizeof(err)));
    assert_int_equal(t.pc_lo, 0xbfc00000u);
    assert_int_equal(t.pc_hi, 0xbfc00fffu);
    assert_int_equal(t.icount_lo, 0);
    assert_int_equal(t.icount_hi, UINT64_MAX);

    memset(&t, 0, sizeof(t));
    assert_true(dbt_trace_parse("insn=42,pc=-80001000", &t, err, sizeof(err)));
    assert_int_equal(t.icount_lo, 42);
    assert_int_equal(t.icount_hi, 42);
    assert_int_equal(t.pc_lo, 0);
    assert_int_equal(t.pc_hi, 0x80001000u);

    memset(&t, 0, sizeof(t));
    assert_true(dbt_trace_parse("all", &t, err, sizeof(err)));
    assert_true(t.on);
    assert_int_equal(t.pc_hi, 0xffffffffu);

    /* an output chosen before is kept */
    FILE *mine = stdout;
    t = (struct dbt_trace){ .out = mine };
    assert_true(dbt_trace_parse("pc=0-ff", &t, err, sizeof(err)));
    assert_ptr_equal(t.out, mine);

    static const char *const bad[] = {
        "pc=zz-1", "pc=2-1", "foo=1", "pc=1-2,pc=3-4", "pc=100000000", "insn=-", "insn=1-2,",
        "pc", "insn=0x10", "insn= 5", "pc=+5", ",", "pc=", "insn=99999999999999999999",
        "insn=-5-6",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct dbt_trace before, u;
        memset(&before, 0, sizeof(before));
        before.pc_lo = 7;
        memcpy(&u, &before, sizeof(u));
        err[0] = '\0';
        if (dbt_trace_parse(bad[i], &u, err, sizeof(err)))
            fail_msg("'%s' was accepted", bad[i]);
        if (!err[0])
            fail_msg("'%s': no error message", bad[i]);
        if (memcmp(&u, &before, sizeof(u)))
            fail_msg("'%s': the settings changed on error", bad[i]);
    }
    /* the message names the culprit */
    assert_false(dbt_trace_parse("pc=80000000-8000zzzz", &t, err, sizeof(err)));
    assert_non_null(strstr(err, "8000zzzz"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_class),
        cmocka_unit_test(test_fields_r_type),
        cmocka_unit_test(test_fields_immediates),
        cmocka_unit_test(test_fields_jump_target),
        cmocka_unit_test(test_fields_codes),
        cmocka_unit_test(test_fields_ext_ins),
        cmocka_unit_test(test_fields_cop0),
        cmocka_unit_test(test_sll_barriers),
        cmocka_unit_test(test_rotate_bits),
        cmocka_unit_test(test_hazard_barrier_jumps),
        cmocka_unit_test(test_bshfl_and_rdhwr),
        cmocka_unit_test(test_cop0_group),
        cmocka_unit_test(test_cop1_group),
        cmocka_unit_test(test_lenient_fields),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_op_names),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_disasm),
        cmocka_unit_test(test_trace_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
