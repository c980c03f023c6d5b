/*
 * func_time.c — date and time functions, all in UTC: now, now64, today;
 * the parts of a time (to_year ... to_second, to_day_of_week, ...);
 * truncation (to_start_of_minute ... to_start_of_year, to_start_of_interval);
 * date_diff, date_add / date_sub and add_<unit>s / subtract_<unit>s;
 * to_unix_timestamp(64_*); interval constructors (to_interval_<unit>);
 * format_datetime.
 *
 * now() and now64() read the statement's clock (fn_ctx.now_ns, SPEC rule
 * 10): the registry marks them FN_PER_STATEMENT, so the binder folds them
 * once per statement. Kernels first turn their time argument, whatever its
 * kind (datetime seconds, date days, datetime64 ticks), into int64 seconds
 * or ticks in one pass, then run one loop for the function; calendar
 * parts use the integer civil-date routines of types/datetime.
 *
 * Result types follow Proton (ClickHouse 22): truncation to a minute, hour
 * or day gives datetime, to a week, month, quarter or year gives date;
 * to_start_of_interval likewise, and datetime64 for sub-second units.
 * Weeks start on Monday, except in to_start_of_week, whose mode (default
 * 0) starts them on Sunday as ClickHouse's does. date_diff counts unit boundaries crossed, as
 * ClickHouse's dateDiff does (date_diff('month', '01-31', '02-01') = 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "func_impl.h"
#include "types/datetime.h"

#define KERNEL_ARGS                                                                           \
    const struct fn_bind *b, struct fn_ctx *ctx, const struct col *const *args, \
        const uint8_t *nulls, uint32_t n, struct col *out

int64_t fn_add_months_days(int64_t days, int64_t months)
{
    int64_t y;
    int m, d;
    if (months > 1200000)
        months = 1200000; /* 100,000 years: beyond any renderable date */
    if (months < -1200000)
        months = -1200000;
    dt_civil_from_days(days, &y, &m, &d);
    int64_t total = y * 12 + (m - 1) + months, y2 = dt_floor_div(total, 12);
    int m2 = (int)(total - y2 * 12) + 1;
    int64_t first = dt_days_from_civil(y2, m2, 1);
    int64_t next = m2 == 12 ? dt_days_from_civil(y2 + 1, 1, 1) : dt_days_from_civil(y2, m2 + 1, 1);
    int64_t dim = next - first;
    return first + (d <= dim ? d : dim) - 1;
}

/* ---- a time column as int64 seconds (or ticks) ----------------------------- */

/* Row values of a time column as ticks at precision prec (floor). */
static int64_t *load_ticks(const struct col *c, uint32_t n, int prec)
{
    int64_t *v = malloc((n ? n : 1) * sizeof(*v)), s = dt_pow10(prec);
    if (!v)
        return NULL;
    switch (c->ty.kind) {
    case TY_DATETIME:
        for (uint32_t i = 0; i < n; i++)
            v[i] = (int64_t)COL_AT(c, uint32_t, i) * s;
        break;
    case TY_DATE:
        for (uint32_t i = 0; i < n; i++)
            v[i] = (int64_t)COL_AT(c, uint16_t, i) * 86400 * s;
        break;
    default:
        if (c->ty.prec == prec)
            memcpy(v, c->data, (size_t)n * sizeof(*v));
        else
            for (uint32_t i = 0; i < n; i++)
                v[i] = dt_rescale(COL_AT(c, int64_t, i), c->ty.prec, prec);
        break;
    }
    return v;
}

static int want_time(struct fn_bind *b, const char *name, uint32_t i)
{
    struct ty t = b->arg_ty[i];
    if (fn_is_time(t))
        return 0;
    if (t.kind == TY_STRING) { /* a datetime text, parsed */
        b->cast_to[i] = fn_ty(TY_DATETIME64);
        b->cast_to[i].prec = 9;
        return 0;
    }
    return fn_bad_arg(b, name, i, "a date or datetime");
}

/* ---- now, now64, today ------------------------------------------------------ */

static int k_now(KERNEL_ARGS)
{
    uint32_t *o = out->data;
    int64_t s = dt_floor_div(ctx->now_ns, 1000000000);
    uint32_t v = (uint32_t)(s < 0 ? 0 : s > UINT32_MAX ? UINT32_MAX : s);
    for (uint32_t i = 0; i < n; i++)
        o[i] = v;
    fn_fixed_done(out, n);
    return 0;
}

static int k_now64(KERNEL_ARGS)
{
    int64_t *o = out->data, v = dt_rescale(ctx->now_ns, 9, out->ty.prec);
    for (uint32_t i = 0; i < n; i++)
        o[i] = v;
    fn_fixed_done(out, n);
    return 0;
}

static int k_today(KERNEL_ARGS)
{
    uint16_t *o = out->data;
    int64_t d = dt_floor_div(ctx->now_ns, 86400000000000LL);
    for (uint32_t i = 0; i < n; i++)
        o[i] = (uint16_t)(d < 0 ? 0 : d > 65535 ? 65535 : d);
    fn_fixed_done(out, n);
    return 0;
}

static int bind_now(struct fn_bind *b)
{
    b->ret = fn_ty(TY_DATETIME);
    b->kernel = k_now;
    return 0;
}

/* Optional argument i, a constant integer in 0..hi: *v (left as it is when
 * the argument is absent), or a bind error asking for what. */
static int opt_small_const(struct fn_bind *b, const char *name, uint32_t i, int64_t hi,
                           const char *what, int64_t *v)
{
    if (b->nargs <= i)
        return 0;
    const struct val *c = fn_const(b, i);
    if (!c || !ty_is_int(c->ty) || fn_val_i64(c) < 0 || fn_val_i64(c) > hi)
        return fn_bad_arg(b, name, i, what);
    *v = fn_val_i64(c);
    return 0;
}

static int bind_now64(struct fn_bind *b)
{
    int64_t p = 3;
    int rc = opt_small_const(b, "now64", 0, 9, "a constant precision 0..9", &p);
    if (rc)
        return rc;
    b->ret = (struct ty){TY_DATETIME64, 0, (uint8_t)p};
    b->kernel = k_now64;
    return 0;
}

static int bind_today(struct fn_bind *b)
{
    b->ret = fn_ty(TY_DATE);
    b->kernel = k_today;
    return 0;
}

/* ---- parts of a time ------------------------------------------------------- */

enum part {
    P_YEAR, P_QUARTER, P_MONTH, P_DAY_OF_MONTH, P_DAY_OF_WEEK, P_DAY_OF_YEAR, P_HOUR,
    P_MINUTE, P_SECOND, P_YYYYMM, P_YYYYMMDD, P_UNIX,
};

struct part_def {
    const char *name;
    uint8_t ret;
};
static const struct part_def parts[] = {
    [P_YEAR] = {"to_year", TY_UINT16},       [P_QUARTER] = {"to_quarter", TY_UINT8},
    [P_MONTH] = {"to_month", TY_UINT8},      [P_DAY_OF_MONTH] = {"to_day_of_month", TY_UINT8},
    [P_DAY_OF_WEEK] = {"to_day_of_week", TY_UINT8},
    [P_DAY_OF_YEAR] = {"to_day_of_year", TY_UINT16},
    [P_HOUR] = {"to_hour", TY_UINT8},        [P_MINUTE] = {"to_minute", TY_UINT8},
    [P_SECOND] = {"to_second", TY_UINT8},    [P_YYYYMM] = {"to_yyyymm", TY_UINT32},
    [P_YYYYMMDD] = {"to_yyyymmdd", TY_UINT32}, [P_UNIX] = {"to_unix_timestamp", TY_UINT32},
};

/* The part's value from seconds since the epoch. */
static int64_t part_of(enum part p, int64_t secs)
{
    int64_t days = dt_floor_div(secs, 86400), sod = secs - days * 86400, y;
    int m, d;
    switch (p) {
    case P_HOUR: return sod / 3600;
    case P_MINUTE: return sod / 60 % 60;
    case P_SECOND: return sod % 60;
    case P_DAY_OF_WEEK: return dt_floor_div(days + 3, 7) * -7 + days + 3 + 1; /* Monday 1 */
    case P_UNIX: return secs < 0 ? 0 : secs > UINT32_MAX ? UINT32_MAX : secs;
    default: break;
    }
    dt_civil_from_days(days, &y, &m, &d);
    switch (p) {
    case P_YEAR: return y;
    case P_QUARTER: return (m - 1) / 3 + 1;
    case P_MONTH: return m;
    case P_DAY_OF_MONTH: return d;
    case P_DAY_OF_YEAR: return days - dt_days_from_civil(y, 1, 1) + 1;
    case P_YYYYMM: return y * 100 + m;
    default: return (y * 100 + m) * 100 + d; /* P_YYYYMMDD */
    }
}

#define PART_STORE(T)                                   \
    do {                                                \
        T *o = out->data;                               \
        for (uint32_t i = 0; i < n; i++)                \
            o[i] = (T)part_of(p, v[i]);                 \
    } while (0)

static int k_part(KERNEL_ARGS)
{
    enum part p = (enum part)(*(const uint8_t *)b->state);
    int64_t *v = load_ticks(args[0], n, 0);
    if (!v)
        return -ENOMEM;
    switch (ty_width(out->ty)) {
    case 1: PART_STORE(uint8_t); break;
    case 2: PART_STORE(uint16_t); break;
    default: PART_STORE(uint32_t); break;
    }
    free(v);
    fn_fixed_done(out, n);
    return 0;
}

static const uint8_t part_ids[] = {P_YEAR, P_QUARTER, P_MONTH, P_DAY_OF_MONTH, P_DAY_OF_WEEK,
                                   P_DAY_OF_YEAR, P_HOUR, P_MINUTE, P_SECOND, P_YYYYMM,
                                   P_YYYYMMDD, P_UNIX};

static int bind_part(struct fn_bind *b, enum part p)
{
    int rc = want_time(b, parts[p].name, 0);
    if (rc)
        return rc;
    b->state = (void *)&part_ids[p];
    b->ret = fn_ty(parts[p].ret);
    b->kernel = k_part;
    return 0;
}

#define PART_BIND(id, fn) \
    static int bind_##fn(struct fn_bind *b) { return bind_part(b, id); }
PART_BIND(P_YEAR, to_year)
PART_BIND(P_QUARTER, to_quarter)
PART_BIND(P_MONTH, to_month)
PART_BIND(P_DAY_OF_MONTH, to_day_of_month)
PART_BIND(P_DAY_OF_WEEK, to_day_of_week)
PART_BIND(P_DAY_OF_YEAR, to_day_of_year)
PART_BIND(P_HOUR, to_hour)
PART_BIND(P_MINUTE, to_minute)
PART_BIND(P_SECOND, to_second)
PART_BIND(P_YYYYMM, to_yyyymm)
PART_BIND(P_YYYYMMDD, to_yyyymmdd)
PART_BIND(P_UNIX, to_unix_timestamp)

/* to_unix_timestamp64_milli / micro / nano: datetime64 ticks at that precision. */
static int k_unix64(KERNEL_ARGS)
{
    int64_t *v = load_ticks(args[0], n, *(const int *)b->state);
    if (!v)
        return -ENOMEM;
    memcpy(out->data, v, (size_t)n * sizeof(*v));
    free(v);
    fn_fixed_done(out, n);
    return 0;
}

static const int prec_3 = 3, prec_6 = 6, prec_9 = 9;

static int bind_unix64(struct fn_bind *b, const char *name, const int *prec)
{
    if (b->arg_ty[0].kind != TY_DATETIME64)
        return fn_bad_arg(b, name, 0, "a datetime64");
    b->state = (void *)prec;
    b->ret = fn_ty(TY_INT64);
    b->kernel = k_unix64;
    return 0;
}
static int bind_unix_milli(struct fn_bind *b)
{
    return bind_unix64(b, "to_unix_timestamp64_milli", &prec_3);
}
static int bind_unix_micro(struct fn_bind *b)
{
    return bind_unix64(b, "to_unix_timestamp64_micro", &prec_6);
}
static int bind_unix_nano(struct fn_bind *b)
{
    return bind_unix64(b, "to_unix_timestamp64_nano", &prec_9);
}

/* ---- truncation: to_start_of_* and to_start_of_interval ------------------------ */

struct trunc {
    uint8_t unit;   /* enum ty_unit */
    int64_t count;  /* units per step */
    int prec;       /* ticks the kernel works in (sub-second units) */
    int sunday;     /* weeks start on Sunday (to_start_of_week's mode 0) */
};

/* The start of the count-unit step holding t (ticks at tr->prec). */
static int64_t trunc_ticks(const struct trunc *tr, int64_t t)
{
    static const int64_t unit_secs[] = {[TY_UNIT_SECOND] = 1, [TY_UNIT_MINUTE] = 60,
                                        [TY_UNIT_HOUR] = 3600, [TY_UNIT_DAY] = 86400};
    int64_t days, y;
    int m, d;
    switch (tr->unit) {
    case TY_UNIT_NANOSECOND:
    case TY_UNIT_MICROSECOND:
    case TY_UNIT_MILLISECOND:
        return dt_floor_div(t, tr->count) * tr->count;
    case TY_UNIT_SECOND:
    case TY_UNIT_MINUTE:
    case TY_UNIT_HOUR:
    case TY_UNIT_DAY: {
        int64_t q = unit_secs[tr->unit] * tr->count;
        return dt_floor_div(t, q) * q; /* seconds; a day count below for dates */
    }
    case TY_UNIT_WEEK: /* Monday weeks since 1969-12-29, Sunday weeks since 1970-01-04 */
        days = dt_floor_div(t, 86400);
        if (tr->sunday)
            return dt_floor_div(days + 4, 7 * tr->count) * 7 * tr->count - 4;
        return dt_floor_div(days + 3, 7 * tr->count) * 7 * tr->count - 3;
    default:
        days = dt_floor_div(t, 86400);
        dt_civil_from_days(days, &y, &m, &d);
        int64_t months = tr->unit == TY_UNIT_MONTH ? 1 : tr->unit == TY_UNIT_QUARTER ? 3 : 12;
        int64_t step = months * tr->count, total = dt_floor_div(y * 12 + m - 1, step) * step;
        int64_t year = dt_floor_div(total, 12);
        return dt_days_from_civil(year, (int)(total - year * 12) + 1, 1);
    }
}

static int k_trunc(KERNEL_ARGS)
{
    const struct trunc *tr = b->state;
    int64_t *v = load_ticks(args[0], n, tr->prec);
    if (!v)
        return -ENOMEM;
    switch (out->ty.kind) {
    case TY_DATE: {
        uint16_t *o = out->data;
        for (uint32_t i = 0; i < n; i++) {
            int64_t dd = trunc_ticks(tr, v[i]);
            o[i] = (uint16_t)(dd < 0 ? 0 : dd > 65535 ? 65535 : dd);
        }
        break;
    }
    case TY_DATETIME: {
        uint32_t *o = out->data;
        for (uint32_t i = 0; i < n; i++) {
            int64_t s = trunc_ticks(tr, v[i]);
            o[i] = (uint32_t)(s < 0 ? 0 : s > UINT32_MAX ? UINT32_MAX : s);
        }
        break;
    }
    default: {
        int64_t *o = out->data;
        for (uint32_t i = 0; i < n; i++)
            o[i] = trunc_ticks(tr, v[i]);
        break;
    }
    }
    free(v);
    fn_fixed_done(out, n);
    return 0;
}

static int bind_trunc_to(struct fn_bind *b, const char *name, uint8_t unit, int64_t count)
{
    int rc = want_time(b, name, 0);
    if (rc)
        return rc;
    struct ty t = b->arg_ty[0];
    struct trunc *tr = calloc(1, sizeof(*tr));
    if (!tr)
        return -ENOMEM;
    tr->unit = unit;
    tr->count = count;
    if (unit <= TY_UNIT_MILLISECOND) {
        if (t.kind != TY_DATETIME64 && b->cast_to[0].kind != TY_DATETIME64) {
            free(tr);
            return fn_bad_arg(b, name, 0, "a datetime64 for a sub-second unit");
        }
        int up = unit == TY_UNIT_NANOSECOND ? 9 : unit == TY_UNIT_MICROSECOND ? 6 : 3;
        int p = t.kind == TY_DATETIME64 ? t.prec : 9;
        tr->prec = p > up ? p : up;
        tr->count = count * dt_pow10(tr->prec - up);
        b->ret = (struct ty){TY_DATETIME64, 0, (uint8_t)tr->prec};
    } else {
        b->ret = fn_ty(unit >= TY_UNIT_WEEK ? TY_DATE : TY_DATETIME);
    }
    b->state = tr;
    b->state_free = free;
    b->kernel = k_trunc;
    return 0;
}

#define TRUNC_BIND(fn, unit, count) \
    static int bind_##fn(struct fn_bind *b) { return bind_trunc_to(b, #fn, unit, count); }
TRUNC_BIND(to_start_of_minute, TY_UNIT_MINUTE, 1)
TRUNC_BIND(to_start_of_five_minutes, TY_UNIT_MINUTE, 5)
TRUNC_BIND(to_start_of_ten_minutes, TY_UNIT_MINUTE, 10)
TRUNC_BIND(to_start_of_fifteen_minutes, TY_UNIT_MINUTE, 15)
TRUNC_BIND(to_start_of_hour, TY_UNIT_HOUR, 1)
TRUNC_BIND(to_start_of_day, TY_UNIT_DAY, 1)
TRUNC_BIND(to_monday, TY_UNIT_WEEK, 1)

/* to_start_of_week(t [, mode]): ClickHouse's modes, whose lowest bit picks
 * Monday (1, 3, 5, 7) over Sunday (0, the default, 2, 4, 6). */
static int bind_to_start_of_week(struct fn_bind *b)
{
    int64_t mode = 0;
    int rc = opt_small_const(b, "to_start_of_week", 1, 9, "a constant mode 0..9", &mode);
    if (rc || (rc = bind_trunc_to(b, "to_start_of_week", TY_UNIT_WEEK, 1)))
        return rc;
    ((struct trunc *)b->state)->sunday = !(mode & 1);
    return 0;
}
TRUNC_BIND(to_start_of_month, TY_UNIT_MONTH, 1)
TRUNC_BIND(to_start_of_quarter, TY_UNIT_QUARTER, 1)
TRUNC_BIND(to_start_of_year, TY_UNIT_YEAR, 1)

/* to_start_of_second(datetime64(p)) keeps the type: the sub-second path
 * with a step of one second in ticks. */
static int bind_to_start_of_second(struct fn_bind *b)
{
    struct ty t = b->arg_ty[0];
    if (t.kind != TY_DATETIME64)
        return fn_bad_arg(b, "to_start_of_second", 0, "a datetime64");
    struct trunc *tr = calloc(1, sizeof(*tr));
    if (!tr)
        return -ENOMEM;
    tr->unit = TY_UNIT_NANOSECOND;
    tr->prec = t.prec;
    tr->count = dt_pow10(t.prec);
    b->state = tr;
    b->state_free = free;
    b->ret = fn_plain(t);
    b->kernel = k_trunc;
    return 0;
}

static int bind_to_start_of_interval(struct fn_bind *b)
{
    const struct val *iv = fn_const(b, 1);
    if (!iv || iv->ty.kind != TY_INTERVAL)
        return fn_bad_arg(b, "to_start_of_interval", 1, "a constant interval");
    if (iv->v.i <= 0)
        return fn_bind_fail(b, 1, "to_start_of_interval expects a positive interval, got %lld",
                            (long long)iv->v.i);
    if (b->nargs > 2) {
        const struct val *tz = fn_const(b, 2);
        if (!tz || tz->ty.kind != TY_STRING || tz->v.s.n != 3 || strncasecmp(tz->v.s.p, "UTC", 3))
            return fn_bind_fail(b, 2, "to_start_of_interval: only the UTC time zone is supported");
    }
    return bind_trunc_to(b, "to_start_of_interval", iv->ty.prec, iv->v.i);
}

/* ---- date_diff ------------------------------------------------------------- */

/* A unit named by a constant string argument i: ClickHouse's names and
 * abbreviations as well as ours. */
static int unit_arg(struct fn_bind *b, const char *name, uint32_t i, uint8_t *unit)
{
    static const struct {
        const char *abbr;
        uint8_t unit;
    } ch[] = {
        {"ss", TY_UNIT_SECOND}, {"mi", TY_UNIT_MINUTE}, {"n", TY_UNIT_MINUTE},
        {"hh", TY_UNIT_HOUR},   {"dd", TY_UNIT_DAY},    {"wk", TY_UNIT_WEEK},
        {"ww", TY_UNIT_WEEK},   {"mm", TY_UNIT_MONTH},  {"qq", TY_UNIT_QUARTER},
        {"yyyy", TY_UNIT_YEAR}, {"yy", TY_UNIT_YEAR},
    };
    const struct val *v = fn_const(b, i);
    if (!v || v->ty.kind != TY_STRING)
        return fn_bad_arg(b, name, i, "a constant unit name ('second', 'day', ...)");
    if (ty_unit_from_name(v->v.s.p, v->v.s.n, unit) == 0)
        return 0;
    for (size_t k = 0; k < sizeof ch / sizeof ch[0]; k++)
        if (strlen(ch[k].abbr) == v->v.s.n && strncasecmp(ch[k].abbr, v->v.s.p, v->v.s.n) == 0)
            return *unit = ch[k].unit, 0;
    return fn_bind_fail(b, (int)i, "%s: unknown unit '%.*s'", name, (int)v->v.s.n, v->v.s.p);
}

/* A time's position on the unit's scale: the number of unit boundaries
 * since the epoch (t in ticks at prec). */
static int64_t unit_number(uint8_t unit, int64_t t, int prec)
{
    int64_t secs = dt_floor_div(t, dt_pow10(prec)), days = dt_floor_div(secs, 86400), y;
    int m, d;
    switch (unit) {
    case TY_UNIT_NANOSECOND:
    case TY_UNIT_MICROSECOND:
    case TY_UNIT_MILLISECOND: return t;
    case TY_UNIT_SECOND: return secs;
    case TY_UNIT_MINUTE: return dt_floor_div(secs, 60);
    case TY_UNIT_HOUR: return dt_floor_div(secs, 3600);
    case TY_UNIT_DAY: return days;
    case TY_UNIT_WEEK: return dt_floor_div(days + 3, 7);
    default: break;
    }
    dt_civil_from_days(days, &y, &m, &d);
    if (unit == TY_UNIT_YEAR)
        return y;
    if (unit == TY_UNIT_QUARTER)
        return y * 4 + (m - 1) / 3;
    return y * 12 + m - 1;
}

static int k_date_diff(KERNEL_ARGS)
{
    const struct trunc *u = b->state;
    int64_t *x = load_ticks(args[1], n, u->prec), *y = load_ticks(args[2], n, u->prec);
    int64_t *o = out->data;
    if (x && y)
        for (uint32_t i = 0; i < n; i++)
            o[i] = (int64_t)((uint64_t)unit_number(u->unit, y[i], u->prec) -
                             (uint64_t)unit_number(u->unit, x[i], u->prec));
    free(x);
    free(y);
    if (!x || !y)
        return -ENOMEM;
    fn_fixed_done(out, n);
    return 0;
}

static int bind_date_diff(struct fn_bind *b)
{
    uint8_t unit;
    int rc = unit_arg(b, "date_diff", 0, &unit);
    if (rc || (rc = want_time(b, "date_diff", 1)) || (rc = want_time(b, "date_diff", 2)))
        return rc;
    struct trunc *u = calloc(1, sizeof(*u));
    if (!u)
        return -ENOMEM;
    u->unit = unit;
    u->prec = unit == TY_UNIT_NANOSECOND ? 9 : unit == TY_UNIT_MICROSECOND ? 6
              : unit == TY_UNIT_MILLISECOND ? 3 : 0;
    b->state = u;
    b->state_free = free;
    b->ret = fn_ty(TY_INT64);
    b->kernel = k_date_diff;
    return 0;
}

/* ---- date_add, date_sub, add_<unit>s, subtract_<unit>s -------------------------- */

/* date_add('unit', n, t) or date_add(t, interval). */
static int bind_date_shift(struct fn_bind *b, const char *name, int sign)
{
    uint8_t unit;
    int rc;
    if (b->nargs == 2) {
        if ((rc = want_time(b, name, 0)))
            return rc;
        if (b->arg_ty[1].kind != TY_INTERVAL)
            return fn_bad_arg(b, name, 1, "an interval");
        return fn_bind_time_add(b, 0, b->arg_ty[1].prec, sign);
    }
    if ((rc = unit_arg(b, name, 0, &unit)))
        return rc;
    if (!ty_is_int(b->arg_ty[1]))
        return fn_bad_arg(b, name, 1, "an integer");
    if ((rc = want_time(b, name, 2)))
        return rc;
    /* drop the unit: the kernel sees (count, time) */
    return fn_bind_time_add_at(b, 2, 1, unit, sign);
}
static int bind_date_add(struct fn_bind *b) { return bind_date_shift(b, "date_add", 1); }
static int bind_date_sub(struct fn_bind *b) { return bind_date_shift(b, "date_sub", -1); }

static int bind_add_units(struct fn_bind *b, const char *name, uint8_t unit, int sign)
{
    int rc = want_time(b, name, 0);
    if (rc)
        return rc;
    if (!ty_is_int(b->arg_ty[1]))
        return fn_bad_arg(b, name, 1, "an integer");
    return fn_bind_time_add(b, 0, unit, sign);
}
#define ADD_BINDS(unit, u)                                                        \
    static int bind_add_##u##s(struct fn_bind *b)                                 \
    {                                                                             \
        return bind_add_units(b, "add_" #u "s", unit, 1);                         \
    }                                                                             \
    static int bind_subtract_##u##s(struct fn_bind *b)                            \
    {                                                                             \
        return bind_add_units(b, "subtract_" #u "s", unit, -1);                   \
    }
ADD_BINDS(TY_UNIT_NANOSECOND, nanosecond)
ADD_BINDS(TY_UNIT_MICROSECOND, microsecond)
ADD_BINDS(TY_UNIT_MILLISECOND, millisecond)
ADD_BINDS(TY_UNIT_SECOND, second)
ADD_BINDS(TY_UNIT_MINUTE, minute)
ADD_BINDS(TY_UNIT_HOUR, hour)
ADD_BINDS(TY_UNIT_DAY, day)
ADD_BINDS(TY_UNIT_WEEK, week)
ADD_BINDS(TY_UNIT_MONTH, month)
ADD_BINDS(TY_UNIT_QUARTER, quarter)
ADD_BINDS(TY_UNIT_YEAR, year)

/* ---- intervals ---------------------------------------------------------------- */

static int k_to_interval(KERNEL_ARGS)
{
    memcpy(out->data, args[0]->data, (size_t)n * sizeof(int64_t));
    fn_fixed_done(out, n);
    return 0;
}

static int bind_to_interval(struct fn_bind *b, const char *name, uint8_t unit)
{
    struct ty t = b->arg_ty[0];
    if (!ty_is_int(t) && !ty_is_float(t))
        return fn_bad_arg(b, name, 0, "a number");
    b->cast_to[0] = fn_ty(TY_INT64);
    b->ret = (struct ty){TY_INTERVAL, 0, unit};
    b->kernel = k_to_interval;
    return 0;
}
#define INTERVAL_BIND(unit, u)                                          \
    static int bind_to_interval_##u(struct fn_bind *b)                  \
    {                                                                   \
        return bind_to_interval(b, "to_interval_" #u, unit);            \
    }
INTERVAL_BIND(TY_UNIT_NANOSECOND, nanosecond)
INTERVAL_BIND(TY_UNIT_MICROSECOND, microsecond)
INTERVAL_BIND(TY_UNIT_MILLISECOND, millisecond)
INTERVAL_BIND(TY_UNIT_SECOND, second)
INTERVAL_BIND(TY_UNIT_MINUTE, minute)
INTERVAL_BIND(TY_UNIT_HOUR, hour)
INTERVAL_BIND(TY_UNIT_DAY, day)
INTERVAL_BIND(TY_UNIT_WEEK, week)
INTERVAL_BIND(TY_UNIT_MONTH, month)
INTERVAL_BIND(TY_UNIT_QUARTER, quarter)
INTERVAL_BIND(TY_UNIT_YEAR, year)

/* ---- format_datetime ------------------------------------------------------------ */

/* MySQL-style specifiers, the subset ClickHouse documents for formatDateTime:
 * %Y %y %m %d %e %H %I %M %S %p %F %T %D %R %j %u %w %Q %s %%. */
static int format_one(const char *f, size_t fn, int64_t secs, struct col *out)
{
    int64_t days = dt_floor_div(secs, 86400), sod = secs - days * 86400, y;
    int m, d, rc = 0;
    dt_civil_from_days(days, &y, &m, &d);
    int h = (int)(sod / 3600), mi = (int)(sod / 60 % 60), s = (int)(sod % 60);
    int dow = (int)(days - dt_floor_div(days + 3, 7) * 7 + 3) + 1; /* Monday 1 */
    char buf[48];
    for (size_t i = 0; i < fn && rc == 0; i++) {
        int k = 0;
        if (f[i] != '%' || i + 1 == fn) {
            rc = col_str_append(out, f + i, 1);
            continue;
        }
        switch (f[++i]) {
        case 'Y': k = snprintf(buf, sizeof buf, "%04lld", (long long)y); break;
        case 'y': k = snprintf(buf, sizeof buf, "%02lld", (long long)(y % 100)); break;
        case 'm': k = snprintf(buf, sizeof buf, "%02d", m); break;
        case 'd': k = snprintf(buf, sizeof buf, "%02d", d); break;
        case 'e': k = snprintf(buf, sizeof buf, "%2d", d); break;
        case 'H': k = snprintf(buf, sizeof buf, "%02d", h); break;
        case 'I': k = snprintf(buf, sizeof buf, "%02d", (h + 11) % 12 + 1); break;
        case 'M': k = snprintf(buf, sizeof buf, "%02d", mi); break;
        case 'S': k = snprintf(buf, sizeof buf, "%02d", s); break;
        case 'p': k = snprintf(buf, sizeof buf, "%s", h < 12 ? "AM" : "PM"); break;
        case 'F': k = snprintf(buf, sizeof buf, "%04lld-%02d-%02d", (long long)y, m, d); break;
        case 'D': k = snprintf(buf, sizeof buf, "%02d/%02d/%02lld", m, d, (long long)(y % 100)); break;
        case 'T': k = snprintf(buf, sizeof buf, "%02d:%02d:%02d", h, mi, s); break;
        case 'R': k = snprintf(buf, sizeof buf, "%02d:%02d", h, mi); break;
        case 'j':
            k = snprintf(buf, sizeof buf, "%03lld", (long long)(days - dt_days_from_civil(y, 1, 1) + 1));
            break;
        case 'u': k = snprintf(buf, sizeof buf, "%d", dow); break;
        case 'w': k = snprintf(buf, sizeof buf, "%d", dow % 7); break;
        case 'Q': k = snprintf(buf, sizeof buf, "%d", (m - 1) / 3 + 1); break;
        case 's': k = snprintf(buf, sizeof buf, "%lld", (long long)secs); break;
        case '%': buf[0] = '%', k = 1; break;
        default: buf[0] = '%', buf[1] = f[i], k = 2; break;
        }
        rc = col_str_append(out, buf, (size_t)k);
    }
    return rc ? rc : col_str_end(out);
}

static int k_format_datetime(KERNEL_ARGS)
{
    int64_t *v = load_ticks(args[0], n, 0);
    int rc = v ? 0 : -ENOMEM;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        size_t fl;
        const char *f = col_str(args[1], i, &fl);
        rc = format_one(f, fl, v[i], out);
    }
    free(v);
    return rc;
}

static int bind_format_datetime(struct fn_bind *b)
{
    int rc = want_time(b, "format_datetime", 0);
    if (rc)
        return rc;
    if (b->arg_ty[1].kind != TY_STRING)
        return fn_bad_arg(b, "format_datetime", 1, "a format string");
    b->ret = fn_ty(TY_STRING);
    b->kernel = k_format_datetime;
    return 0;
}

#define UNIT_ENTRIES(u)                                          \
    {"add_" #u "s", 2, 2, 0, bind_add_##u##s},                   \
    {"subtract_" #u "s", 2, 2, 0, bind_subtract_##u##s},         \
    {"to_interval_" #u, 1, 1, 0, bind_to_interval_##u},

const struct fn_scalar fn_time_fns[] = {
    {"now", 0, 0, FN_PER_STATEMENT, bind_now},
    {"now64", 0, 1, FN_PER_STATEMENT, bind_now64},
    {"today", 0, 0, FN_PER_STATEMENT, bind_today},
    {"to_year", 1, 1, 0, bind_to_year},
    {"to_quarter", 1, 1, 0, bind_to_quarter},
    {"to_month", 1, 1, 0, bind_to_month},
    {"to_day_of_month", 1, 1, 0, bind_to_day_of_month},
    {"to_day_of_week", 1, 1, 0, bind_to_day_of_week},
    {"to_day_of_year", 1, 1, 0, bind_to_day_of_year},
    {"to_hour", 1, 1, 0, bind_to_hour},
    {"to_minute", 1, 1, 0, bind_to_minute},
    {"to_second", 1, 1, 0, bind_to_second},
    {"to_yyyymm", 1, 1, 0, bind_to_yyyymm},
    {"to_yyyymmdd", 1, 1, 0, bind_to_yyyymmdd},
    {"to_unix_timestamp", 1, 1, 0, bind_to_unix_timestamp},
    {"to_unix_timestamp64_milli", 1, 1, 0, bind_unix_milli},
    {"to_unix_timestamp64_micro", 1, 1, 0, bind_unix_micro},
    {"to_unix_timestamp64_nano", 1, 1, 0, bind_unix_nano},
    {"to_start_of_second", 1, 1, 0, bind_to_start_of_second},
    {"to_start_of_minute", 1, 1, 0, bind_to_start_of_minute},
    {"to_start_of_five_minutes", 1, 1, 0, bind_to_start_of_five_minutes},
    {"to_start_of_five_minute", 1, 1, 0, bind_to_start_of_five_minutes},
    {"to_start_of_ten_minutes", 1, 1, 0, bind_to_start_of_ten_minutes},
    {"to_start_of_fifteen_minutes", 1, 1, 0, bind_to_start_of_fifteen_minutes},
    {"to_start_of_hour", 1, 1, 0, bind_to_start_of_hour},
    {"to_start_of_day", 1, 1, 0, bind_to_start_of_day},
    {"to_monday", 1, 1, 0, bind_to_monday},
    {"to_start_of_week", 1, 2, 0, bind_to_start_of_week},
    {"to_start_of_month", 1, 1, 0, bind_to_start_of_month},
    {"to_start_of_quarter", 1, 1, 0, bind_to_start_of_quarter},
    {"to_start_of_year", 1, 1, 0, bind_to_start_of_year},
    {"to_start_of_interval", 2, 3, 0, bind_to_start_of_interval},
    {"date_diff", 3, 3, 0, bind_date_diff},
    {"date_add", 2, 3, 0, bind_date_add},
    {"date_sub", 2, 3, 0, bind_date_sub},
    {"format_datetime", 2, 2, 0, bind_format_datetime},
    UNIT_ENTRIES(nanosecond)
    UNIT_ENTRIES(microsecond)
    UNIT_ENTRIES(millisecond)
    UNIT_ENTRIES(second)
    UNIT_ENTRIES(minute)
    UNIT_ENTRIES(hour)
    UNIT_ENTRIES(day)
    UNIT_ENTRIES(week)
    UNIT_ENTRIES(month)
    UNIT_ENTRIES(quarter)
    UNIT_ENTRIES(year)
};
const size_t fn_time_fns_n = sizeof(fn_time_fns) / sizeof(fn_time_fns[0]);
