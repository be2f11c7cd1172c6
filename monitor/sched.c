/*
 * The scheduler (monitor/sched.h). This first version gives every VM its own host thread running
 * vm_run; the worker pool with fair shares replaces it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "monitor/internal.h"
#include "monitor/sched.h"

int sched_worse(int a, int b)
{
    static const int rank[] = {[0] = 0, [3] = 1, [4] = 2, [2] = 3, [1] = 4};
    int ra = a >= 0 && a <= 4 ? rank[a] : 5, rb = b >= 0 && b <= 4 ? rank[b] : 5;
    return ra >= rb ? a : b;
}

struct vm_thread {
    pthread_t t;
    struct vm *vm;
    int status;
};

static void *vm_thread_main(void *arg)
{
    struct vm_thread *t = arg;
    t->status = vm_run(t->vm);
    return NULL;
}

int sched_run(struct vm **vms, unsigned n, const struct sched_config *sc, int *status)
{
    (void)sc;
    struct vm_thread *t = calloc(n, sizeof(*t));
    if (!t)
        return -ENOMEM;
    unsigned started = 0;
    for (; started < n; started++) {
        t[started].vm = vms[started];
        if (pthread_create(&t[started].t, NULL, vm_thread_main, &t[started]))
            break;
    }
    int worst = 0;
    for (unsigned i = 0; i < n; i++) {
        if (i < started)
            pthread_join(t[i].t, NULL);
        else
            t[i].status = 1;
        status[i] = t[i].status;
        worst = sched_worse(worst, status[i]);
    }
    free(t);
    return worst;
}
