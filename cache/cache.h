/*
 * cache: the public interface of the translation cache (code buffer, block
 * index keyed by guest physical PC, per-vCPU jump cache, chaining and
 * invalidation). The translator that fills it arrives with the translator
 * issue; until then guest code runs in the reference interpreter and this
 * folder only names the interface so the layout stays stable.
 */
#ifndef MVISOR_CACHE_H
#define MVISOR_CACHE_H

#include <stdint.h>

/* Translation-block flags that a lookup key depends on. */
#define TB_F_KERNEL 0x1u
#define TB_F_EXL 0x2u
#define TB_F_ERL 0x4u

#endif
