/*
 * qpool.h — the worker threads that run queries: a fixed number of
 * threads (as many as cores) taking tasks from one FIFO queue.
 *
 * Threads start with the first task, never at creation: the daemon opens
 * the engine before fuse_daemonize forks, and threads do not survive a
 * fork. A run of a task happens on one thread; a historical query's task
 * returns when its query ends, a streaming query's after each turn, and
 * is submitted again by its wake-up (exec/query.h). Cancellation is the
 * task's own business.
 *
 * Ownership: the pool borrows tasks (intrusive, usually embedded in the
 * query); a submitted task must stay valid until its run() returns.
 * qpool_destroy runs every task still queued, then joins the threads.
 */
#ifndef SFS_EXEC_QPOOL_H
#define SFS_EXEC_QPOOL_H

struct qpool_task {
    void (*run)(struct qpool_task *t);
    struct qpool_task *next;     /* private: the queue */
};

struct qpool;

/* A pool of nthreads threads (0: as many as online cores); none started yet. */
int qpool_create(unsigned nthreads, struct qpool **out);
/* Queue t; starts the threads on first use. -ESHUTDOWN once destroying,
 * or the error of starting the first thread. */
int qpool_submit(struct qpool *p, struct qpool_task *t);
/* Take t off the queue if it has not started: 1 when it was queued (it
 * will not run), 0 when it runs or ran. */
int qpool_cancel(struct qpool *p, struct qpool_task *t);
/* Threads started so far. */
unsigned qpool_threads(struct qpool *p);
/* Run what is queued, join the threads, free; NULL is a no-op. */
void qpool_destroy(struct qpool *p);

#endif
