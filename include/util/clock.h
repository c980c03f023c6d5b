/*
 * clock.h — the only source of "now" in the engine.
 *
 * Real time by default; tests switch to a fake clock they move by hand, so
 * no test sleeps for event time. Times are nanoseconds since the Unix epoch.
 */
#ifndef SFS_UTIL_CLOCK_H
#define SFS_UTIL_CLOCK_H

#include <stdint.h>

int64_t clk_now_ns(void);
/* Monotonic nanoseconds (durations, rates); follows the fake clock too. */
int64_t clk_mono_ns(void);
/* Use a fake clock starting at ns (both wall and monotonic read it). */
void clk_fake_set(int64_t ns);
void clk_fake_advance(int64_t ns);
/* Back to the real clock. */
void clk_fake_off(void);

#endif
