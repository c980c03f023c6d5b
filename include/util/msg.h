/*
 * msg.h — the daemon's diagnostics: to stderr in the foreground, to syslog
 * once daemonized. Thread-safe; messages are single lines.
 */
#ifndef SFS_UTIL_MSG_H
#define SFS_UTIL_MSG_H

enum msg_level { MSG_ERROR, MSG_WARN, MSG_INFO, MSG_DEBUG };

/* Route messages to syslog (1) or stderr (0). */
void msg_use_syslog(int on);
/* Drop messages above level (default MSG_INFO). */
void msg_set_level(enum msg_level level);
void msg_log(enum msg_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define msg_error(...) msg_log(MSG_ERROR, __VA_ARGS__)
#define msg_warn(...) msg_log(MSG_WARN, __VA_ARGS__)
#define msg_info(...) msg_log(MSG_INFO, __VA_ARGS__)
#define msg_debug(...) msg_log(MSG_DEBUG, __VA_ARGS__)

#endif
