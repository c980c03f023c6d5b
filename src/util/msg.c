/*
 * msg.c — diagnostics to stderr or syslog (util/msg.h).
 */
#include "util/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

static int use_syslog;
static enum msg_level max_level = MSG_INFO;

void msg_use_syslog(int on)
{
    if (on && !use_syslog)
        openlog("streamfs", LOG_PID, LOG_DAEMON);
    use_syslog = on;
}

void msg_set_level(enum msg_level level)
{
    max_level = level;
}

void msg_log(enum msg_level level, const char *fmt, ...)
{
    static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
    static const char *const name[] = {"error", "warning", "info", "debug"};
    char line[1024];
    va_list ap;

    if (level > max_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (use_syslog)
        syslog(prio[level], "%s", line);
    else
        fprintf(stderr, "streamfs: %s: %s\n", name[level], line);
}
