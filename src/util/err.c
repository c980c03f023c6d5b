/*
 * err.c — text and errno mapping for the project's error codes (util/err.h).
 */
#include "util/err.h"

#include <stdio.h>

#include <string.h>

const char *err_str(int code)
{
    switch (code) {
    case 0: return "success";
    case ERR_CORRUPT: return "data corrupt (checksum mismatch)";
    case ERR_SYNTAX: return "syntax error";
    case ERR_INCOMPLETE: return "unexpected end of input";
    case ERR_MALFORMED: return "malformed row";
    case ERR_LOCKED: return "data directory is in use by another daemon";
    default:
        if (code < 0 && code > -ERR_BASE)
            return strerror(-code);
        return "unknown error";
    }
}

int err_to_errno(int code)
{
    if (code >= 0)
        return 0;
    if (code > -ERR_BASE)
        return -code;
    switch (code) {
    case ERR_SYNTAX:
    case ERR_INCOMPLETE:
    case ERR_MALFORMED: return EINVAL;
    case ERR_LOCKED: return EBUSY;
    case ERR_CORRUPT:
    default: return EIO;
    }
}

void err_one_line(char *dst, size_t cap, const char *src)
{
    size_t o = 0;
    if (!cap)
        return;
    for (const char *p = src; *p && o + 5 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n' || c == '\t' || c == '\r') {
            dst[o++] = '\\';
            dst[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(dst + o, 5, "\\x%02X", c);
        } else {
            dst[o++] = (char)c;
        }
    }
    dst[o] = '\0';
}
