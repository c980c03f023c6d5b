/*
 * qpool.c — the query worker pool (exec/qpool.h).
 *
 * One mutex guards the queue; idle workers wait on one condition
 * variable. Threads are started all at once by the first submit (the
 * daemon has forked by then), so a busy pool is never short of threads
 * and an idle daemon that never ran a query has none.
 */
#include "exec/qpool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/msg.h"

struct qpool {
    unsigned want;               /* threads to start */
    pthread_mutex_t mu;          /* guards everything below */
    pthread_cond_t cv;           /* a task was queued, or stopping */
    struct qpool_task *head, *tail;
    pthread_t *threads;
    unsigned nthreads;           /* started */
    int stopping;
};

static void *worker(void *arg)
{
    struct qpool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct qpool_task *t = p->head;
        if (!t) {
            if (p->stopping)
                break;
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        p->head = t->next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        t->run(t);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int qpool_create(unsigned nthreads, struct qpool **out)
{
    struct qpool *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    if (!nthreads) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = cores > 0 ? (unsigned)cores : 1;
    }
    p->want = nthreads;
    p->threads = calloc(nthreads, sizeof(*p->threads));
    if (!p->threads) {
        free(p);
        return -ENOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    *out = p;
    return 0;
}

/* Under p->mu. */
static int start_threads(struct qpool *p)
{
    while (p->nthreads < p->want) {
        int rc = pthread_create(&p->threads[p->nthreads], NULL, worker, p);
        if (rc) {
            if (!p->nthreads)
                return -rc;
            msg_warn("query pool: %u of %u threads: %s", p->nthreads, p->want, strerror(rc));
            p->want = p->nthreads;
            break;
        }
        p->nthreads++;
    }
    return 0;
}

int qpool_submit(struct qpool *p, struct qpool_task *t)
{
    pthread_mutex_lock(&p->mu);
    int rc = p->stopping ? -ESHUTDOWN : start_threads(p);
    if (!rc) {
        t->next = NULL;
        if (p->tail)
            p->tail->next = t;
        else
            p->head = t;
        p->tail = t;
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int qpool_cancel(struct qpool *p, struct qpool_task *t)
{
    pthread_mutex_lock(&p->mu);
    struct qpool_task *prev = NULL, *cur = p->head;
    while (cur && cur != t) {
        prev = cur;
        cur = cur->next;
    }
    if (cur) {
        if (prev)
            prev->next = cur->next;
        else
            p->head = cur->next;
        if (p->tail == cur)
            p->tail = prev;
    }
    pthread_mutex_unlock(&p->mu);
    return cur != NULL;
}

unsigned qpool_threads(struct qpool *p)
{
    pthread_mutex_lock(&p->mu);
    unsigned n = p->nthreads;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void qpool_destroy(struct qpool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->cv);
    unsigned n = p->nthreads;
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < n; i++)
        pthread_join(p->threads[i], NULL);
    /* no thread ever started: nothing can be queued (submit starts them) */
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
}
