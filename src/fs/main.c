/*
 * main.c — the streamfs command: mount a data directory.
 *
 *   streamfs [-f] [-d] [-o opt[,opt...]] DATADIR MOUNTPOINT
 *
 * Order of work: lock DATADIR, open the engine (recovery happens here,
 * before anything is visible), mount, then daemonize, so the command
 * returns only once the mount is ready; the daemon serves with the
 * multi-threaded loop until unmounted or signalled, then syncs and exits.
 */
#include <errno.h>
#include <fuse_lowlevel.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "internal.h"
#include "exec/engine.h"
#include "fs/fs.h"
#include "os/os.h"
#include "util/err.h"
#include "util/msg.h"

#define MAX_THREADS 16

struct options {
    int foreground;
    int debug;
    const char *datadir;
    const char *mountpoint;
    char fuse_opts[1024];
};

static void usage(FILE *to)
{
    fprintf(to,
            "usage: streamfs [-f] [-d] [-o opt[,opt...]] DATADIR MOUNTPOINT\n"
            "Mount the streams of DATADIR (created if missing) at MOUNTPOINT.\n"
            "  -f, --foreground  stay in the foreground (log to stderr, not syslog)\n"
            "  -d, --debug       foreground, and print every FUSE request\n"
            "  -o opts           FUSE mount options (ro, allow_other, ...)\n"
            "  -h, --help        this text\n"
            "  -V, --version     the version\n"
            "Unmount with: fusermount3 -u MOUNTPOINT\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"foreground", no_argument, NULL, 'f'}, {"debug", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},       {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "fdo:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f': o->foreground = 1; break;
        case 'd': o->debug = o->foreground = 1; break;
        case 'o': {
            size_t used = strlen(o->fuse_opts);
            snprintf(o->fuse_opts + used, sizeof(o->fuse_opts) - used, "%s%s", used ? "," : "",
                     optarg);
            break;
        }
        case 'h': usage(stdout); exit(0);
        case 'V': printf("streamfs %s\n", PACKAGE_VERSION); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return -1;
    }
    o->datadir = argv[optind];
    o->mountpoint = argv[optind + 1];
    return 0;
}

/*
 * The mount point's absolute path, resolving its parent but not itself:
 * a dead mount there (its daemon killed) cannot be resolved, yet must be
 * found in the mount table to be detached.
 */
static int abs_mountpoint(const char *path, char out[PATH_MAX])
{
    char tmp[PATH_MAX], parent[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    size_t n = strlen(tmp);
    while (n > 1 && tmp[n - 1] == '/')
        tmp[--n] = '\0';
    char *slash = strrchr(tmp, '/');
    const char *base = slash ? slash + 1 : tmp;
    const char *dir = slash ? (slash == tmp ? "/" : tmp) : ".";
    if (slash)
        *slash = '\0';
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return realpath(path, out) ? 0 : -errno;
    if (!realpath(dir, parent))
        return -errno;
    if (snprintf(out, PATH_MAX, "%s/%s", strcmp(parent, "/") ? parent : "", base) >= PATH_MAX)
        return -ENAMETOOLONG;
    return 0;
}

static struct fuse_session *make_session(const struct options *o, struct engine *e)
{
    char *args_v[8];
    int n = 0;
    args_v[n++] = "streamfs";
    if (o->debug)
        args_v[n++] = "-d";
    args_v[n++] = "-o";
    static char opts[1200];
    snprintf(opts, sizeof(opts), "fsname=streamfs,subtype=streamfs%s%s",
             o->fuse_opts[0] ? "," : "", o->fuse_opts);
    args_v[n++] = opts;
    struct fuse_args args = FUSE_ARGS_INIT(n, args_v);
    struct fuse_session *se = fuse_session_new(&args, fs_ops(), sizeof(struct fuse_lowlevel_ops), e);
    fuse_opt_free_args(&args);
    return se;
}

/*
 * Stopping by signal (SIGTERM, SIGINT, SIGHUP): the handler ends the
 * session, as libfuse's own does, and posts `stop_sem` (both are
 * async-signal-safe); the stopper thread then releases the FUSE threads
 * parked in blocking reads (a result being produced, a query's stream),
 * which the loop joins before it returns.
 */
static struct fuse_session *stop_se;
static sem_t stop_sem;
static volatile sig_atomic_t stop_done;

static void on_stop_signal(int sig)
{
    (void)sig;
    if (stop_se)
        fuse_session_exit(stop_se);
    sem_post(&stop_sem);
}

static void *stopper(void *arg)
{
    while (sem_wait(&stop_sem) && errno == EINTR)
        ;
    if (!stop_done)
        qry_release_readers(arg);
    return NULL;
}

static int catch_stop_signals(struct fuse_session *se)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    stop_se = se;
    if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
        sigaction(SIGHUP, &sa, NULL))
        return -errno;
    return 0;
}

static int serve(struct fuse_session *se)
{
    struct fuse_loop_config *cfg = fuse_loop_cfg_create();
    if (!cfg)
        return -ENOMEM;
    fuse_loop_cfg_set_clone_fd(cfg, 1);
    fuse_loop_cfg_set_max_threads(cfg, MAX_THREADS);
    int rc = fuse_session_loop_mt(se, cfg);
    fuse_loop_cfg_destroy(cfg);
    return rc;
}

int main(int argc, char **argv)
{
    struct options o;
    memset(&o, 0, sizeof(o));
    if (parse_args(argc, argv, &o))
        return 2;
    char datadir[PATH_MAX], mnt[PATH_MAX], why[PATH_MAX + 128];
    int rc = os_mkdir(o.datadir, 0755);
    if (rc || !realpath(o.datadir, datadir)) {
        fprintf(stderr, "streamfs: data directory %s: %s\n", o.datadir,
                err_str(rc ? rc : -errno));
        return 1;
    }
    rc = abs_mountpoint(o.mountpoint, mnt);
    if (!rc)
        rc = dmn_prepare_mountpoint(mnt, why, sizeof(why));
    if (rc) {
        fprintf(stderr, "streamfs: %s\n", rc == -EBUSY ? why : strerror(-rc));
        return 1;
    }
    if (!realpath(o.mountpoint, mnt)) {
        fprintf(stderr, "streamfs: mount point %s: %s\n", o.mountpoint, strerror(errno));
        return 1;
    }
    int lock_fd;
    rc = dmn_lock(datadir, &lock_fd, why, sizeof(why));
    if (rc) {
        fprintf(stderr, "streamfs: %s\n", why);
        return 1;
    }
    struct engine *e = NULL;
    rc = eng_open(datadir, &e);
    if (rc) {
        fprintf(stderr, "streamfs: cannot open %s: %s\n", datadir, err_str(rc));
        return 1;
    }
    struct fuse_session *se = make_session(&o, e);
    if (!se || fuse_set_signal_handlers(se) || fuse_session_mount(se, mnt)) {
        fprintf(stderr, "streamfs: cannot mount %s\n", mnt);
        eng_close(e);
        return 1;
    }
    if (fuse_daemonize(o.foreground)) {
        fuse_session_unmount(se);
        eng_close(e);
        return 1;
    }
    msg_use_syslog(!o.foreground);
    dmn_lock_state(lock_fd, "serving", mnt);
    msg_info("serving %s at %s (pid %ld)", datadir, mnt, (long)getpid());

    qry_set_notify(e, fs_q_notify, se); /* results tell the kernel they grew */
    pthread_t stop_thread;
    int stopper_on = sem_init(&stop_sem, 0, 0) == 0 &&
                     pthread_create(&stop_thread, NULL, stopper, e) == 0;
    if (!stopper_on || catch_stop_signals(se))
        msg_warn("a signal may not stop the daemon while a reader waits for a query");
    rc = serve(se);
    qry_release_readers(e); /* the loop is gone: nobody may wait any more */
    if (stopper_on) {
        stop_done = 1;
        sem_post(&stop_sem);
        pthread_join(stop_thread, NULL);
    }
    qry_set_notify(e, NULL, NULL); /* returns once no notification runs */

    dmn_lock_state(lock_fd, "exiting", mnt);
    fs_release_all();
    fuse_session_unmount(se);
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    eng_close(e); /* syncs every log */
    msg_info("unmounted %s", mnt);
    os_close(lock_fd);
    return rc ? 1 : 0;
}
