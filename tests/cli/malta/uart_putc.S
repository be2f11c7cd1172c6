/*
 * putc for the stand-alone Malta programs (#included at the end of their .text): waits for the
 * 16550's THRE, then writes $a0 to THR; clobbers $t0 and $t1. UART (kseg1 address of port
 * 0x3F8) and LSR_THRE come from the including program; uart_bytes.S says where they come from.
 */
putc:
    li $t0, UART
99: lbu $t1, 5($t0)
    andi $t1, $t1, LSR_THRE
    beqz $t1, 99b
    nop
    jr $ra
    sb $a0, 0($t0)
