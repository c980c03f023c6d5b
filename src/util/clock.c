/*
 * clock.c — real or fake time (util/clock.h).
 */
#include "util/clock.h"

#include <stdatomic.h>
#include <time.h>

static atomic_int fake_on;
static _Atomic int64_t fake_ns;

static int64_t read_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clk_now_ns(void)
{
    return atomic_load(&fake_on) ? atomic_load(&fake_ns) : read_clock(CLOCK_REALTIME);
}

int64_t clk_mono_ns(void)
{
    return atomic_load(&fake_on) ? atomic_load(&fake_ns) : read_clock(CLOCK_MONOTONIC);
}

void clk_fake_set(int64_t ns)
{
    atomic_store(&fake_ns, ns);
    atomic_store(&fake_on, 1);
}

void clk_fake_advance(int64_t ns)
{
    atomic_fetch_add(&fake_ns, ns);
}

void clk_fake_off(void)
{
    atomic_store(&fake_on, 0);
}
