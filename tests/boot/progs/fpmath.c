/*
 * Floating-point workload for the boot suite. On a 24Kc (Config1.FP = 0) every FPU
 * instruction traps and the guest kernel emulates it, so this checks that path end to end:
 * arithmetic, fused multiply-add, conversions, comparisons, rounding modes and exception
 * flags through FCSR, and libm. Every result is printed exactly (%a), so the output of a
 * run can be compared bit for bit with another machine's.
 */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static volatile double vd[] = {0.1, 3.0, -7.25, 1e300, 1e-300, 2.5, 0.0, 123456.789};
static volatile float vf[] = {0.1f, 3.0f, -7.25f, 1e30f, 1e-30f, 2.5f};

static uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    return u;
}

int main(void)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over every result */
#define MIX(d) (h = (h ^ bits(d)) * 1099511628211ull)

    /* Basic arithmetic in double and single precision. */
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) {
            double a = vd[i], b = vd[j];
            MIX(a + b);
            MIX(a - b);
            MIX(a * b);
            if (b != 0.0)
                MIX(a / b);
            MIX(fma(a, b, 1.0));
        }
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            float a = vf[i], b = vf[j];
            MIX((double)(a * b + a));
            MIX((double)(a / b));
        }
    printf("arith %016llx\n", (unsigned long long)h);

    /* Conversions. */
    printf("cvt %a %a %d %d %lld %a\n", (double)vf[0], (double)(float)vd[7], (int)vd[2], (int)vd[7],
           (long long)(vd[7] * 1e6), (double)(int64_t)-123456789012345ll);

    /* Rounding modes and exception flags go through FCSR (ctc1/cfc1). */
    static const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        volatile double x = vd[0] * 3.0, y = 1.0 / vd[1];
        printf("round%d %a %a %a\n", m, x, y, rint(vd[2] / 2.0));
    }
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
    volatile double big = vd[3] * vd[3];
    volatile double tiny = vd[4] * vd[4];
    volatile double zero = vd[6];
    volatile double q = vd[1] / zero;
    printf("flags %d %d %d %a %a %a\n", !!fetestexcept(FE_OVERFLOW), !!fetestexcept(FE_UNDERFLOW),
           !!fetestexcept(FE_DIVBYZERO), big, tiny, q);
    printf("nan %d %d %d\n", isnan(zero / zero), isinf(q), (zero / zero) == (zero / zero));

    /* libm and a longer computation: Simpson's rule for the integral of sin on [0, pi]. */
    printf("libm %a %a %a %a %a %a\n", sqrt(2.0), exp(1.0), log(10.0), sin(1.0), atan2(1.0, -1.0),
           pow(1.5, 20.5));
    int n = 2000;
    double step = M_PI / n, sum = sin(0.0) + sin(M_PI);
    for (int i = 1; i < n; i++)
        sum += (i & 1 ? 4.0 : 2.0) * sin(i * step);
    printf("simpson %a\n", sum * step / 3.0);
    float fs = 0;
    for (int i = 1; i <= 1000; i++)
        fs += 1.0f / (float)(i * i);
    printf("basel %a\n", (double)fs);
    printf("fpmath done\n");
    return 0;
}
